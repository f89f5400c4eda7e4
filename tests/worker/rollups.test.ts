// The daily rollups against a recount from the sessions table: random visits
// through the real Worker and PostgreSQL (starts from a few visitors, batches
// in any order, retried and concurrent, late batches after the end, batches
// deferred while Postgres is down and reconciled by the cron, sessions that
// start a moment before or exactly at midnight UTC, single-session clears and
// clears of whole days as retention does them), then every rollup row must
// equal what a plain GROUP BY over the sessions says, and the analytics
// endpoints must answer the same from rollups as from the rows.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import pg from 'pg';
import { seedSite, startStack, type Stack } from './harness/stack.ts';
import { sendBatch, signToken, startSession } from './harness/session.ts';
import { click, custom, pageView, scroll, type Event, type StartedSession } from './harness/factories.ts';
import { asToken, asUser, logIn, makeAdmin, type Login } from './harness/accounts.ts';
import { rebuildRollups } from '../../scripts/lib/rollups.mjs';

const DAY_MS = 86_400_000;
const SITES = ['roll_a', 'roll_b'];
// A visitor id hashes IP and User-Agent, and a country comes from the IP: each
// IP here always has the same country, as it would behind Cloudflare.
const IPS = [
  { ip: '192.0.2.1', country: 'DE' },
  { ip: '192.0.2.2', country: 'FR' },
  { ip: '192.0.2.3', country: 'DE' },
  { ip: '192.0.2.4', country: undefined },
];
const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0',
];
const PATHS = ['/', '/pricing', '/docs/a', '/blog'];
const REFERRERS = [undefined, 'https://news.example.org/x', 'https://search.example.net/?q=1'];
const PLANS = ['free', 'pro', 'team'];
const LANDINGS = ['https://example.com/', 'https://example.com/pricing?utm_source=mail&utm_medium=email&utm_campaign=nov', 'https://example.com/blog?utm_source=social'];

// ------------------------------------------------------------------ the recount

/** [dimension, its value per session, whether it carries every measure], written independently of rollup_rows(). */
const DIMENSIONS: [string, string, boolean][] = [
  ['total', `''`, true],
  ['country', `COALESCE(country, '(unknown)')`, true],
  ['device', `COALESCE(device, '(unknown)')`, true],
  ['browser', `COALESCE(browser, '(unknown)')`, true],
  ['os', `COALESCE(os, '(unknown)')`, true],
  ['entry', 'entry_page', false],
  ['exit', 'exit_page', false],
  ['referrer', `COALESCE(referrer_domain, '(direct)')`, false],
  ['utm_source', 'utm_source', false],
  ['utm_medium', 'utm_medium', false],
  ['utm_campaign', 'utm_campaign', false],
  ['duration', `CASE WHEN duration_ms < 10000 THEN '0-10s' WHEN duration_ms < 30000 THEN '10-30s' WHEN duration_ms < 60000 THEN '30-60s'
                     WHEN duration_ms < 180000 THEN '1-3m' WHEN duration_ms < 600000 THEN '3-10m' ELSE '10m+' END`, false],
  ['scroll', `CASE WHEN max_scroll_percent < 25 THEN '0-25%' WHEN max_scroll_percent < 50 THEN '25-50%'
                   WHEN max_scroll_percent < 75 THEN '50-75%' ELSE '75-100%' END`, false],
];

const RECOUNT = DIMENSIONS.map(([dim, value, all]) => {
  const m = (expr: string) => (all ? expr : '0');
  return `
    SELECT site_id, '${dim}' AS dim, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, ${value} AS value,
           count(*)::text AS sessions, ${m('count(DISTINCT COALESCE(visitor_id, id))')}::text AS visitors,
           ${m('sum(page_views)')}::text AS page_views, ${m('sum(event_count)')}::text AS events, ${m('sum(clicks)')}::text AS clicks,
           ${m('sum(duration_ms)')}::text AS duration_ms, ${m('count(*) FILTER (WHERE page_views <= 1)')}::text AS bounces,
           ${m('sum(max_scroll_percent::numeric)')}::numeric::text AS scroll_sum, ${m('sum(chunks)')}::text AS chunks,
           ${m('sum(bytes_stored)')}::text AS bytes
    FROM sessions WHERE ${value} IS NOT NULL GROUP BY 1, 2, 3, 4`;
}).join(' UNION ALL ');

const STORED = `
  SELECT site_id, dim, to_char(day, 'YYYY-MM-DD') AS day, value, sessions::text, visitors::text, page_views::text,
         events::text, clicks::text, duration_ms::text, bounces::text, scroll_sum::numeric::text, chunks::text, bytes::text
  FROM rollup_daily WHERE sessions <> 0 OR visitors <> 0`;

type Row = Record<string, string>;
const key = (r: Row) => `${r.site_id}|${r.dim}|${r.day}|${r.value}`;
const sorted = (rows: Row[]) => [...rows].sort((a, b) => (key(a) < key(b) ? -1 : 1));

async function assertRollupsExact(db: pg.Client, note: string) {
  const stored = sorted((await db.query(STORED)).rows);
  const recount = sorted((await db.query(RECOUNT)).rows);
  assert.deepEqual(stored, recount, `rollup_daily differs from the recount (${note})`);
  const stray = await db.query(`SELECT count(*)::int AS n FROM rollup_daily WHERE sessions = 0 AND visitors = 0
                                AND (page_views, events, clicks, duration_ms, bounces, chunks, bytes) <> (0, 0, 0, 0, 0, 0, 0)`);
  assert.equal(stray.rows[0].n, 0, `an empty rollup row keeps measures (${note})`);
  const visitors = await db.query(`
    SELECT count(*)::int AS n FROM (SELECT site_id, day, visitor_id, sessions FROM visitor_daily WHERE sessions <> 0) v
    FULL JOIN (SELECT site_id, (started_at AT TIME ZONE 'UTC')::date AS day, visitor_id, count(*)::int AS sessions
               FROM sessions WHERE visitor_id IS NOT NULL GROUP BY 1, 2, 3) s USING (site_id, day, visitor_id)
    WHERE v.sessions IS DISTINCT FROM s.sessions`);
  assert.equal(visitors.rows[0].n, 0, `visitor_daily differs from the recount (${note})`);
}

/**
 * prop_values_daily against a recount of the remaining sessions' stored
 * events (each custom event's properties on its UTC day), bucketed as the
 * rollup's rule says: a value with a row of its own counts there, any other
 * under '(other)'. Rows at 0 may stay (they hold their place); none is below 0.
 */
async function assertPropsExact(stack: Stack, admin: Login, note: string) {
  const named = new Set(
    (await stack.db.query(`SELECT site_id, day::text AS day, event, key, value FROM prop_values_daily WHERE value <> '(other)'`)).rows
      .map((r) => [r.site_id, r.day, r.event, r.key, r.value].join('|')),
  );
  const recount = new Map<string, number>();
  const sessions = (await stack.db.query(`SELECT id, site_id FROM sessions WHERE NOT is_bot ORDER BY id`)).rows;
  for (const s of sessions) {
    const res = await asUser(stack, admin, `/replay/${s.id}/events`);
    if (res.status === 404) continue; // a row without stored events (an edge session whose batches all failed)
    assert.equal(res.status, 200, await res.clone().text());
    const text = await res.text();
    for (const line of text ? text.trimEnd().split('\n') : []) {
      const e = JSON.parse(line) as Event;
      if (e.type !== 'custom' || !e.props) continue;
      const day = new Date(e.ts).toISOString().slice(0, 10);
      for (const [k, v] of Object.entries(e.props as Record<string, unknown>)) {
        const base = [s.site_id, day, e.name, k].join('|');
        const row = named.has(`${base}|${v}`) ? `${base}|${v}` : `${base}|(other)`;
        recount.set(row, (recount.get(row) ?? 0) + 1);
      }
    }
  }
  const stored = new Map<string, number>(
    (await stack.db.query(`SELECT site_id, day::text AS day, event, key, value, events FROM prop_values_daily WHERE events <> 0`)).rows
      .map((r) => [[r.site_id, r.day, r.event, r.key, r.value].join('|'), r.events as number]),
  );
  assert.deepEqual(Object.fromEntries([...stored].sort()), Object.fromEntries([...recount].sort()), `prop_values_daily differs from the recount (${note})`);
}

// ------------------------------------------------------------------ random visits

type Op =
  | { kind: 'start'; site: number; ip: number; agent: number; landing: number; referrer: number }
  | { kind: 'edge'; site: number; at: 'before_midnight' | 'midnight' }
  | { kind: 'batch'; session: number; seq: number; events: EventSpec[]; end: boolean; together: boolean; deferred: boolean }
  | { kind: 'retry' }
  | { kind: 'clear_session'; session: number }
  | { kind: 'clear_days'; site: number };
type EventSpec = { type: 'page_view' | 'click' | 'scroll' | 'custom'; at: number; path: number; percent: number };

const eventSpec = fc.record({
  type: fc.constantFrom('page_view', 'click', 'scroll', 'custom') as fc.Arbitrary<EventSpec['type']>,
  at: fc.integer({ min: 0, max: 900_000 }),
  path: fc.nat(PATHS.length - 1),
  percent: fc.integer({ min: 0, max: 100 }),
});
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('start' as const), site: fc.nat(1), ip: fc.nat(IPS.length - 1), agent: fc.nat(AGENTS.length - 1), landing: fc.nat(LANDINGS.length - 1), referrer: fc.nat(REFERRERS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('edge' as const), site: fc.nat(1), at: fc.constantFrom('before_midnight' as const, 'midnight' as const) }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('batch' as const), session: fc.nat(), seq: fc.nat(5), events: fc.array(eventSpec, { minLength: 1, maxLength: 6 }), end: fc.boolean({ }), together: fc.boolean(), deferred: fc.boolean() })
      .map((b) => ({ ...b, end: b.end && b.seq > 2, deferred: b.deferred && b.seq === 4 })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'retry' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear_session' as const), session: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear_days' as const), site: fc.nat(1) }) },
);

describe('daily rollups', () => {
  let stack: Stack;
  let admin: Login;
  const tokens: Record<string, string> = {};

  before(async () => {
    stack = await startStack();
    for (const site of SITES) tokens[site] = (await seedSite(stack, site)).token;
    const a = await makeAdmin(stack);
    admin = await logIn(stack, a.email, a.password);
  });
  after(() => stack?.close());

  async function runCron(cron = '*/5 * * * *') {
    const worker = await stack.mf.getWorker('edgereplay');
    assert.equal((await worker.scheduled({ cron })).outcome, 'ok');
  }

  it('equal a recount from the sessions table after random visits, retries, late and deferred batches, clears and retention', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 10, maxLength: 30 }), async (ops) => {
        const sessions: { s: StartedSession; site: string; t0: number }[] = [];
        const sent: { s: StartedSession; seq: number; events: Event[]; path: string }[] = [];
        let pending: Promise<unknown>[] = [];
        const settle = async () => {
          await Promise.all(pending);
          pending = [];
        };
        for (const op of ops) {
          if (op.kind === 'start') {
            const { ip, country } = IPS[op.ip];
            const res = await stack.fetch('/track/session/start', {
              method: 'POST',
              headers: { 'content-type': 'text/plain', 'user-agent': AGENTS[op.agent], 'cf-connecting-ip': ip },
              body: JSON.stringify({ site_id: SITES[op.site], url: LANDINGS[op.landing], referrer: REFERRERS[op.referrer] }),
              ...(country ? { cf: { country } } : {}),
            } as RequestInit);
            assert.equal(res.status, 200, await res.clone().text());
            const s = (await res.json()) as StartedSession;
            sessions.push({ s, site: SITES[op.site], t0: Date.parse(s.session_started_at) });
          } else if (op.kind === 'edge') {
            // A session the tracker started a moment before midnight UTC, or exactly at it,
            // known to Postgres only through its batches.
            const midnight = Date.now() - (Date.now() % DAY_MS);
            const startedAt = new Date(op.at === 'midnight' ? midnight : midnight - 1).toISOString();
            const id = `edge${Math.random().toString(36).slice(2, 12)}`;
            const site = SITES[op.site];
            sessions.push({ s: { session_id: id, session_started_at: startedAt, token: signToken(site, id, startedAt) }, site, t0: Date.parse(startedAt) });
          } else if (op.kind === 'batch' && sessions.length) {
            const target = sessions[op.session % sessions.length];
            const now = Date.now();
            const events = op.events.map((e) => {
              const ts = Math.min(target.t0 + e.at, now);
              // Custom events only on the day the session started: retention's whole-day clear leaves
              // what a visit across its cut-off midnight counted on the later day (README, Rollups).
              if (e.type === 'custom' && new Date(ts).toISOString().slice(0, 10) === new Date(target.t0).toISOString().slice(0, 10)) {
                return custom(ts, e.path % 2 ? 'signup' : 'upgrade', { plan: PLANS[e.percent % PLANS.length] });
              }
              return e.type === 'page_view' ? pageView(ts, `https://example.com${PATHS[e.path]}`) : e.type === 'click' || e.type === 'custom' ? click(ts) : scroll(ts, e.percent);
            });
            const path = op.end ? '/track/session/end' : '/track/events/batch';
            const send = async () => {
              const res = await sendBatch(stack, target.s, op.seq, events, path);
              // 404-free: a cleared session's token may still send; 202 either way, or 403 once erased;
              // 409 when the random seq already holds a different batch (nothing is replaced).
              assert.ok([202, 403, 404, 409, 410].includes(res.status), `${res.status} ${await res.text()}`);
            };
            sent.push({ s: target.s, seq: op.seq, events, path });
            if (op.deferred) {
              await settle();
              stack.postgres.down();
              try {
                await send();
              } finally {
                stack.postgres.up();
              }
            } else if (op.together) pending.push(send());
            else {
              await settle();
              await send();
            }
          } else if (op.kind === 'retry' && sent.length) {
            const b = sent[sent.length - 1];
            pending.push(sendBatch(stack, b.s, b.seq, b.events, b.path));
          } else if (op.kind === 'clear_session' && sessions.length) {
            await settle();
            const target = sessions[op.session % sessions.length];
            const res = await asUser(stack, admin, '/api/admin/storage/clear', { method: 'POST', body: { session_id: target.s.session_id, confirm: target.s.session_id } });
            assert.ok([200, 404].includes(res.status), await res.text());
          } else if (op.kind === 'clear_days') {
            // What retention does for a site: every session that started before a UTC day.
            await settle();
            const today = new Date(Date.now() - (Date.now() % DAY_MS)).toISOString();
            const site = SITES[op.site];
            const res = await asUser(stack, admin, '/api/admin/storage/clear', { method: 'POST', body: { site_id: site, before: today, confirm: site } });
            assert.equal(res.status, 200, await res.text());
            const left = await stack.db.query(`SELECT count(*)::int AS n FROM rollup_daily WHERE site_id = $1 AND day < $2::date`, [site, today.slice(0, 10)]);
            assert.equal(left.rows[0].n, 0, 'rollups of cleared days are gone');
          }
        }
        await settle();
        await runCron(); // reconciles deferred batches
        await runCron('17 3 * * *'); // retention
        await assertRollupsExact(stack.db, `${ops.length} operations`);
        await assertPropsExact(stack, admin, `${ops.length} operations`);
      }),
      { numRuns: Number(process.env.ROLLUP_RUNS ?? 6), endOnFailure: true },
    );
  });

  it("take a cleared session's properties back from the rows they were counted in, '(other)' included", async () => {
    const site = 'roll_props';
    await seedSite(stack, site);
    const day = new Date().toISOString().slice(0, 10);
    const rows = async () =>
      Object.fromEntries((await stack.db.query(`SELECT value, events FROM prop_values_daily WHERE site_id = $1 AND event = 'pick' AND key = 'item' ORDER BY value`, [site])).rows
        .map((r) => [r.value, r.events]));
    const picks = async (values: string[]) => {
      const s = await startSession(stack, site);
      const t0 = Date.parse(s.session_started_at) + 1;
      const res = await sendBatch(stack, s, 0, values.map((v, i) => custom(t0 + i, 'pick', { item: v })));
      assert.equal(res.status, 202, await res.clone().text());
      assert.equal(new Date(t0 + values.length).toISOString().slice(0, 10), day, 'the test runs within one UTC day');
      return s;
    };
    const clear = async (s: StartedSession) => {
      const res = await asUser(stack, admin, '/api/admin/storage/clear', { method: 'POST', body: { session_id: s.session_id, confirm: s.session_id } });
      assert.equal(res.status, 200, await res.clone().text());
    };
    const v = (n: number) => `v${String(n).padStart(3, '0')}`;

    // 100 values fill the key's rows; later new values count under '(other)'.
    const a = await picks(Array.from({ length: 100 }, (_, i) => v(i)));
    const b = await picks([v(0), v(100)]);
    const c = await picks([v(101)]);
    let now = await rows();
    assert.deepEqual([now[v(0)], now['(other)'], Object.keys(now).length], [2, 2, 101]);

    await clear(b); // v000 back from its row, v100 from '(other)'
    now = await rows();
    assert.deepEqual([now[v(0)], now['(other)'], Object.keys(now).length], [1, 1, 101]);
    await assertPropsExact(stack, admin, 'after clearing a session with a named and an (other) value');

    await clear(a); // its rows fall to 0 but hold their places while '(other)' counts c's value
    now = await rows();
    assert.deepEqual([now[v(0)], now[v(99)], now['(other)'], Object.keys(now).length], [0, 0, 1, 101]);
    const d = await picks([v(102)]);
    assert.equal((await rows())['(other)'], 2, 'a new value still counts under (other) while the rows are held');
    await assertPropsExact(stack, admin, 'after clearing the session that filled the rows');

    await clear(c);
    await clear(d); // '(other)' is empty: the key's empty rows go, and a new value gets a row again
    assert.deepEqual(await rows(), {});
    await picks([v(103)]);
    assert.deepEqual(await rows(), { [v(103)]: 1 });
    await assertPropsExact(stack, admin, 'after the key emptied');

    // Retention's clear of whole days takes those days' property rows with their sessions.
    await stack.db.query(`INSERT INTO prop_values_daily (site_id, day, event, key, value, events) VALUES ($1, $2::date - 30, 'pick', 'item', 'old', 4)`, [site, day]);
    const res = await asUser(stack, admin, '/api/admin/storage/clear', { method: 'POST', body: { site_id: site, before: `${day}T00:00:00.000Z`, confirm: site } });
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(await rows(), { [v(103)]: 1 }, "the old day's row is gone, today's stays");
  });

  it('answer every analytics endpoint from rollups exactly as a scan of the sessions does', async () => {
    // The same range once in whole days (rollups) and once ending a millisecond
    // before midnight (a scan): every answer must agree.
    const site = SITES[0];
    const midnight = Date.now() - (Date.now() % DAY_MS);
    const from = new Date(midnight - 2 * DAY_MS).toISOString().slice(0, 10);
    const toDay = new Date(midnight).toISOString().slice(0, 10); // to a date: that day included
    const toScan = new Date(midnight + DAY_MS - 1).toISOString();
    const get = async (path: string) => {
      const res = await asToken(stack, tokens[site], path);
      assert.equal(res.status, 200, await res.clone().text());
      return res.json();
    };
    for (const [route, extra] of [
      ['overview', ''], ['overview', '&country=DE'], ['overview', '&device=mobile'], ['sessions/daily', ''], ['sessions/daily', '&browser=Firefox'],
      ['pages/top', ''], ['geo', ''], ['devices', ''], ['sources', ''], ['engagement', ''], ['storage', ''],
    ] as const) {
      const rolled = await get(`/analytics/${route}?site_id=${site}&from=${from}&to=${toDay}${extra}`);
      const scanned = await get(`/analytics/${route}?site_id=${site}&from=${from}&to=${encodeURIComponent(toScan)}${extra}`);
      const round = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isInteger(x) ? Number(x.toFixed(6)) : x)));
      assert.deepEqual(round(rolled), round(scanned), `${route}${extra}`);
    }
    const overview = (await get(`/analytics/overview?site_id=${site}&from=${from}&to=${toDay}`)) as { sessions: number };
    const count = await stack.db.query('SELECT count(*)::int AS n FROM sessions WHERE site_id = $1', [site]);
    assert.equal(overview.sessions, count.rows[0].n);
  });

  it('give the overview page what it draws in two calls, the comparison period included', async () => {
    const site = SITES[0];
    const get = async (path: string) => {
      const res = await asToken(stack, tokens[site], path);
      assert.equal(res.status, 200, await res.clone().text());
      return { body: (await res.json()) as Record<string, any>, cache: res.headers.get('cache-control') };
    };
    const day = (n: number) => new Date(Date.now() - (Date.now() % DAY_MS) - n * DAY_MS).toISOString().slice(0, 10);
    const range = `site_id=${site}&from=${day(6)}&to=${day(0)}`;
    const prev = `site_id=${site}&from=${day(13)}&to=${day(7)}`;
    const totals = await get(`/analytics/totals?${range}&compare_from=${day(13)}&compare_to=${day(7)}`);
    assert.deepEqual(totals.body.overview, (await get(`/analytics/overview?${range}`)).body);
    assert.deepEqual(totals.body.days, (await get(`/analytics/sessions/daily?${range}`)).body.days);
    assert.deepEqual(totals.body.previous.overview, (await get(`/analytics/overview?${prev}`)).body);
    assert.deepEqual(totals.body.previous.days, (await get(`/analytics/sessions/daily?${prev}`)).body.days);
    assert.equal((await get(`/analytics/totals?${range}`)).body.previous, null);
    // A filter no rollup holds: the same answers from a bounded scan, in one transaction.
    const scanned = await get(`/analytics/totals?${range}&page=%2Fpricing&compare_from=${day(13)}&compare_to=${day(7)}`);
    assert.deepEqual(scanned.body.overview, (await get(`/analytics/overview?${range}&page=%2Fpricing`)).body);
    assert.deepEqual(scanned.body.days, (await get(`/analytics/sessions/daily?${range}&page=%2Fpricing`)).body.days);
    assert.equal(totals.cache, 'private, no-cache', 'today can still change');

    const top = await get(`/analytics/top?${range}&limit=3`);
    assert.deepEqual(top.body.pages, (await get(`/analytics/pages/top?${range}&limit=3`)).body.pages);
    assert.deepEqual(top.body.referrers, (await get(`/analytics/sources?${range}&limit=3`)).body.referrers);
    assert.deepEqual(top.body.countries, (await get(`/analytics/geo?${range}&limit=3`)).body.countries);
    assert.deepEqual(top.body.devices, (await get(`/analytics/devices?${range}&limit=3`)).body.devices);

    // Days no batch can reach any more may be kept by the browser.
    const closed = await get(`/analytics/totals?site_id=${site}&from=${day(9)}&to=${day(3)}&compare_from=${day(16)}&compare_to=${day(10)}`);
    assert.equal(closed.cache, 'private, max-age=600');
    assert.equal((await get(`/analytics/top?site_id=${site}&from=${day(9)}&to=${day(2)}`)).cache, 'private, max-age=600');
    assert.equal((await get(`/analytics/top?site_id=${site}&from=${day(9)}&to=${day(1)}`)).cache, 'private, no-cache', 'yesterday can still get batches');
    const half = await asToken(stack, tokens[site], `/analytics/totals?${range}&compare_from=${day(13)}`);
    assert.equal(half.status, 400);
  });

  it('rebuild to the same rows, idempotently, and repair rows that drifted', async () => {
    await assertRollupsExact(stack.db, 'before the rebuild');
    const first = await rebuildRollups(stack.db);
    assert.ok(first.length >= SITES.length);
    assert.deepEqual(first.map((r: { changed: number }) => r.changed), first.map(() => 0), 'nothing to repair');
    await stack.db.query(`UPDATE rollup_daily SET sessions = sessions + 5 WHERE site_id = $1 AND dim = 'total'`, [SITES[0]]);
    await stack.db.query(`DELETE FROM visitor_daily WHERE site_id = $1`, [SITES[0]]);
    const repaired = await rebuildRollups(stack.db, { siteId: SITES[0] });
    assert.ok(repaired[0].changed > 0);
    await assertRollupsExact(stack.db, 'after a repair');
    const again = await rebuildRollups(stack.db);
    assert.deepEqual(again.map((r: { changed: number }) => r.changed), again.map(() => 0));
  });
});

describe('analytics reads that scan session rows', () => {
  let stack: Stack;
  let token: string;
  const SITE = 'scan_site';
  const N = 200_000;

  before(async () => {
    // A statement time of 1 ms: any scan of the 200,000 rows below runs out of it.
    stack = await startStack({ vars: { ANALYTICS_SCAN_TIMEOUT_MS: '1' } });
    ({ token } = await seedSite(stack, SITE));
    await stack.db.query(
      `INSERT INTO sessions (id, site_id, started_at, last_seen_at, visitor_id, country, device, entry_page, page_views, event_count)
       SELECT 'scan' || lpad(g::text, 8, '0'), $1, now() - (g % 5) * interval '1 day', now(), 'v' || g,
              (ARRAY['DE', 'FR', 'US'])[1 + g % 3], 'desktop', '/', 1 + g % 4, 3
       FROM generate_series(1, $2::int) g`,
      [SITE, N],
    );
    await rebuildRollups(stack.db, { siteId: SITE });
  });
  after(() => stack?.close());

  const get = (path: string) => asToken(stack, token, path);
  const day = (n: number) => new Date(Date.now() - (Date.now() % DAY_MS) - n * DAY_MS).toISOString().slice(0, 10);

  it('answer from rollups whatever the bound, and refuse a scan past it with 503 scan_timeout', async () => {
    const range = `site_id=${SITE}&from=${day(6)}&to=${day(0)}`;
    const whole = await get(`/analytics/overview?${range}`);
    assert.equal(whole.status, 200);
    assert.equal(((await whole.json()) as { sessions: number }).sessions, N);
    for (const path of [`/analytics/overview?${range}&country=DE`, `/analytics/devices?${range}`, `/analytics/totals?${range}&compare_from=${day(13)}&compare_to=${day(7)}`]) {
      assert.equal((await get(path)).status, 200, path);
    }
    const scans = [
      `/analytics/devices?${range}&country=DE`,
      `/analytics/overview?${range}&page=%2F`,
      `/analytics/overview?site_id=${SITE}&from=${day(6)}&to=${encodeURIComponent(new Date(Date.now()).toISOString())}`,
    ];
    for (const path of scans) {
      const res = await get(path);
      assert.equal(res.status, 503, path);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'scan_timeout');
    }
  });
});
