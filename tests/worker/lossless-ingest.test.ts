// No acknowledged event is ever overwritten, dropped or left uncounted
// (ARCHITECTURE.md §5 rules 3, 4, 7, 9): each case here was once a way to
// lose or miscount events. Real Worker, real local R2, real PostgreSQL.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seedSite, startStack, workerStatements, resetStatements, type Stack } from './harness/stack.ts';
import { sendBatch, startSession, eventually } from './harness/session.ts';
import { click, mixedEvents, pageView, type StartedSession } from './harness/factories.ts';
import { asToken, asUser, logIn, makeAdmin } from './harness/accounts.ts';
import { loadCore } from '../core/load-core.ts';
import { placeSession, rootPrefix } from './harness/stored.ts';

const core = loadCore();
const prefixOf = (s: StartedSession) => {
  const r = core.sessionPrefix(s.session_id, s.session_started_at);
  assert.ok(r.ok);
  return r.key;
};
const chunkKey = (s: StartedSession, seq: number) => {
  const r = core.deriveR2Key(s.session_id, s.session_started_at, seq);
  assert.ok(r.ok);
  return r.key;
};
const segmentKey = (s: { session_id: string; session_started_at: string }, n: number) => {
  const r = core.segmentKey(s.session_id, s.session_started_at, n);
  assert.ok(r.ok);
  return r.key;
};
const markerKey = (kind: 'pending' | 'quarantine', s: StartedSession, seq: number) => {
  const r = core.markerKey(kind, s.session_id, seq);
  assert.ok(r.ok);
  return r.key;
};

describe('lossless ingest', () => {
  let stack: Stack;
  let siteId: string;
  let token: string;

  before(async () => {
    stack = await startStack({ probe: true, vars: { R2_PUT_TIMEOUT_MS: '300' } });
    ({ siteId, token } = await seedSite(stack));
  });
  after(() => stack?.close());
  beforeEach(() => stack.probe.reset());

  const t0 = (s: StartedSession) => Date.parse(s.session_started_at);
  const row = async (s: StartedSession) =>
    (await stack.db.query('SELECT event_count, page_views, clicks, chunks, applied::text AS applied FROM sessions WHERE id = $1', [s.session_id])).rows[0];
  const storedLines = async (s: StartedSession) => {
    const res = await asToken(stack, token, `/replay/${s.session_id}/events`);
    assert.equal(res.status, 200);
    const text = await res.text();
    return text ? text.trimEnd().split('\n').map((l) => JSON.parse(l)) : [];
  };
  const markers = async (kind: 'pending' | 'quarantine') => (await (await stack.bucket()).list({ prefix: `${kind}/` })).objects.map((o) => o.key);

  it('refuses a different batch under a used seq with 409 and keeps the first one, counted once', async () => {
    const s = await startSession(stack, siteId);
    const five = mixedEvents(t0(s) + 10, 5);
    assert.equal((await sendBatch(stack, s, 3, five)).status, 202);
    const other = await sendBatch(stack, s, 3, [click(t0(s) + 99, 'a#other')]);
    assert.equal(other.status, 409, await other.clone().text());
    assert.equal(((await other.json()) as { error: { code: string } }).error.code, 'seq_conflict');
    assert.equal((await storedLines(s)).length, 5, 'R2 still holds the five acknowledged events');
    assert.equal((await row(s)).event_count, 5);
    // The same bytes again are a retry: acknowledged, counted once.
    const retry = await sendBatch(stack, s, 3, five);
    assert.equal(retry.status, 202);
    assert.equal(((await retry.json()) as { duplicate: boolean }).duplicate, true);
    assert.equal((await row(s)).event_count, 5);
  });

  it('refuses a NUL or a lone surrogate per event with a reason, stores the rest, and defers nothing', async () => {
    const s = await startSession(stack, siteId);
    await resetStatements(stack);
    const res = await sendBatch(stack, s, 0, [
      { type: 'page_view', ts: t0(s) + 1, url: '/a\u0000b' },
      { type: 'page_view', ts: t0(s) + 2, url: '/lone\ud800' },
      pageView(t0(s) + 3, 'https://example.com/fine'),
    ]);
    assert.equal(res.status, 202, await res.clone().text());
    const body = (await res.json()) as { accepted: number; rejected: number; reasons: Record<string, number>; deferred: boolean };
    assert.deepEqual([body.accepted, body.rejected, body.reasons, body.deferred], [1, 2, { bad_utf8: 2 }, false]);
    assert.deepEqual(await markers('pending'), []);
    assert.equal((await row(s)).page_views, 1);
    assert.equal((await workerStatements(stack)).writes, 1);
  });

  it('starts a session whose referrer or UTM tags hold a NUL or a lone surrogate, storing them without it', async () => {
    const s = await startSession(stack, siteId, { url: 'https://example.com/?utm_source=a%00b&utm_medium=%ED%A0%80', referrer: 'https://ref.example/\u0000x\ud800' });
    const { rows } = await stack.db.query('SELECT referrer, utm_source FROM sessions WHERE id = $1', [s.session_id]);
    assert.equal(rows[0].utm_source, 'ab');
    assert.ok(!rows[0].referrer.includes('\u0000'));
  });

  it('refuses rrweb events as replay_off on a site that records no replays, and keeps them where it does', async () => {
    const s = await startSession(stack, siteId);
    const rr = { type: 'rrweb', ts: t0(s) + 2, data: { type: 4, data: { href: 'https://example.com/' }, timestamp: t0(s) + 2 } };
    const off = await sendBatch(stack, s, 0, [pageView(t0(s) + 1), rr]);
    assert.equal(off.status, 202);
    const body = (await off.json()) as { accepted: number; reasons: Record<string, number> };
    assert.deepEqual([body.accepted, body.reasons], [1, { replay_off: 1 }]);
    assert.equal((await storedLines(s)).filter((l) => l.type === 'rrweb').length, 0);
    await seedSite(stack, 'site_replayed', { replay_enabled: true });
    const on = await startSession(stack, 'site_replayed');
    const res = await sendBatch(stack, on, 0, [{ ...rr, ts: t0(on) + 2 }]);
    assert.equal(((await res.json()) as { accepted: number }).accepted, 1);
  });

  it('refuses an ended_at outside the session (0, or the future) with 400 bad_ended_at', async () => {
    const s = await startSession(stack, siteId);
    for (const ended_at of [0, Date.now() + 86_400_000]) {
      const res = await sendBatch(stack, s, 0, [pageView(t0(s) + 1)], '/track/session/end', { ended_at });
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'bad_ended_at');
    }
  });

  it('writes the pending marker before answering 202 deferred, or answers 503 when it cannot', async () => {
    const s = await startSession(stack, siteId);
    stack.postgres.down();
    try {
      stack.probe.gate = (kind, key) => (kind === 'r2/put' && key.startsWith(rootPrefix('pending')) ? 'fail' : undefined);
      const refused = await sendBatch(stack, s, 0, [pageView(t0(s) + 1)]);
      assert.equal(refused.status, 503, 'no marker, no 2xx');
      stack.probe.gate = undefined;
      const deferred = await sendBatch(stack, s, 0, [pageView(t0(s) + 1)]);
      assert.equal(deferred.status, 202);
      assert.equal(((await deferred.json()) as { deferred: boolean }).deferred, true);
      assert.deepEqual(await markers('pending'), [markerKey('pending', s, 0)]);
    } finally {
      stack.postgres.up();
    }
    const worker = await stack.mf.getWorker('edgereplay');
    assert.equal((await worker.scheduled({ cron: '*/5 * * * *' })).outcome, 'ok');
    assert.deepEqual(await markers('pending'), []);
    assert.equal((await row(s)).page_views, 1);
  });

  it('counts a chunk whose put lands after its 503 deadline', async () => {
    const s = await startSession(stack, siteId);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    stack.probe.gate = (kind, key) => (kind === 'r2/put' && key === chunkKey(s, 0) ? held : undefined);
    const res = await sendBatch(stack, s, 0, [pageView(t0(s) + 1), click(t0(s) + 2)]);
    assert.equal(res.status, 503);
    release();
    // The late put is followed by a marker; reconcile counts it.
    await eventually(() => markers('pending'), (m) => m.includes(markerKey('pending', s, 0)));
    const worker = await stack.mf.getWorker('edgereplay');
    assert.equal((await worker.scheduled({ cron: '*/5 * * * *' })).outcome, 'ok');
    assert.equal((await row(s)).event_count, 2);
    assert.equal((await storedLines(s)).length, 2);
  });

  it('quarantines a seq reconcile keeps failing on, with its reason, and carries on with the others', async () => {
    const s = await startSession(stack, siteId);
    const good = await startSession(stack, siteId);
    const bucket = await stack.bucket();
    // A stored chunk whose batch statement fails for this session only: a
    // data error (a CHECK constraint), not an outage.
    await bucket.put(chunkKey(s, 7), `{"ts":${t0(s) + 1},"seq":7,"i":0,"session_id":"${s.session_id}","type":"click","x":1,"y":2,"selector":"a"}\n`);
    await bucket.put(markerKey('pending', s, 7), '', { customMetadata: { site_id: siteId, session_started_at: s.session_started_at } });
    await stack.db.query(`ALTER TABLE sessions ADD CONSTRAINT reconcile_probe CHECK (id <> '${s.session_id}' OR event_count = 0) NOT VALID`);
    try {
      stack.postgres.down();
      try {
        assert.equal((await sendBatch(stack, good, 0, [pageView(t0(good) + 1)])).status, 202);
      } finally {
        stack.postgres.up();
      }
      const worker = await stack.mf.getWorker('edgereplay');
      for (let run = 0; run < 5; run++) assert.equal((await worker.scheduled({ cron: '*/5 * * * *' })).outcome, 'ok');
    } finally {
      await stack.db.query('ALTER TABLE sessions DROP CONSTRAINT reconcile_probe');
    }
    assert.deepEqual(await markers('pending'), []);
    assert.deepEqual(await markers('quarantine'), [markerKey('quarantine', s, 7)]);
    assert.equal((await row(good)).page_views, 1, 'the other session was reconciled on the first run');
    const health = (await (await stack.fetch('/health')).json()) as { checks: { quarantine: { count: number } } };
    assert.equal(health.checks.quarantine.count, 1);
    await bucket.delete(markerKey('quarantine', s, 7));
  });

  it('keeps a batch that arrives during compaction: two compactions at once never replace the newer object', async () => {
    const s = await startSession(stack, siteId);
    assert.equal((await sendBatch(stack, s, 0, [pageView(t0(s) + 1)])).status, 202);
    const compacted = segmentKey(s, 0);
    // The first compaction (after session/end) is held at its put.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let first = true;
    stack.probe.gate = (kind, key) => {
      if (kind === 'r2/put' && key === compacted && first) {
        first = false;
        return held;
      }
    };
    assert.equal((await sendBatch(stack, s, 1, [click(t0(s) + 2)], '/track/session/end', { ended_at: t0(s) + 3 })).status, 202);
    await eventually(async () => first, (f) => !f);
    // A late batch, then a second compaction (the cron), which finishes first.
    assert.equal((await sendBatch(stack, s, 2, [click(t0(s) + 4, 'a#late')])).status, 202);
    const worker = await stack.mf.getWorker('edgereplay');
    assert.equal((await worker.scheduled({ cron: '*/5 * * * *' })).outcome, 'ok');
    release();
    await new Promise((r) => setTimeout(r, 300));
    const head = await (await stack.bucket()).head(compacted);
    assert.ok(head, 'compacted');
    assert.equal(head.customMetadata?.seqs, '0-2', 'the newer object, covering the late seq, stayed');
    const lines = await storedLines(s);
    assert.deepEqual(lines.map((l) => l.seq).sort(), [0, 1, 2]);
    assert.equal((await row(s)).event_count, 3);
  });

  it('keeps chunks while the session can still receive batches, so a late different batch still conflicts', async () => {
    const s = await startSession(stack, siteId);
    assert.equal((await sendBatch(stack, s, 0, [pageView(t0(s) + 1)], '/track/session/end', { ended_at: t0(s) + 2 })).status, 202);
    const worker = await stack.mf.getWorker('edgereplay');
    assert.equal((await worker.scheduled({ cron: '*/5 * * * *' })).outcome, 'ok');
    const keys = (await (await stack.bucket()).list({ prefix: prefixOf(s) })).objects.map((o) => o.key).sort();
    assert.deepEqual(keys, [segmentKey(s, 0), chunkKey(s, 0)].sort());
    const res = await asToken(stack, token, `/replay/${s.session_id}/events`);
    assert.equal(res.headers.get('x-replay-objects'), '1', 'replay reads the segment alone');
    assert.equal((await sendBatch(stack, s, 0, [click(t0(s) + 5)])).status, 409);
  });

  it('deletes the chunks a durable segment covers once the session can receive no more batches', async () => {
    const id = 'closed_session_1';
    const startedAt = new Date(Date.now() - 2 * 86_400_000);
    await placeSession(stack, siteId, id, startedAt, [[pageView(startedAt.getTime() + 1)], [click(startedAt.getTime() + 2)]]);
    const worker = await stack.mf.getWorker('edgereplay');
    assert.equal((await worker.scheduled({ cron: '*/5 * * * *' })).outcome, 'ok');
    const prefix = core.sessionPrefix(id, startedAt.toISOString());
    assert.ok(prefix.ok);
    const objects = (await (await stack.bucket()).list({ prefix: prefix.key, include: ['customMetadata'] })).objects;
    assert.deepEqual(objects.map((o) => [o.key, o.customMetadata?.seqs]), [[segmentKey({ session_id: id, session_started_at: startedAt.toISOString() }, 0), '0-1']]);
    const res = await asToken(stack, token, `/replay/${id}/events`);
    assert.equal(res.headers.get('x-replay-events'), '2');
  });

  it('refuses a batch for an erased session with 410 and leaves nothing of it behind', async () => {
    const s = await startSession(stack, siteId);
    assert.equal((await sendBatch(stack, s, 0, [pageView(t0(s) + 1)])).status, 202);
    const a = await makeAdmin(stack);
    const admin = await logIn(stack, a.email, a.password);
    const cleared = await asUser(stack, admin, '/api/admin/storage/clear', { method: 'POST', body: { session_id: s.session_id, confirm: s.session_id } });
    assert.equal(cleared.status, 200, await cleared.clone().text());
    const late = await sendBatch(stack, s, 1, [click(t0(s) + 2)]);
    assert.equal(late.status, 410);
    assert.equal(((await late.json()) as { error: { code: string } }).error.code, 'session_erased');
    assert.equal((await (await stack.bucket()).list({ prefix: prefixOf(s) })).objects.length, 0);
    assert.equal((await stack.db.query('SELECT 1 FROM sessions WHERE id = $1', [s.session_id])).rowCount, 0);
  });

  it('replays, compacts, exports and erases a session of thirty one-MiB batches a bounded window at a time', { timeout: 180_000 }, async () => {
    const id = 'huge_session_01';
    const startedAt = new Date(Date.now() - 2 * 86_400_000);
    const t = startedAt.getTime();
    // Thirty batches of two ~500 KB rrweb events: about 30 MiB, more than any one merge may hold.
    const payload = 'x'.repeat(500_000);
    const batches = Array.from({ length: 30 }, (_, seq) => [
      { type: 'rrweb', ts: t + seq * 1000 + 1, data: { type: 3, data: { source: 0, text: payload } } },
      { type: 'rrweb', ts: t + seq * 1000 + 2, data: { type: 3, data: { source: 0, text: payload } } },
    ]);
    const placed = await placeSession(stack, siteId, id, startedAt, batches);
    const session = { session_id: id, session_started_at: startedAt.toISOString() };
    const replayed = async () => {
      const res = await asToken(stack, token, `/replay/${id}/events`);
      assert.equal(res.status, 200);
      const seqs: number[] = [];
      for (const l of (await res.text()).trimEnd().split('\n')) seqs.push((JSON.parse(l) as { seq: number }).seq);
      return { windows: Number(res.headers.get('x-replay-windows')), events: res.headers.get('x-replay-events'), seqs };
    };
    const before = await replayed();
    assert.ok(before.windows >= 4, `the chunks are merged in windows (${before.windows})`);
    assert.equal(before.events, null, 'counts of a multi-window replay are not promised up front');
    assert.equal(before.seqs.length, 60);
    assert.deepEqual(before.seqs, [...before.seqs].sort((a, b) => a - b), 'windows follow each other in seq order');

    const worker = await stack.mf.getWorker('edgereplay');
    assert.equal((await worker.scheduled({ cron: '*/5 * * * *' })).outcome, 'ok');
    const objects = (await (await stack.bucket()).list({ prefix: placed.prefix, include: ['customMetadata'] })).objects;
    assert.ok(objects.length >= 4, 'several segments');
    objects.forEach((o, n) => {
      assert.equal(o.key, segmentKey(session, n), 'only segments are left once the session is closed');
      assert.ok(o.size <= 8 * 1024 * 1024 + 1_100_000, `segment ${n} is bounded (${o.size} bytes)`);
    });
    const covered = objects.flatMap((o) => String(o.customMetadata?.seqs).split(',')).map((r) => r.split('-').map(Number));
    assert.equal(covered.reduce((n, [lo, hi = lo]) => n + hi - lo + 1, 0), 30, 'every seq is in exactly one segment');
    const after = await replayed();
    assert.deepEqual(after.seqs, before.seqs, 'the segments replay the same events');

    const a = await makeAdmin(stack);
    const admin = await logIn(stack, a.email, a.password);
    const exported = await asUser(stack, admin, `/api/admin/storage/export?session_id=${id}`);
    const lines = (await exported.text()).trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    assert.deepEqual(lines.at(-1), { type: 'export_end', sessions: 1, events: 60 });
    const cleared = await asUser(stack, admin, '/api/admin/storage/clear', { method: 'POST', body: { session_id: id, confirm: id } });
    assert.equal(cleared.status, 200, await cleared.clone().text());
    assert.equal(((await cleared.json()) as { complete: boolean }).complete, true);
    assert.equal((await (await stack.bucket()).list({ prefix: placed.prefix })).objects.length, 0);
    assert.equal((await stack.db.query('SELECT 1 FROM sessions WHERE id = $1', [id])).rowCount, 0);
  });

  it('compacts a session with more chunks than one run holds over several runs, and only then marks it compacted', { timeout: 180_000 }, async () => {
    const id = 'long_session_01';
    const startedAt = new Date(Date.now() - 2 * 86_400_000);
    const t = startedAt.getTime();
    // 80 batches of ~1 MiB: more segments than one run writes (8 of 8 MiB).
    const payload = 'y'.repeat(1_000_000);
    const batches = Array.from({ length: 80 }, (_, seq) => [{ type: 'rrweb', ts: t + seq + 1, data: { type: 3, data: { text: payload } } }]);
    const placed = await placeSession(stack, siteId, id, startedAt, batches);
    const worker = await stack.mf.getWorker('edgereplay');
    const kinds = async () => {
      const listed = (await (await stack.bucket()).list({ prefix: placed.prefix, limit: 1000 })).objects;
      return { segments: listed.filter((o) => core.parseKey(o.key)?.kind === 'segment').length, chunks: listed.filter((o) => core.parseKey(o.key)?.kind === 'chunk').length };
    };
    assert.equal((await worker.scheduled({ cron: '*/5 * * * *' })).outcome, 'ok');
    const first = await kinds();
    assert.equal(first.segments, 8, 'one run writes a bounded number of segments');
    assert.equal((await stack.db.query('SELECT compacted_at FROM sessions WHERE id = $1', [id])).rows[0].compacted_at, null);
    assert.equal((await worker.scheduled({ cron: '*/5 * * * *' })).outcome, 'ok');
    const second = await kinds();
    assert.ok(second.segments > first.segments);
    assert.equal(second.chunks, 0, 'every chunk is in a durable segment, so the chunks are gone');
    assert.notEqual((await stack.db.query('SELECT compacted_at FROM sessions WHERE id = $1', [id])).rows[0].compacted_at, null);
    const res = await asToken(stack, token, `/replay/${id}/events`);
    const seqs = (await res.text()).trimEnd().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq);
    assert.deepEqual(seqs, Array.from({ length: 80 }, (_, k) => k));
  });

  it('refuses a seq past the session budget with 413 session_too_large and stores nothing, without a database read', async () => {
    const s = await startSession(stack, siteId);
    await resetStatements(stack);
    const res = await sendBatch(stack, s, 50_000, [click(t0(s) + 1)]);
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'session_too_large');
    const statements = await workerStatements(stack);
    assert.equal(statements.reads + statements.writes, 0, 'no Postgres statement');
    assert.equal((await (await stack.bucket()).list({ prefix: prefixOf(s) })).objects.length, 0);
    assert.equal((await sendBatch(stack, s, 49_999, [click(t0(s) + 2)])).status, 202, 'the last seq of the budget is accepted');
  });

  it('keeps applied seqs as ranges, a few bytes whatever the session length', async () => {
    const s = await startSession(stack, siteId);
    for (const seq of [0, 1, 2, 4, 3, 6]) assert.equal((await sendBatch(stack, s, seq, [click(t0(s) + seq + 1)])).status, 202);
    assert.equal((await row(s)).applied, '{[0,5),[6,7)}');
  });
});
