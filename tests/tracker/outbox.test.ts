// The tracker's delivery rules, without a browser: the outbox, retry delays,
// batch identity, and the size budget of the built script.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { backoff, idOf, readJson, readOutbox, writeOutbox, type Pending } from '../../tracker/src/outbox.ts';

/** The Web Storage interface over a Map: the shape localStorage has in a page. */
class MemoryStorage implements Storage {
  private items = new Map<string, string>();
  quota = Infinity;
  get length() {
    return this.items.size;
  }
  clear() {
    this.items.clear();
  }
  getItem(k: string) {
    return this.items.get(k) ?? null;
  }
  key(i: number) {
    return [...this.items.keys()][i] ?? null;
  }
  removeItem(k: string) {
    this.items.delete(k);
  }
  setItem(k: string, v: string) {
    if (v.length > this.quota) throw new DOMException('quota', 'QuotaExceededError');
    this.items.set(k, v);
  }
}

const batch = (seq: number, session = 'sess_one_1'): Pending => ({
  session_id: session,
  session_started_at: '2026-11-22T23:59:50.123Z',
  token: 't',
  seq,
  events: [{ type: 'click', ts: seq }],
});

test('retry delays double from 2 s and stop at a minute', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 10].map(backoff), [2000, 4000, 8000, 16000, 32000, 60000, 60000]);
});

test('a batch keeps one identity per session and seq, so a retry is the same batch', () => {
  assert.equal(idOf(batch(3)), idOf({ ...batch(3), events: [] }));
  assert.notEqual(idOf(batch(3)), idOf(batch(4)));
  assert.notEqual(idOf(batch(3, 'sess_one_1')), idOf(batch(3, 'sess_two_2')));
});

test('the outbox survives a page load and keeps only the newest 30 batches', () => {
  const store = new MemoryStorage();
  writeOutbox(store, 'er_o', Array.from({ length: 40 }, (_, k) => batch(k)));
  const back = readOutbox(store, 'er_o');
  assert.equal(back.length, 30);
  assert.deepEqual(back.map((p) => p.seq), Array.from({ length: 30 }, (_, k) => k + 10));
});

test('an unreadable or foreign outbox reads as empty', () => {
  const store = new MemoryStorage();
  store.setItem('er_o', '{not json');
  assert.deepEqual(readOutbox(store, 'er_o'), []);
  store.setItem('er_o', JSON.stringify({ seq: 1 }));
  assert.deepEqual(readOutbox(store, 'er_o'), []);
  store.setItem('er_o', JSON.stringify([null, 7, batch(1)]));
  assert.deepEqual(readOutbox(store, 'er_o').map((p) => p.seq), [1]);
  assert.equal(readJson(store, 'missing'), null);
});

test('a full storage never throws into the page', () => {
  const store = new MemoryStorage();
  store.quota = 10;
  assert.doesNotThrow(() => writeOutbox(store, 'er_o', [batch(1)]));
  assert.deepEqual(readOutbox(store, 'er_o'), []);
});

test('the built tracker stays within 2,048 bytes gzip', () => {
  const js = readFileSync(new URL('../../dist/tracker/tracker.js', import.meta.url));
  const size = gzipSync(js, { level: 9 }).length;
  assert.ok(size <= 2048, `tracker.js is ${size} bytes gzip`);
  const manifest = JSON.parse(readFileSync(new URL('../../dist/tracker/manifest.json', import.meta.url), 'utf8'));
  assert.equal(manifest.tracker.gzip_bytes, size);
  assert.ok(js.toString().includes(manifest.replay.file), 'the tracker names its replay chunk by hash');
});
