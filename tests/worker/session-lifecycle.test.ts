// A whole session through the real Worker, R2, D1 and PostgreSQL.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resetStatements, seedSite, startStack, workerStatements, type Stack } from './harness/stack.ts';
import { eventually, runSession, startSession, sendBatch } from './harness/session.ts';
import { expectedOrder, pageView } from './harness/factories.ts';
import { loadCore } from '../core/load-core.ts';

describe('a 500-event session', () => {
  let stack: Stack;
  let token: string;
  let siteId: string;
  let run: Awaited<ReturnType<typeof runSession>>;
  let statements: Awaited<ReturnType<typeof workerStatements>>;
  let startStatements: Awaited<ReturnType<typeof workerStatements>>;
  const auth = () => ({ headers: { authorization: `Bearer ${token}` } });
  const get = async (path: string) => {
    const res = await stack.fetch(path, auth());
    assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
    return res.json() as Promise<any>;
  };

  before(async () => {
    stack = await startStack({ probe: true });
    ({ siteId, token } = await seedSite(stack));
    // Warm the isolate (core.wasm, site config) so the counts below are the steady state.
    await startSession(stack, siteId);
    await resetStatements(stack);
    stack.probe.reset();
    const s = await startSession(stack, siteId);
    startStatements = await workerStatements(stack);
    await resetStatements(stack);
    stack.probe.reset();
    // runSession starts its own session; count the batches of that one only.
    void s;
    run = await runSession(stack, siteId, 25, 20);
    statements = await workerStatements(stack);
  });
  after(() => stack?.close());

  it('costs one Postgres write to start', () => {
    assert.equal(startStatements.writes, 1);
  });

  it('costs 0 Postgres reads after start and at most 26 writes in all', () => {
    // runSession = 1 start + 24 batches + 1 end: reads only at start (site config is cached).
    assert.equal(statements.reads, 0, JSON.stringify(statements.byQuery));
    assert.ok(statements.writes <= 26, `writes: ${statements.writes}`);
    assert.equal(statements.writes, 26);
  });

  it('reads D1 at most once for the site config and writes the cache off the response path', () => {
    assert.ok((stack.probe.calls['d1/read'] ?? 0) <= 1, JSON.stringify(stack.probe.calls));
    assert.equal(stack.probe.calls['d1/write'] ?? 0, 0);
    assert.ok((stack.probe.calls['d1/batch'] ?? 0) <= 26);
  });

  it('writes its D1 cache row 4 times, not once per request: at start, every ninth batch and at the end', async () => {
    // 20 s batches and a 3-minute refresh: seq 9 and 18 refresh the row between start and end.
    const statements = await eventually(async () => stack.probe.calls['d1/statements'] ?? 0, (n) => n >= 4);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(stack.probe.calls['d1/statements'], 4, JSON.stringify(stack.probe.calls));
    assert.equal(statements, 4);
  });

  it('stores no event rows anywhere but R2', async () => {
    const d1 = await stack.d1();
    const legacy = await d1.prepare('SELECT count(*) AS n FROM events').first<{ n: number }>();
    assert.equal(legacy?.n, 0);
    const { rows } = await stack.db.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name ILIKE '%event%'`);
    assert.equal(rows[0].n, 0);
  });

  it('is listed with its aggregates', async () => {
    const events = run.events;
    const list = await eventually(
      () => get(`/api/sessions?site_id=${siteId}`),
      (l) => l.sessions.some((s: any) => s.id === run.session.session_id && s.event_count === 500 && s.ended_at),
    );
    const row = list.sessions.find((s: any) => s.id === run.session.session_id);
    assert.ok(row, 'session listed');
    assert.equal(row.event_count, 500);
    assert.equal(row.page_views, events.filter((e) => e.type === 'page_view').length);
    assert.equal(row.clicks, events.filter((e) => e.type === 'click').length);
    assert.equal(row.max_scroll_percent, Math.max(...events.filter((e) => e.type === 'scroll').map((e) => e.scroll_percent as number)));
    assert.equal(row.duration_ms, events[events.length - 1].ts - events[0].ts);
    assert.equal(row.entry_page, '/');
    assert.ok(row.ended_at, 'session/end recorded ended_at');
    const detail = await get(`/api/sessions/${run.session.session_id}`);
    assert.equal(detail.session.event_count, 500);
    assert.equal(detail.session.utm_source, 'newsletter');
    assert.equal(detail.session.referrer_domain, 'news.example.org');
    assert.equal(detail.session.browser, 'Chrome');
    assert.equal(detail.session.device, 'desktop');
  });

  it('is counted in every analytics endpoint', async () => {
    const events = run.events;
    const pageViews = events.filter((e) => e.type === 'page_view');
    const q = `site_id=${siteId}`;
    const overview = await get(`/analytics/overview?${q}`);
    // Three sessions were started: two warm-ups without events and the full one.
    assert.equal(overview.sessions, 3);
    assert.equal(overview.events, 500);
    assert.equal(overview.page_views, pageViews.length);
    const daily = await get(`/analytics/sessions/daily?${q}`);
    assert.equal(daily.days.length, 7);
    assert.equal(daily.days.reduce((n: number, d: any) => n + d.events, 0), 500);
    const top = await get(`/analytics/pages/top?${q}&limit=100`);
    const expected = new Map<string, number>();
    for (const e of pageViews) {
      const path = new URL(e.url as string).pathname;
      expected.set(path, (expected.get(path) ?? 0) + 1);
    }
    assert.deepEqual(
      Object.fromEntries(top.pages.map((p: any) => [p.path, p.page_views])),
      Object.fromEntries(expected),
    );
    const sources = await get(`/analytics/sources?${q}`);
    assert.equal(sources.referrers.find((r: any) => r.value === 'news.example.org')?.sessions, 3);
    assert.equal(sources.utm_sources[0].value, 'newsletter');
    const geo = await get(`/analytics/geo?${q}`);
    assert.equal(geo.countries.reduce((n: number, c: any) => n + c.sessions, 0), 3);
    const devices = await get(`/analytics/devices?${q}`);
    assert.equal(devices.browsers[0].value, 'Chrome');
    const engagement = await get(`/analytics/engagement?${q}`);
    assert.equal(engagement.duration.reduce((n: number, b: any) => n + b.sessions, 0), 3);
    assert.equal(engagement.duration.find((b: any) => b.bucket === '30-60s').sessions, 1); // 49.9 s of events
    const storage = await get(`/analytics/storage?${q}`);
    assert.equal(storage.events, 500);
    assert.equal(storage.chunks, 25);
    // What R2 holds: 25 gzip chunks, well under the ~50 bytes a line of NDJSON takes.
    assert.ok(storage.bytes > 500 * 5 && storage.bytes < 500 * 50, `${storage.bytes} bytes stored`);
    const realtime = await get(`/analytics/realtime?${q}`);
    // The ended session is no longer active; the two warm-up sessions are.
    assert.equal(realtime.active_sessions, 2);
  });

  it('replays exactly its 500 events in order, from R2', async () => {
    const res = await stack.fetch(`/replay/${run.session.session_id}/events`, auth());
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/x-ndjson');
    const lines = (await res.text()).trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 500);
    assert.deepEqual(
      lines.map((l) => ({ ts: l.ts, seq: l.seq, i: l.i, type: l.type })),
      expectedOrder(run.sent),
    );
    assert.ok(lines.every((l) => l.session_id === run.session.session_id));
  });

  it('is compacted after it ends, and replay reads the compacted segment', async () => {
    const bucket = await stack.bucket();
    const segment = loadCore().segmentKey(run.session.session_id, run.session.session_started_at, 0);
    assert.ok(segment.ok);
    // The chunks stay while the session can still receive batches (a taken
    // chunk key tells a retry from a different batch); the segment covers them.
    const compacted = await eventually(
      async () => (await bucket.head(segment.key))?.customMetadata?.seqs,
      (seqs) => seqs === '0-24',
    );
    assert.equal(compacted, '0-24');
    const res = await stack.fetch(`/replay/${run.session.session_id}/events`, auth());
    assert.equal(res.headers.get('x-replay-objects'), '1');
    assert.equal(res.headers.get('x-replay-events'), '500');
  });

  it('keeps a late batch after compaction and replays it too', async () => {
    const late = await sendBatch(stack, run.session, 99, [pageView(Date.parse(run.session.session_started_at) + 60_000, 'https://example.com/late')]);
    assert.equal(late.status, 202);
    const res = await stack.fetch(`/replay/${run.session.session_id}/events`, auth());
    assert.equal(res.headers.get('x-replay-events'), '501');
  });
});

// README, "How fresh the dashboard is": the session list and realtime read the
// D1 copy of each session row, refreshed at start, every 3 minutes of batches
// and at the end; Postgres (analytics, the session's own page) is exact at once.
describe('the D1 cache of a live session', () => {
  let stack: Stack;
  let siteId: string;
  const cached = async (id: string) => (await stack.d1()).prepare('SELECT event_count, ended_at FROM sessions WHERE id = ?1').bind(id).first<{ event_count: number; ended_at: string | null }>();
  const counted = async (id: string) => (await stack.db.query('SELECT event_count FROM sessions WHERE id = $1', [id])).rows[0]?.event_count;

  before(async () => {
    stack = await startStack({ vars: { BATCH_INTERVAL_MS: '20000' } });
    ({ siteId } = await seedSite(stack));
  });
  after(() => stack?.close());

  it('holds the session from its start, lags Postgres by at most nine 20 s batches, and is exact once it ends', async () => {
    const s = await startSession(stack, siteId);
    const t0 = Date.parse(s.session_started_at) + 10;
    assert.deepEqual(await eventually(() => cached(s.session_id), (r) => r !== null), { event_count: 0, ended_at: null });
    for (let seq = 0; seq < 9; seq++) {
      assert.equal((await sendBatch(stack, s, seq, [pageView(t0 + seq * 1000, `https://example.com/p${seq}`)])).status, 202);
    }
    assert.equal(await counted(s.session_id), 9, 'Postgres counts every batch at once');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await cached(s.session_id))?.event_count, 0, 'batches 0-8 leave the cached row as start wrote it');

    assert.equal((await sendBatch(stack, s, 9, [pageView(t0 + 9000)])).status, 202);
    assert.equal((await eventually(() => cached(s.session_id), (r) => r?.event_count === 10))?.event_count, 10, 'the ninth batch after the first refreshes it');

    assert.equal((await sendBatch(stack, s, 10, [pageView(t0 + 10000)], '/track/session/end')).status, 202);
    const last = await eventually(() => cached(s.session_id), (r) => r?.event_count === 11 && r.ended_at !== null);
    assert.equal(last?.event_count, 11, 'session/end copies the final row');
    assert.ok(last?.ended_at, 'and its end');
  });
});
