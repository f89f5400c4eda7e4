// Small builders for test data: events of each type, batches, sessions.
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { SessionCredentials, TrackedEvent } from '../../../js-shim/src/contract.ts';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export type Event = TrackedEvent;

export const pageView = (ts: number, url = 'https://example.com/', extra: object = {}): Event => ({ type: 'page_view', ts, url, ...extra });
export const click = (ts: number, selector = 'button', x = 10, y = 20): Event => ({ type: 'click', ts, x, y, selector });
export const scroll = (ts: number, scroll_percent: number): Event => ({ type: 'scroll', ts, scroll_percent });
export const custom = (ts: number, name = 'signup', props: object = { plan: 'pro' }): Event => ({ type: 'custom', ts, name, props });

/** n events in a realistic mix, starting at t0, one every 100 ms. */
export function mixedEvents(t0: number, n: number, page = '/'): Event[] {
  return Array.from({ length: n }, (_, i) => {
    const ts = t0 + i * 100;
    switch (i % 5) {
      case 0: return pageView(ts, `https://example.com${page}${i % 3 === 0 ? '' : `p${i % 7}`}`);
      case 1: return click(ts, `a#l${i}`);
      case 2: return scroll(ts, (i * 7) % 101);
      case 3: return custom(ts, 'tick', { i });
      default: return { type: 'visibility', ts, state: 'visible' };
    }
  });
}

/** What a batch needs of its session's session/start answer. */
export type StartedSession = SessionCredentials;

export function batchBody(s: StartedSession, seq: number, events: Event[], extra: object = {}) {
  return JSON.stringify({ session_id: s.session_id, session_started_at: s.session_started_at, token: s.token, seq, events, ...extra });
}

/** What the replay of a list of events must contain, in order (ts, seq, i). */
export function expectedOrder(batches: { seq: number; events: Event[] }[]) {
  return batches
    .flatMap((b) => b.events.map((e, i) => ({ ts: e.ts, seq: b.seq, i, type: e.type })))
    .sort((a, b) => a.ts - b.ts || a.seq - b.seq || a.i - b.i);
}

/** A stored R2 object's NDJSON: chunks and segments are stored gzip, older objects plain. */
export function inflated(bytes: Uint8Array): Uint8Array {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? new Uint8Array(gunzipSync(bytes)) : bytes;
}

export const storedText = (bytes: Uint8Array) => new TextDecoder().decode(inflated(bytes));
