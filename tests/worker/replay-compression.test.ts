// Compressed replay: gzip batches from the recorder, events too large for one
// request sent in parts and joined again, chunks and segments stored gzip.
// Real Worker, real local R2, real PostgreSQL.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { seedSite, startStack, type Stack } from './harness/stack.ts';
import { startSession, sendBatch } from './harness/session.ts';
import { batchBody, click, inflated, pageView, type Event, type StartedSession } from './harness/factories.ts';
import { asToken } from './harness/accounts.ts';
import { loadCore } from '../core/load-core.ts';
import { placeSession } from './harness/stored.ts';

const core = loadCore();
const prefixOf = (s: StartedSession) => {
  const r = core.sessionPrefix(s.session_id, s.session_started_at);
  assert.ok(r.ok);
  return r.key;
};

/** A full DOM snapshot (rrweb type 2) whose JSON is about `bytes` long. */
function fullSnapshot(ts: number, bytes: number) {
  const children = [];
  for (let k = 0; k * 1000 < bytes; k++) children.push({ type: 2, tagName: 'p', attributes: { id: `p${k}` }, childNodes: [{ type: 3, textContent: `paragraph ${k} é ✓ 𝄞 "quoted" ${'lorem ipsum '.repeat(75)}`, id: 100000 + k }], id: k + 10 });
  return { type: 2, timestamp: ts, data: { node: { type: 0, childNodes: [{ type: 2, tagName: 'body', attributes: {}, childNodes: children, id: 2 }], id: 1 }, initialOffset: { left: 0, top: 0 } } };
}

/** The recorder's parts of one event (tracker/src/replay.ts cutParts). */
function parts(event: object, ts: number, id: string, chars = 160_000): Event[] {
  const json = JSON.stringify(event);
  const out: string[] = [];
  for (let k = 0; k < json.length; k += chars) out.push(json.slice(k, k + chars));
  return out.map((text, n) => ({ type: 'rrweb', ts, data: { part: id, n, of: out.length, text } }));
}

const gzBatch = (s: StartedSession, seq: number, events: Event[], extra: object = {}) => gzipSync(batchBody(s, seq, events, extra));

describe('compressed replay', () => {
  let stack: Stack;
  let siteId: string;
  let token: string;

  before(async () => {
    stack = await startStack();
    ({ siteId, token } = await seedSite(stack, 'site_replay', { replay_enabled: true }));
  });
  after(() => stack?.close());

  const t0 = (s: StartedSession) => Date.parse(s.session_started_at);
  const post = (body: Uint8Array | string, path = '/track/events/batch') => stack.fetch(path, { method: 'POST', body });
  const replay = async (id: string) => {
    const res = await asToken(stack, token, `/replay/${id}/events`);
    assert.equal(res.status, 200);
    const text = await res.text();
    return { res, lines: text ? text.trimEnd().split('\n').map((l) => JSON.parse(l)) : [] };
  };
  const objects = async (s: StartedSession) => (await (await stack.bucket()).list({ prefix: prefixOf(s), include: ['customMetadata'] })).objects;
  const row = async (s: StartedSession) =>
    (await stack.db.query('SELECT event_count, bytes_stored::int AS bytes_stored FROM sessions WHERE id = $1', [s.session_id])).rows[0];

  it('accepts a gzip batch, stores its chunk gzip, and counts the bytes R2 holds', async () => {
    const s = await startSession(stack, siteId);
    const res = await post(gzBatch(s, 0, [pageView(t0(s) + 1), click(t0(s) + 2)]));
    assert.equal(res.status, 202, await res.clone().text());
    assert.equal(((await res.json()) as { accepted: number }).accepted, 2);
    const [chunk] = await objects(s);
    const stored = new Uint8Array(await (await (await stack.bucket()).get(chunk.key))!.arrayBuffer());
    assert.deepEqual([stored[0], stored[1]], [0x1f, 0x8b], 'stored gzip');
    assert.equal(chunk.customMetadata?.encoding, 'gzip');
    assert.equal(Number(chunk.customMetadata?.raw_bytes), inflated(stored).length);
    assert.equal((await row(s)).bytes_stored, chunk.size, 'bytes_stored is what R2 holds');
    const { lines } = await replay(s.session_id);
    assert.deepEqual(lines.map((l) => l.type), ['page_view', 'click']);
  });

  it('refuses a gzip body that inflates past the cap with 413 and stores nothing', async () => {
    const s = await startSession(stack, siteId);
    // 64 MB of one repeated event: about 100 KB of gzip.
    const event = JSON.stringify(click(t0(s) + 1)) + ',';
    const body = `{"session_id":"${s.session_id}","session_started_at":"${s.session_started_at}","token":"${s.token}","seq":0,"events":[${event.repeat(Math.ceil((64 << 20) / event.length))}${JSON.stringify(click(t0(s) + 2))}]}`;
    const bomb = gzipSync(body, { level: 9 });
    assert.ok(bomb.length < 1024 * 1024, `the bomb (${bomb.length} bytes) passes the wire limit`);
    const res = await post(bomb);
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'inflated_too_large');
    assert.deepEqual(await objects(s), []);
    assert.equal((await row(s)).event_count, 0);
  });

  it('refuses a body that is not gzip past its magic bytes with a JSON 400', async () => {
    const res = await post(new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5]));
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'bad_encoding');
  });

  it('joins a full snapshot of 16 MB sent in parts back into one event, whole', { timeout: 120_000 }, async () => {
    const s = await startSession(stack, siteId);
    const ts = t0(s) + 5;
    const snapshot = fullSnapshot(ts, 16 * 1024 * 1024);
    const sent = parts(snapshot, ts, 'snapA1');
    assert.ok(sent.length > 100);
    assert.equal((await post(gzBatch(s, 0, [pageView(t0(s) + 1)]))).status, 202);
    for (const [n, part] of sent.entries()) {
      const res = await post(gzBatch(s, n + 1, [part]));
      assert.equal(res.status, 202, await res.clone().text());
    }
    // A retried part is a duplicate; different bytes under a part's seq are refused.
    assert.equal((await post(gzBatch(s, 3, [sent[2]]))).status, 202);
    assert.equal((await post(gzBatch(s, 3, [sent[3]]))).status, 409);
    assert.equal((await post(gzBatch(s, sent.length + 1, [click(ts + 10)]))).status, 202);
    const { res, lines } = await replay(s.session_id);
    assert.ok(Number(res.headers.get('x-replay-windows')) > 1, 'more than one merge window: joined across windows');
    assert.deepEqual(lines.map((l) => l.data?.type ?? l.type), ['page_view', 2, 'click']);
    assert.deepEqual(lines[1].data, snapshot, 'the snapshot, byte for byte as JSON');
    assert.equal(lines[1].seq, 1, 'keyed as its first part');
    assert.ok(JSON.stringify(lines[1].data).length >= 16 * 1024 * 1024);
  });

  it('never lets a missing part corrupt the rest of the session', async () => {
    const s = await startSession(stack, siteId);
    const ts = t0(s) + 5;
    const snapshot = fullSnapshot(ts, 600_000);
    const sent = parts(snapshot, ts, 'snapB1');
    assert.equal(sent.length, 4);
    assert.equal((await post(gzBatch(s, 0, [pageView(t0(s) + 1)]))).status, 202);
    for (const n of [0, 1, 3]) assert.equal((await post(gzBatch(s, n + 1, [sent[n]]))).status, 202);
    assert.equal((await post(batchBody(s, 5, [click(ts + 1), { type: 'rrweb', ts: ts + 2, data: { type: 3, timestamp: ts + 2, data: { source: 1, positions: [] } } }]))).status, 202);
    const { res, lines } = await replay(s.session_id);
    assert.equal(res.headers.get('x-replay-parts-incomplete'), '1');
    assert.deepEqual(
      lines.map((l) => l.data?.type ?? l.type),
      ['page_view', 'click', 3, 'rrweb'],
      'every other event as sent; the incomplete snapshot as one stand-in at the end',
    );
    assert.deepEqual(lines[3].data, { part: 'snapB1', of: 4, have: 3 });
    assert.ok(!lines.some((l) => typeof l.data?.text === 'string'), 'no part text reaches the viewer');
    // The part arrives late: the next replay has the whole snapshot.
    assert.equal((await post(gzBatch(s, 3, [sent[2]]))).status, 202);
    const later = await replay(s.session_id);
    assert.deepEqual(later.lines.map((l) => l.data?.type ?? l.type), ['page_view', 2, 'click', 3]);
    assert.deepEqual(later.lines[1].data, snapshot);
  });

  it('drops parts that do not fit together, and nothing else', async () => {
    const s = await startSession(stack, siteId);
    const ts = t0(s) + 5;
    // Two parts whose text, joined, is not one JSON object on one line.
    const bad = [
      { type: 'rrweb', ts, data: { part: 'bad1', n: 0, of: 2, text: '{"type":2,"x":"a' } },
      { type: 'rrweb', ts, data: { part: 'bad1', n: 1, of: 2, text: '"}\n{"type":3}' } },
    ];
    assert.equal((await post(gzBatch(s, 0, [bad[0], click(ts + 1)]))).status, 202);
    assert.equal((await post(gzBatch(s, 1, [bad[1]]))).status, 202);
    const { lines } = await replay(s.session_id);
    assert.deepEqual(lines.map((l) => l.type), ['click']);
  });

  it('keeps whether session/start asked for a recording, for the replay view to say why there is none', async () => {
    await stack.db.query(`UPDATE sites SET replay_sample_rate = 1 WHERE id = 'site_replay'`);
    const sampled = await startSession(stack, siteId);
    await seedSite(stack, 'site_unsampled', { replay_enabled: true });
    await stack.db.query(`UPDATE sites SET replay_sample_rate = 0 WHERE id = 'site_unsampled'`);
    const unsampled = await startSession(stack, 'site_unsampled');
    for (const [s, want] of [[sampled, true], [unsampled, false]] as const) {
      const res = await asToken(stack, token, `/api/sessions/${s.session_id}`);
      if (res.status === 200) assert.equal(((await res.json()) as { session: { replay_sampled: boolean } }).session.replay_sampled, want);
      const row = (await stack.db.query('SELECT replay_sampled FROM sessions WHERE id = $1', [s.session_id])).rows[0];
      assert.equal(row.replay_sampled, want);
    }
  });

  it('compacts into gzip segments, reads plain objects of earlier versions beside them, and serves gzip', async () => {
    const id = 'plain_then_gzip_1';
    const startedAt = new Date(Date.now() - 2 * 86_400_000);
    const t = startedAt.getTime();
    await placeSession(stack, siteId, id, startedAt, [[pageView(t + 1), click(t + 2)], [click(t + 3)]]);
    const worker = await stack.mf.getWorker('edgereplay');
    const before = await replay(id);
    assert.equal(before.lines.length, 3);
    await stack.db.query('UPDATE sessions SET ended_at = started_at + interval \'1 minute\' WHERE id = $1', [id]);
    await worker.scheduled({ cron: '*/5 * * * *' });
    const listed = (await (await stack.bucket()).list({ prefix: core.sessionPrefix(id, startedAt.toISOString()).key!, include: ['customMetadata'] })).objects;
    const segment = listed.find((o) => core.parseKey(o.key)?.kind === 'segment');
    assert.ok(segment, `compacted: ${listed.map((o) => o.key)}`);
    assert.equal(segment.customMetadata?.encoding, 'gzip');
    assert.deepEqual(listed.map((o) => core.parseKey(o.key)?.kind), ['segment'], 'closed for writes: the chunks went');
    const bytes = (await stack.db.query('SELECT bytes_stored::int AS b FROM sessions WHERE id = $1', [id])).rows[0].b;
    assert.equal(bytes, segment.size, 'bytes_stored is what R2 holds after compaction');
    const after = await asToken(stack, token, `/replay/${id}/events`);
    const res = await stack.fetch(`/replay/${id}/events`, { headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip' } });
    // Miniflare hands the encoding on as mf-content-encoding, having inflated the body.
    assert.equal(res.headers.get('content-encoding') ?? res.headers.get('mf-content-encoding'), 'gzip');
    assert.deepEqual((await res.text()).trimEnd().split('\n').map((l) => JSON.parse(l)), before.lines);
    assert.equal(after.status, 200);
  });
});
