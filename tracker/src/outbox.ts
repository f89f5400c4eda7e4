// The tracker's delivery rules, kept apart from the DOM so they can be tested
// on their own: batches of at most the server's max_batch events, each with
// its seq fixed when it is cut (a retry resends the same seq, so the server counts it once),
// kept in a bounded localStorage outbox until the server has answered.

import type { BatchBody, TrackedEvent } from '../../js-shim/src/contract';

export type Ev = TrackedEvent;
/** The wire body of a batch: it carries its session's credentials. */
export type Body = BatchBody;

/**
 * A batch waiting for delivery. No expiry of its own: past the server's
 * session age limit it is refused with a 4xx, which removes it.
 */
export type Pending = Body;

export const FLUSH_AT = 50;
const OUTBOX_LIMIT = 30;

/** Retry delay after `tries` failures: 2 s doubling, at most a minute. */
export const backoff = (tries: number) => Math.min(6e4, 2e3 * 2 ** tries);

/** A stored JSON value, or null when absent or unreadable. */
export function readJson<T>(store: Storage, key: string): T | null {
  try {
    return JSON.parse(store.getItem(key)!);
  } catch {
    return null;
  }
}

/** Reads the outbox, dropping anything unreadable. */
export function readOutbox(store: Storage, key: string): Pending[] {
  const list = readJson<Pending[]>(store, key);
  return Array.isArray(list) ? list.filter((p) => p && p.events) : [];
}

/** Writes the outbox, keeping the newest entries within the limit. */
export function writeOutbox(store: Storage, key: string, list: Pending[]): void {
  try {
    store.setItem(key, JSON.stringify(list.slice(-OUTBOX_LIMIT)));
  } catch {
    // Storage full or blocked: delivery still tries from memory.
  }
}

/** The same batch's identity across pages: one session, one seq. */
export const idOf = (p: Pending) => p.session_id + p.seq;
