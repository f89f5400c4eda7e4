// Dashboards at scale: one site with BENCH_SESSIONS sessions over BENCH_DAYS
// days (default 1,000,000 over 30; `npm run bench:scale`: 10,000,000 over
// 365) generated straight into PostgreSQL with generate_series, the rollups
// built the way an upgraded installation builds them (`npm run
// rollups:rebuild`), then, through `wrangler dev` as `npm start` runs it:
//   1. every analytics endpoint over the whole period, one request at a time
//      (p50 and p95 of RUNS requests each);
//   2. the same endpoints where rollups cannot answer and session rows are
//      scanned: the range ending a millisecond before midnight, and a filter;
//   3. the dashboard's overview in Chromium, logged in, from navigation until
//      every panel is drawn (median of PAGE_RUNS loads), for 30 and 7 days,
//      and every other analytics view over 30 days until nothing is loading;
//   4. conversion analytics over the sessions' paths: a 4-step funnel, goal
//      conversions per country and per page viewed for 3 goals, journeys from the top entry page
//      (bench/out/conversions.json; `--conversions` measures only these).
// Writes bench/out/dashboard.json (bench/out/dashboard-scale.json with --scale);
// BENCH_TRACE=1 also prints when each request of one overview load ran.
import { randomBytes, createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migratePostgres } from '../scripts/lib/migrations.mjs';
import { startPostgres } from '../scripts/lib/postgres-server.mjs';
import { ensureAdmin } from '../scripts/lib/admin.mjs';
import { rebuildRollups } from '../scripts/lib/rollups.mjs';
import { launchBrowser, logInDashboard } from '../tests/e2e/harness.ts';
import { startWorker, stopChildren } from './dev-worker.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = `${ROOT}bench/out/`;
const SCALE = process.argv.includes('--scale');
const ONLY_CONVERSIONS = process.argv.includes('--conversions');
const CONVERSION_RUNS = 5;
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? (SCALE ? 10_000_000 : 1_000_000));
const DAYS = Number(process.env.BENCH_DAYS ?? (SCALE ? 365 : 30));
const RUNS = 20;
const SCAN_RUNS = 3;
const PAGE_RUNS = 5;
const SITE = 'shop';
const DAY_MS = 86_400_000;
const ADMIN = { email: 'bench@edgereplay.localhost', password: randomBytes(12).toString('base64url') };

const started = Date.now();
const log = (line: string) => console.log(`[dashboard ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] * 10) / 10;
};

/**
 * Sessions as a mid-sized site has them: skewed countries, pages, referrers;
 * about 1.4 sessions per daily visitor, 40 % bounces, some UTM-tagged visits.
 * Spread evenly from the first day's midnight until now.
 */
export function generateSql(sessions: number, days: number) {
  // Every LATERAL below draws random() per row: without enable_memoize = off the
  // planner caches them by their inputs (the page-view count), and sessions
  // with as many page views would share one duration and one path.
  return `
    SELECT setseed(0.42);
    SET enable_memoize = off;
    INSERT INTO sessions (id, site_id, started_at, last_seen_at, ended_at, visitor_id, entry_page, exit_page, referrer,
      referrer_domain, utm_source, utm_medium, utm_campaign, country, device, browser, os, event_count, page_views, clicks,
      max_scroll_percent, first_event_at, last_event_at, duration_ms, chunks, bytes_stored, applied, compacted_at,
      path, is_bot)
    SELECT 'bench' || lpad(g::text, 10, '0'), '${SITE}', st, st + dur, st + dur,
      'v' || to_char(st, 'YYYYMMDD') || '-' || floor(random() * ${Math.ceil(sessions / days / 1.4)})::int,
      e.entry, COALESCE(w.exit, e.entry),
      CASE WHEN r.ref THEN 'https://' || r.domain || '/' END, CASE WHEN r.ref THEN r.domain END,
      CASE WHEN r.utm THEN (ARRAY['newsletter','twitter','google','facebook','partner'])[1 + floor(random() * 5)::int] END,
      CASE WHEN r.utm THEN (ARRAY['email','social','cpc'])[1 + floor(random() * 3)::int] END,
      CASE WHEN r.utm THEN 'campaign-' || floor(random() * 25)::int END,
      (ARRAY['US','DE','GB','FR','IN','BR','CA','NL','ES','IT','JP','AU','PL','SE','MX','CH','AT','BE','DK','NO',
             'FI','IE','PT','CZ','TR','KR','SG','ZA','AR','NZ'])[1 + floor(pow(random(), 2) * 30)::int],
      CASE WHEN r.d < 0.55 THEN 'desktop' WHEN r.d < 0.95 THEN 'mobile' ELSE 'tablet' END,
      (ARRAY['Chrome','Safari','Firefox','Edge','Mobile Safari','Samsung Internet','Opera','Chrome WebView'])[1 + floor(pow(random(), 2) * 8)::int],
      (ARRAY['Windows','iOS','Android','Mac OS','Linux','Chrome OS'])[1 + floor(pow(random(), 2) * 6)::int],
      pv * (3 + floor(random() * 15)::int), pv, floor(random() * pv * 3)::int, floor(random() * 101)::real,
      st, st + dur, (extract(epoch FROM dur) * 1000)::bigint, 1 + pv, pv * 2400, '{[0,1)}'::int4multirange, st + dur,
      w.path, e.bot
    FROM generate_series(1, ${sessions}) g,
    LATERAL (SELECT date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '${days - 1} days' AS first) f,
    LATERAL (SELECT f.first + (now() - f.first) * ((g - 1)::float8 / ${sessions}) AS st,
                    CASE WHEN random() < 0.4 THEN 1 ELSE 2 + floor(pow(random(), 2) * 12)::int END AS pv) s,
    LATERAL (SELECT random() < 0.55 AS ref, 'ref' || floor(pow(random(), 3) * 150)::int || '.example' AS domain,
                    random() < 0.15 AS utm, random() AS d, g AS n) r,
    LATERAL (SELECT CASE WHEN s.pv = 1 THEN random() * interval '40 seconds' ELSE random() * interval '15 minutes' END AS dur) t,
    ${pathSql()};
    INSERT INTO page_daily (site_id, day, path, page_views)
    SELECT site_id, (started_at AT TIME ZONE 'UTC')::date, entry_page, sum(page_views) FROM sessions GROUP BY 1, 2, 3;
    RESET enable_memoize;
    ANALYZE;`;
}

/**
 * Each session's path as the batch statement keeps it (migrations/postgres/0050):
 * its page views one every 20 s from the entry page, later pages drawn from
 * /pricing (20 %), /signup (10 %), /cart (10 %) and the catalogue, and a
 * 'purchase' custom event (with a plan property) closing 1 in 4 visits that
 * saw /signup; 2 % of sessions are bots.
 */
function pathSql() {
  return `
    LATERAL (SELECT '/p/' || floor(pow(random(), 3) * 400)::int AS entry, random() < 0.02 AS bot, g AS n) e,
    LATERAL (
      SELECT E'\\x1f' || string_agg('p' || k.page || E'\\x1c' || lpad((k.i * 20000)::text, 8, '0'), E'\\x1f' ORDER BY k.i) || E'\\x1f'
               || CASE WHEN bool_or(k.page = '/signup') AND random() < 0.25
                       THEN 'epurchase' || E'\\x1d' || 'plan' || E'\\x1e' || (ARRAY['free','pro','team'])[1 + floor(random() * 3)::int]
                            || E'\\x1c' || lpad((s.pv * 20000)::text, 8, '0') || E'\\x1f' ELSE '' END AS path,
             (array_agg(k.page ORDER BY k.i DESC))[1] AS exit
      FROM (SELECT i, CASE WHEN i = 0 THEN e.entry
                           WHEN x < 0.2 THEN '/pricing' WHEN x < 0.3 THEN '/signup' WHEN x < 0.4 THEN '/cart'
                           ELSE '/p/' || floor(pow(random(), 3) * 400)::int END AS page
            FROM (SELECT i, random() AS x FROM generate_series(0, s.pv - 1) i) r) k) w`;
}

async function timed(fn: () => Promise<void>, runs: number, warm = 2) {
  for (let k = 0; k < warm; k++) await fn();
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return { p50_ms: pct(times, 50), p95_ms: pct(times, 95) };
}

/**
 * Conversion analytics over the whole period, through the Worker: a saved
 * 4-step funnel (entry catalogue page, /pricing, /signup, the purchase
 * event), conversions of 3 goals per country, and the top journeys from the
 * busiest entry page (and to /signup), 4 deep. p50 of CONVERSION_RUNS requests
 * after a warm one; the saved funnel's very first report (which keeps the
 * closed days) and the same steps unsaved (a scan of the range) beside it.
 */
async function conversionTimings(db: pg.Client, get: (path: string) => Promise<Record<string, unknown>>, range: string) {
  await db.query(`INSERT INTO goals (id, site_id, name, kind, match, value, prop_key, prop_value) VALUES
    ('g_signup', '${SITE}', 'Signup', 'page', 'exact', '/signup', NULL, NULL),
    ('g_catalogue', '${SITE}', 'Catalogue', 'page', 'wildcard', '/p/1*', NULL, NULL),
    ('g_pro', '${SITE}', 'Pro purchase', 'event', 'exact', 'purchase', 'plan', 'pro')`);
  const steps = [
    { kind: 'page', match: 'prefix', value: '/p/' },
    { kind: 'page', value: '/pricing' },
    { kind: 'page', value: '/signup' },
    { kind: 'event', value: 'purchase' },
  ];
  await db.query(`INSERT INTO funnels (id, site_id, name, steps) VALUES ('f_checkout', '${SITE}', 'Checkout', $1)`, [JSON.stringify(steps)]);
  await db.query('ANALYZE sessions');
  const once = async (name: string, path: string) => {
    const r = await timed(() => get(path).then(() => undefined), CONVERSION_RUNS, 1);
    log(`${name}: p50 ${r.p50_ms} ms, p95 ${r.p95_ms} ms`);
    return r;
  };
  const load = [loadavg()[0]];
  // The saved funnel's first report scans every day and keeps the closed ones (funnel_days); later ones scan the open days.
  const t0 = performance.now();
  await get(`/api/conversions/funnels/report?funnel=f_checkout&${range}`);
  const funnelFirst = Math.round(performance.now() - t0);
  log(`funnel, 4 steps, first report (keeps the closed days): ${funnelFirst} ms`);
  const funnel = await once('funnel, 4 steps', `/api/conversions/funnels/report?funnel=f_checkout&${range}`);
  // The same steps unsaved (steps=): every session of the range is scanned, as before funnel_days.
  const funnelScan = await once('funnel, 4 steps, unsaved (scans the range)', `/api/conversions/funnels/report?steps=${encodeURIComponent(JSON.stringify(steps))}&${range}`);
  const report = (await get(`/api/conversions/funnels/report?funnel=f_checkout&${range}`)) as { steps: { sessions: number }[] };
  log(`  funnel steps: ${report.steps.map((s) => s.sessions).join(' → ')}`);
  // The kept days answer as the scan does.
  const scanned = await get(`/api/conversions/funnels/report?steps=${encodeURIComponent(JSON.stringify(steps))}&${range}`);
  if (JSON.stringify(scanned.steps) !== JSON.stringify(report.steps)) throw new Error(`the saved funnel answers ${JSON.stringify(report.steps)}, a scan ${JSON.stringify(scanned.steps)}`);
  // The goals' first read keeps their closed days (goal_days, every breakdown at once); later ones scan the open days.
  const t1 = performance.now();
  const keptRows = await get(`/api/conversions/goals/breakdown?${range}&dim=country`);
  const goalFirst = Math.round(performance.now() - t1);
  log(`goal breakdown, 3 goals per country, first read (keeps the closed days): ${goalFirst} ms`);
  const breakdown = await once('goal breakdown, 3 goals per country', `/api/conversions/goals/breakdown?${range}&dim=country`);
  // The kept days answer as a scan does: the same range a millisecond short of its last midnight scans every session.
  const end = /to=(\d{4}-\d{2}-\d{2})/.exec(range)![1];
  const scanRange = range.replace(`to=${end}`, `to=${encodeURIComponent(new Date(Date.parse(`${end}T00:00:00Z`) + DAY_MS - 1).toISOString())}`);
  const scannedRows = await get(`/api/conversions/goals/breakdown?${scanRange}&dim=country`);
  if (JSON.stringify(scannedRows.rows) !== JSON.stringify(keptRows.rows)) throw new Error(`the kept goal days answer ${JSON.stringify(keptRows.rows)}, a scan ${JSON.stringify(scannedRows.rows)}`);
  // Conversions per page viewed (the Pages view with a goal picked): kept per closed day too (page_session_days, goal_days).
  const t2 = performance.now();
  const keptPages = await get(`/api/conversions/goals/breakdown?${range}&dim=page`);
  const goalPagesFirst = Math.round(performance.now() - t2);
  log(`goal conversions per page viewed, 3 goals, first read (keeps the closed days): ${goalPagesFirst} ms`);
  const goalPages = await once('goal conversions per page viewed, 3 goals', `/api/conversions/goals/breakdown?${range}&dim=page`);
  const scannedPages = await get(`/api/conversions/goals/breakdown?${scanRange}&dim=page`);
  if (JSON.stringify(scannedPages.rows) !== JSON.stringify(keptPages.rows)) throw new Error(`the kept page days answer ${JSON.stringify(keptPages.rows)}, a scan ${JSON.stringify(scannedPages.rows)}`);
  const journey = await once('journeys from /p/0, 4 deep', `/api/conversions/journeys?${range}&entry=${encodeURIComponent('/p/0')}&depth=4`);
  const exitJourney = await once('journeys to /signup, 4 deep', `/api/conversions/journeys?${range}&exit=${encodeURIComponent('/signup')}&depth=4`);
  load.push(loadavg()[0]);
  return {
    funnel, funnel_first_ms: funnelFirst, funnel_unsaved: funnelScan, goal_breakdown: breakdown, goal_first_ms: goalFirst,
    goal_pages: goalPages, goal_pages_first_ms: goalPagesFirst, journey, journey_exit: exitJourney,
    funnel_steps: report.steps.map((s) => s.sessions), load_average: load.map((l) => Math.round(l * 100) / 100),
  };
}

/** Every analytics view but the overview, by its address, 30 days (the overview is timed above with its own panels). */
const VIEWS: [string, string][] = [
  ['pages', '/app/pages'],
  ['sources', '/app/sources'],
  ['locations', '/app/locations'],
  ['devices', '/app/devices'],
  ['engagement', '/app/engagement'],
  ['realtime', '/app/realtime'],
  ['heatmaps', '/app/heatmaps'],
  ['conversions', '/app/conversions'],
  ['pages with a goal picked', '/app/pages?goal=g_signup'],
  ['errors', '/app/errors'],
  ['sessions', '/app/sessions'],
  ['storage', '/app/storage'],
];

/**
 * Each view in Chromium as a person opens it: from navigation until its
 * heading is drawn and nothing on the page is still loading (no aria-busy, no
 * skeleton); median of PAGE_RUNS loads after a first visit.
 */
async function everyView(page: import('playwright-core').Page, url: string) {
  const drawn = async (path: string) => {
    const t = performance.now();
    await page.goto(`${url}${path}`);
    await page.waitForSelector('.view h1');
    await page.waitForFunction(() => !document.querySelector('[aria-busy="true"], .skeleton'), undefined, { timeout: 60_000 });
    return performance.now() - t;
  };
  const out: Record<string, { median_ms: number; max_ms: number }> = {};
  for (const [name, view] of VIEWS) {
    const path = `${view}?site=${SITE}&range=30d`;
    await drawn(path);
    const times: number[] = [];
    for (let k = 0; k < PAGE_RUNS; k++) times.push(await drawn(path));
    out[name] = { median_ms: pct(times, 50), max_ms: Math.round(Math.max(...times)) };
    log(`${name} page: ${out[name].median_ms} ms`);
  }
  return out;
}

async function main() {
  const server = await startPostgres({ statementStats: false });
  const persist = mkdtempSync(join(tmpdir(), 'edgereplay-bench-dash-'));
  const db = new pg.Client(server.superUrl);
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  try {
    await migratePostgres(server.superUrl);
    await db.connect();
    await db.query(`INSERT INTO sites (id, name, domain, allowed_origins) VALUES ($1, 'Shop', 'shop.example.com', ARRAY['127.0.0.1'])`, [SITE]);
    const apiToken = `ert_bench_${randomBytes(12).toString('hex')}`;
    await db.query(`INSERT INTO api_tokens (id, name, token_hash, site_id) VALUES ('tok_bench', 'bench', $1, $2)`, [
      createHash('sha256').update(apiToken).digest('hex'),
      SITE,
    ]);
    await ensureAdmin(db, ADMIN);

    log(`generating ${SESSIONS.toLocaleString('en-US')} sessions over ${DAYS} days`);
    let t0 = Date.now();
    await db.query(generateSql(SESSIONS, DAYS));
    const generateS = (Date.now() - t0) / 1000;
    log(`  ${generateS.toFixed(1)} s`);
    t0 = Date.now();
    const [rebuilt] = await rebuildRollups(db, { siteId: SITE });
    const rebuildS = (Date.now() - t0) / 1000;
    await db.query('ANALYZE rollup_daily');
    log(`rollups:rebuild: ${rebuilt.rows} rows over ${rebuilt.days} days in ${rebuildS.toFixed(1)} s`);

    // Scans are measured to the end here (in production each statement may take 5 s).
    const worker = await startWorker(server.superUrl, persist, { ANALYTICS_SCAN_TIMEOUT_MS: '120000' });
    const url = worker.url;
    log(`wrangler dev at ${url}`);
    const today = Date.now() - (Date.now() % DAY_MS);
    const from = isoDay(today - (DAYS - 1) * DAY_MS);
    const to = isoDay(today);
    const prev = { from: isoDay(today - (2 * DAYS - 1) * DAY_MS), to: isoDay(today - DAYS * DAY_MS) };
    const get = async (path: string) => {
      const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${apiToken}` } });
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<Record<string, unknown>>;
    };
    const check = (await get(`/analytics/overview?site_id=${SITE}&from=${from}&to=${to}`)) as { sessions: number };
    // (bench:scale: the range is the whole year, up to 400 days.) Bots are left out.
    const people = (await db.query('SELECT count(*)::int AS n FROM sessions WHERE NOT is_bot')).rows[0].n;
    if (check.sessions !== people) throw new Error(`the overview counts ${check.sessions} sessions, not ${people}`);

    const conversions = await conversionTimings(db, get, `site_id=${SITE}&from=${from}&to=${to}`);
    mkdirSync(OUT, { recursive: true });
    // Each run is also appended to conversions-runs.json: the report gives the median of a day's runs (the machine is shared).
    const runsFile = `${OUT}conversions-runs.json`;
    const runs = existsSync(runsFile) ? JSON.parse(readFileSync(runsFile, 'utf8')) : [];
    runs.push({ at: new Date().toISOString(), sessions: SESSIONS, days: DAYS, ...conversions });
    writeFileSync(runsFile, JSON.stringify(runs, null, 2));
    writeFileSync(`${OUT}conversions.json`, JSON.stringify({ date: new Date().toISOString().slice(0, 10), sessions: SESSIONS, days: DAYS, ...conversions }, null, 2));
    log('wrote bench/out/conversions.json');
    if (ONLY_CONVERSIONS) return;

    const range = `site_id=${SITE}&from=${from}&to=${to}`;
    const endpoints: [string, string][] = [
      ['overview', `/analytics/overview?${range}`],
      ['sessions/daily', `/analytics/sessions/daily?${range}`],
      ['pages/top', `/analytics/pages/top?${range}`],
      ['sources', `/analytics/sources?${range}`],
      ['geo', `/analytics/geo?${range}`],
      ['devices', `/analytics/devices?${range}`],
      ['engagement', `/analytics/engagement?${range}`],
      ['storage', `/analytics/storage?${range}`],
      ['realtime', `/analytics/realtime?site_id=${SITE}`],
      ['totals (with comparison)', `/analytics/totals?${range}&compare_from=${prev.from}&compare_to=${prev.to}`],
      ['top', `/analytics/top?${range}`],
    ];
    const rollups: Record<string, { p50_ms: number; p95_ms: number }> = {};
    for (const [name, path] of endpoints) {
      rollups[name] = await timed(() => get(path).then(() => undefined), RUNS);
      log(`${name}: p50 ${rollups[name].p50_ms} ms, p95 ${rollups[name].p95_ms} ms`);
    }

    // Where rollups cannot answer: the same period ending a millisecond
    // before midnight (as every read was answered before rollups), and
    // filters (one country: totals from rollups, breakdowns scanned; an entry page).
    // A scan past its bound answers 503 scan_timeout: recorded as such.
    const scanTime = async (path: string): Promise<number | string> => {
      try {
        return (await timed(() => get(path).then(() => undefined), SCAN_RUNS, 1)).p50_ms;
      } catch (err) {
        if (/: 503 .*scan_timeout/.test(String(err))) return 'scan_timeout';
        throw err;
      }
    };
    const scanRange = `site_id=${SITE}&from=${from}&to=${encodeURIComponent(new Date(today + DAY_MS - 1).toISOString())}`;
    const scanned: Record<string, number | string> = {};
    const filtered: Record<string, number | string> = {};
    // (At 10M sessions a scan takes minutes: bench:scale measures rollups only.)
    for (const [name, path] of SCALE ? [] : endpoints.slice(0, 8)) {
      scanned[name] = await scanTime(path.replace(range, scanRange));
      log(`${name}, scanning rows: p50 ${scanned[name]} ms`);
    }
    const filters = [['overview', '&country=DE'], ['devices', '&country=DE'], ['sources', '&country=DE'], ['overview', '&page=%2Fp%2F1']] as const;
    for (const [name, extra] of SCALE ? [] : filters) {
      const key = `${name} ${decodeURIComponent(extra.slice(1))}`;
      filtered[key] = await scanTime(`/analytics/${name}?${range}${extra}`);
      log(`${key}: p50 ${filtered[key]} ms`);
    }

    // The overview page in Chromium, as a person opens it (regular user agent), logged in.
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await logInDashboard(page, url, ADMIN);
    const overviewLists = 4 + ((await db.query('SELECT 1 FROM goals WHERE site_id = $1 LIMIT 1', [SITE])).rowCount ? 1 : 0);
    const drawn = async (path: string) => {
      const t = performance.now();
      await page.goto(`${url}${path}`);
      await page.waitForSelector('[data-metric="sessions"]');
      await page.waitForSelector('.chart canvas');
      // The four top lists, and the goals' list once the site has goals (the conversions above saved some).
      await page.waitForFunction((lists) => !document.querySelector('[aria-busy="true"]') && document.querySelectorAll('[data-list]').length === lists, overviewLists);
      return performance.now() - t;
    };
    const overviewPage = async (range: string) => {
      const times: number[] = [];
      const path = `/app?site=${SITE}&range=${range}`;
      await drawn(path); // first visit: assets into the cache
      for (let k = 0; k < PAGE_RUNS; k++) times.push(await drawn(path));
      return { median_ms: pct(times, 50), max_ms: Math.round(Math.max(...times)) };
    };
    if (process.env.BENCH_TRACE) {
      await drawn(`/app?site=${SITE}&range=7d`);
      const entries = await page.evaluate(() =>
        performance.getEntriesByType('resource').map((e) => `${Math.round(e.startTime)}-${Math.round(e.responseEnd)} ms ${e.name.replace(location.origin, '')}`),
      );
      log(`resources of one load:\n  ${entries.join('\n  ')}`);
    }
    const page30 = DAYS >= 30 ? await overviewPage('30d') : null;
    const page7 = await overviewPage('7d');
    log(`overview page: 30 days ${page30?.median_ms} ms, 7 days ${page7.median_ms} ms`);
    const views = SCALE ? null : await everyView(page, url);
    let pageYear = null;
    if (DAYS >= 365) {
      const times: number[] = [];
      const path = `/app?site=${SITE}&range=custom&from=${isoDay(today - 364 * DAY_MS)}&to=${to}`;
      await drawn(path);
      for (let k = 0; k < PAGE_RUNS; k++) times.push(await drawn(path));
      pageYear = { median_ms: pct(times, 50), max_ms: Math.round(Math.max(...times)) };
      log(`overview page, 12 months: ${pageYear.median_ms} ms`);
    }

    const rollupRows = (await db.query('SELECT count(*)::int AS n FROM rollup_daily')).rows[0].n;
    const sizes = (await db.query(`SELECT pg_total_relation_size('sessions')::float8 AS sessions, pg_total_relation_size('rollup_daily')::float8 AS rollups,
                                          pg_total_relation_size('visitor_daily')::float8 AS visitors`)).rows[0];
    mkdirSync(OUT, { recursive: true });
    const result = {
      date: new Date().toISOString().slice(0, 10),
      sessions: SESSIONS,
      days: DAYS,
      generate_s: Math.round(generateS * 10) / 10,
      rebuild_s: Math.round(rebuildS * 10) / 10,
      rollup_rows: rollupRows,
      bytes: sizes,
      endpoints: rollups,
      analytics_p95_ms: Math.max(...Object.values(rollups).map((r) => r.p95_ms)),
      scanned_p50_ms: scanned,
      filtered_p50_ms: filtered,
      overview_page_30d: page30,
      overview_page_7d: page7,
      overview_page_12mo: pageYear,
      views_30d: views,
      views_max_ms: views ? Math.max(...Object.values(views).map((v) => v.median_ms)) : null,
    };
    writeFileSync(`${OUT}${SCALE ? 'dashboard-scale' : 'dashboard'}.json`, JSON.stringify(result, null, 2));
    log(`wrote bench/out/${SCALE ? 'dashboard-scale' : 'dashboard'}.json`);
  } finally {
    await browser?.close().catch(() => {});
    stopChildren();
    await db.end().catch(() => {});
    server.destroy();
    rmSync(persist, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main().catch((err) => {
  console.error(err);
  stopChildren();
  process.exit(1);
});
