// Events recorded in parts: the replay recorder cuts an rrweb event too large
// for one request (a full snapshot of a heavy page) into parts, each sent as
// an rrweb event of its own batch and seq, so every part passes the token and
// seq rules of any batch and lands in its own chunk:
//
//   {"type":"rrweb","ts":T,"data":{"part":"<id>","n":k,"of":N,"text":"<slice k of the event's JSON>"}}
//
// Replay and compaction join them again here, after the core's merge: once
// all N parts of an id are seen, the whole event is written as one line (with
// the key of part 0) where the last part was, and the part lines go. Parts
// still missing (in flight, or lost) never touch other lines: replay writes a
// short stand-in for them, {"data":{"part":id,"of":N,"have":k}}, so the viewer
// can say so, and compaction keeps their part lines for a later run.
const MARKER = ',"data":{"part":"';
/** An event is never joined past this many bytes (the recorder does not split beyond it either). */
export const MAX_JOINED_BYTES = 64 * 1024 * 1024;
/** Parts of one event at most (the recorder's parts are about 256 KB: 64 MB in 256 parts). */
export const MAX_PARTS = 256;

interface PartLine {
  part: string;
  n: number;
  of: number;
  text: string;
}

interface Pending {
  /** Part 0's line up to its "data" member, once seen. */
  head: string | null;
  of: number;
  texts: (string | undefined)[];
  have: number;
  bytes: number;
  /** The part lines as stored, for compaction to write back while incomplete. */
  lines: string[];
  /** Part 0's line (or the first part seen) minus its text, for the stand-in. */
  first: string;
}

function readPart(line: string): PartLine | null {
  try {
    const data = (JSON.parse(line) as { data?: Partial<PartLine> }).data;
    if (!data || typeof data.part !== 'string' || data.part.length > 64 || typeof data.text !== 'string') return null;
    const { n, of } = data;
    if (!Number.isInteger(n) || !Number.isInteger(of) || of! < 1 || of! > MAX_PARTS || n! < 0 || n! >= of!) return null;
    return data as PartLine;
  } catch {
    return null;
  }
}

/** A whole event's JSON: one object, on one line (it becomes an NDJSON line). */
function wholeEvent(text: string): boolean {
  if (/[\r\n]/.test(text)) return false;
  try {
    const v = JSON.parse(text) as { type?: unknown };
    return v !== null && typeof v === 'object' && !Array.isArray(v) && typeof v.type === 'number';
  } catch {
    return false;
  }
}

export interface JoinStats {
  /** Events joined whole from their parts. */
  joined: number;
  /** Events whose parts are not all here (yet). */
  incomplete: number;
  /** Events dropped: parts that do not fit together (bad JSON, too large). */
  dropped: number;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * Joins parts across the merged windows of one session, in order. Memory:
 * what the windows hold, plus the parts of events not yet complete (at most
 * MAX_JOINED_BYTES each).
 */
export class PartJoiner {
  private pending = new Map<string, Pending>();
  readonly stats: JoinStats = { joined: 0, incomplete: 0, dropped: 0 };

  /** One merged window in, the same window out with complete events joined and part lines held back. */
  push(ndjson: Uint8Array): Uint8Array {
    const text = decoder.decode(ndjson);
    let hit = text.indexOf(MARKER);
    if (hit < 0) return ndjson;
    const out: string[] = [];
    let cursor = 0;
    while (hit >= 0) {
      const start = text.lastIndexOf('\n', hit) + 1;
      let end = text.indexOf('\n', hit);
      if (end < 0) end = text.length;
      out.push(text.slice(cursor, start));
      const line = text.slice(start, end);
      const joined = this.take(line, hit - start);
      if (joined !== null) out.push(joined);
      cursor = end + 1;
      hit = text.indexOf(MARKER, cursor);
    }
    if (cursor < text.length) out.push(text.slice(cursor));
    return encoder.encode(out.join(''));
  }

  /** A part line: held, or (the last one) the whole event's line. Lines that are not parts stay as they were. */
  private take(line: string, markerAt: number): string | null {
    const p = readPart(line);
    if (!p) return line + '\n';
    let entry = this.pending.get(p.part);
    if (!entry) {
      entry = { head: null, of: p.of, texts: new Array(p.of), have: 0, bytes: 0, lines: [], first: '' };
      this.pending.set(p.part, entry);
    }
    if (entry.of !== p.of || entry.texts[p.n] !== undefined) return null; // a repeat, or parts that disagree
    entry.texts[p.n] = p.text;
    entry.have++;
    entry.bytes += p.text.length;
    entry.lines.push(line);
    if (p.n === 0 || !entry.first) entry.first = line.slice(0, markerAt);
    if (p.n === 0) entry.head = line.slice(0, markerAt);
    if (entry.bytes > MAX_JOINED_BYTES) {
      this.pending.delete(p.part);
      this.stats.dropped++;
      return null;
    }
    if (entry.have < entry.of) return null;
    this.pending.delete(p.part);
    const whole = entry.texts.join('');
    if (!wholeEvent(whole)) {
      this.stats.dropped++;
      return null;
    }
    this.stats.joined++;
    return `${entry.head},"data":${whole}}\n`;
  }

  /** After the last window: a stand-in line per event still missing parts (replay). */
  standIns(): Uint8Array {
    const lines: string[] = [];
    for (const [id, e] of this.pending) {
      this.stats.incomplete++;
      lines.push(`${e.first},"data":{"part":${JSON.stringify(id)},"of":${e.of},"have":${e.have}}}\n`);
    }
    this.pending.clear();
    return encoder.encode(lines.join(''));
  }

  /** After the last window: the stored part lines of events still missing parts (compaction keeps them). */
  heldLines(): Uint8Array {
    const lines: string[] = [];
    for (const e of this.pending.values()) {
      this.stats.incomplete++;
      for (const l of e.lines) lines.push(l + '\n');
    }
    this.pending.clear();
    return encoder.encode(lines.join(''));
  }
}
