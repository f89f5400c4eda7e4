// The optional DOM-replay chunk, loaded only when the site enables replay and
// the session is sampled. rrweb's recorder with inputs masked by default;
// elements with class `er-block` are not recorded, `er-mask` text is masked.
//
// Transport (README, "Session replay"): every batch this page sends is gzip
// (CompressionStream; plain JSON where the browser has none, and for beacons
// of a page going away). An rrweb event too large for one request (a full
// snapshot of a heavy page) goes as parts, one batch each, which the server
// joins again: {data: {part, n, of, text}} carries slice n of the event's JSON.
import { record } from '@rrweb/record';

type Push = (e: { type: string; ts?: number; data: unknown }) => void;
type RrwebEvent = { type: number; timestamp: number };

/** Characters of an event's JSON per part: at most 3 UTF-8 bytes each, so a part stays under the server's 512 KB per event. */
export const PART_CHARS = 160_000;
/** Parts of one event at most (the server joins no more): about 40 MB of JSON. */
export const MAX_PARTS = 256;
/** An event whose JSON is longer than this goes whole (the server takes 512 KB per event). */
const WHOLE_CHARS = 160_000;

const w = window as unknown as {
  __er_record: (push: Push, flush: () => void) => void;
  __er_z?: (body: string) => Promise<Uint8Array>;
};

if (typeof CompressionStream == 'function') {
  w.__er_z = async (body) => new Uint8Array(await new Response(new Blob([body]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer());
}

/** The event's JSON cut into parts of at most PART_CHARS, never inside a surrogate pair. */
export function cutParts(json: string): string[] {
  const parts: string[] = [];
  for (let k = 0; k < json.length; ) {
    let end = Math.min(json.length, k + PART_CHARS);
    const last = json.charCodeAt(end - 1);
    if (end < json.length && last >= 0xd800 && last < 0xdc00) end--;
    parts.push(json.slice(k, end));
    k = end;
  }
  return parts;
}

w.__er_record = (push, flush) =>
  record({
    emit(e: RrwebEvent) {
      try {
        const json = e.type == 2 || e.type == 3 ? JSON.stringify(e) : '';
        if (json.length <= WHOLE_CHARS) {
          push({ type: 'rrweb', ts: e.timestamp, data: e });
          if (e.type == 2) flush(); // a full snapshot is large: send it on its own
          return;
        }
        const parts = cutParts(json);
        if (parts.length > MAX_PARTS) {
          // Too large even in parts: the replay view says so instead of showing nothing.
          push({ type: 'rrweb', ts: e.timestamp, data: { too_large: json.length, event_type: e.type } });
          return flush();
        }
        const id = e.timestamp.toString(36) + Math.random().toString(36).slice(2, 10);
        flush();
        parts.forEach((text, n) => {
          push({ type: 'rrweb', ts: e.timestamp, data: { part: id, n, of: parts.length, text } });
          flush();
        });
      } catch {
        // Never into the host page: this event is not recorded.
      }
    },
    maskAllInputs: true,
    blockClass: 'er-block',
    maskTextClass: 'er-mask',
    sampling: { mousemove: 100, scroll: 150, input: 'last' },
  });
