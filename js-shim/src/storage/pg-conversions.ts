// Conversion analytics over the sessions' paths (migrations/postgres/0050):
// goals, funnels, journeys, and the custom-event property rollup. Nothing
// here reads events: a goal or funnel step is one regular expression over
// each session's path (lib/paths.ts), so goals and funnels defined today
// answer for past visits too. Every read goes through (site_id, started_at)
// and leaves bots out unless the query includes them.
import type { Helper, PendingQuery } from 'postgres';
import type { GoalBreakdownRow, GoalNumbers } from '../contract';
import { decodePath, matcherKey, matcherSearch, type Matcher } from '../lib/paths';
import type { Sql } from './pg';
import { lockForFill } from './pg-kept-days';
import { pageViews, rollupSlice, where } from './pg-analytics';
import { utcDay } from './pg-rollups';
import { DAY_MS } from '../lib/days';
import { closedBefore } from '../lib/params';
import type { RangeQuery } from './query';

export interface Goal extends Matcher {
  id: string;
  site_id: string;
  name: string;
  created_at: Date;
}

export interface Funnel {
  id: string;
  site_id: string;
  name: string;
  steps: (Matcher & { name?: string })[];
  window_ms: number | null;
  created_at: Date;
}

const GOAL_COLUMNS = 'id, site_id, name, kind, match, value, prop_key, prop_value, created_at';
const FUNNEL_COLUMNS = 'id, site_id, name, steps, window_ms, created_at';

export async function listGoals(sql: Sql, siteId: string): Promise<Goal[]> {
  return sql<Goal[]>`SELECT ${sql.unsafe(GOAL_COLUMNS)} FROM goals WHERE site_id = ${siteId} ORDER BY created_at, id`;
}

export async function getGoal(sql: Sql, siteId: string, id: string): Promise<Goal | null> {
  const rows = await sql<Goal[]>`SELECT ${sql.unsafe(GOAL_COLUMNS)} FROM goals WHERE site_id = ${siteId} AND id = ${id}`;
  return rows[0] ?? null;
}

export async function insertGoal(sql: Sql, g: { id: string; siteId: string; name: string } & Matcher): Promise<Goal> {
  const rows = await sql<Goal[]>`
    INSERT INTO goals (id, site_id, name, kind, match, value, prop_key, prop_value)
    VALUES (${g.id}, ${g.siteId}, ${g.name}, ${g.kind}, ${g.match ?? 'exact'}, ${g.value}, ${g.prop_key ?? null}, ${g.prop_value ?? null})
    RETURNING ${sql.unsafe(GOAL_COLUMNS)}`;
  return rows[0];
}

export async function updateGoal(sql: Sql, siteId: string, id: string, g: { name: string } & Matcher): Promise<Goal | null> {
  // Its kept days (goal_days) answered the old matcher: they go in the same statement.
  const rows = await sql<Goal[]>`
    WITH uncached AS (DELETE FROM goal_days WHERE goal_id = ${id} AND site_id = ${siteId})
    UPDATE goals SET name = ${g.name}, kind = ${g.kind}, match = ${g.match ?? 'exact'}, value = ${g.value},
      prop_key = ${g.prop_key ?? null}, prop_value = ${g.prop_value ?? null}
    WHERE site_id = ${siteId} AND id = ${id}
    RETURNING ${sql.unsafe(GOAL_COLUMNS)}`;
  return rows[0] ?? null;
}

export async function deleteGoal(sql: Sql, siteId: string, id: string): Promise<boolean> {
  const rows = await sql`DELETE FROM goals WHERE site_id = ${siteId} AND id = ${id} RETURNING id`;
  return rows.length > 0;
}

const normaliseFunnel = (f: Funnel): Funnel => ({ ...f, window_ms: f.window_ms === null ? null : Number(f.window_ms) });

export async function listFunnels(sql: Sql, siteId: string): Promise<Funnel[]> {
  const rows = await sql<Funnel[]>`SELECT ${sql.unsafe(FUNNEL_COLUMNS)} FROM funnels WHERE site_id = ${siteId} ORDER BY created_at, id`;
  return rows.map(normaliseFunnel);
}

export async function getFunnel(sql: Sql, siteId: string, id: string): Promise<Funnel | null> {
  const rows = await sql<Funnel[]>`SELECT ${sql.unsafe(FUNNEL_COLUMNS)} FROM funnels WHERE site_id = ${siteId} AND id = ${id}`;
  return rows[0] ? normaliseFunnel(rows[0]) : null;
}

export async function insertFunnel(sql: Sql, f: { id: string; siteId: string; name: string; steps: Funnel['steps']; windowMs: number | null }): Promise<Funnel> {
  const rows = await sql<Funnel[]>`
    INSERT INTO funnels (id, site_id, name, steps, window_ms)
    VALUES (${f.id}, ${f.siteId}, ${f.name}, ${sql.json(f.steps as never)}, ${f.windowMs})
    RETURNING ${sql.unsafe(FUNNEL_COLUMNS)}`;
  return normaliseFunnel(rows[0]);
}

export async function updateFunnel(sql: Sql, siteId: string, id: string, f: { name: string; steps: Funnel['steps']; windowMs: number | null }): Promise<Funnel | null> {
  // Its kept days (funnel_days) answered the old steps: they go in the same statement.
  const rows = await sql<Funnel[]>`
    WITH uncached AS (DELETE FROM funnel_days WHERE funnel_id = ${id})
    UPDATE funnels SET name = ${f.name}, steps = ${sql.json(f.steps as never)}, window_ms = ${f.windowMs}
    WHERE site_id = ${siteId} AND id = ${id}
    RETURNING ${sql.unsafe(FUNNEL_COLUMNS)}`;
  return rows[0] ? normaliseFunnel(rows[0]) : null;
}

export async function deleteFunnel(sql: Sql, siteId: string, id: string): Promise<boolean> {
  const rows = await sql`DELETE FROM funnels WHERE site_id = ${siteId} AND id = ${id} RETURNING id`;
  return rows.length > 0;
}

const rate = (n: number, of: number) => (of ? n / of : 0);

/** Sessions flagged as bots in the range (what a read left out; 0 when it included them). */
async function botsLeftOut(sql: Sql, q: RangeQuery): Promise<number> {
  if (q.includeBots) return 0;
  const [row] = await sql`
    SELECT count(*)::int AS n FROM sessions WHERE site_id = ${q.siteId} AND started_at >= ${q.from} AND started_at < ${q.to} AND is_bot`;
  return row.n as number;
}

export type { GoalNumbers } from '../contract';

type Fragment = PendingQuery<any>;
const list = (sql: Sql, parts: Fragment[]) => parts.reduce((a, b) => sql`${a}, ${b}`);
/** A text[] of `values`, each a bind parameter. */
const textArray = (sql: Sql, values: string[]) => sql`ARRAY[${list(sql, values.map((v) => sql`${v}::text`))}]`;
/** `q` over the whole UTC days `days` (consecutive). */
const daySpan = (q: RangeQuery, days: string[]): RangeQuery => ({
  ...q,
  from: new Date(`${days[0]}T00:00:00Z`),
  to: new Date(Date.parse(`${days[days.length - 1]}T00:00:00Z`) + DAY_MS),
});

/** Whether the session row `s` has a step `m` matches. */
function hasStep(sql: Sql, m: Matcher): Fragment {
  const search = matcherSearch(m);
  if ('pattern' in search) return sql`(strpos(s.path, ${search.has}) > 0 AND s.path ~ ${search.pattern})`;
  return search.literals.map((l) => sql`strpos(s.path, ${l}) > 0`).reduce((a, b) => sql`(${a} OR ${b})`);
}

/**
 * A condition the GIN index on path_keys(path) answers, true of every session
 * that has a step of any of `matchers` (null when one of them names no key:
 * then every session of the range is read).
 */
function keyFilter(sql: Sql, matchers: Matcher[]): Fragment | null {
  const keys = matchers.map(matcherKey);
  if (!keys.length || keys.some((k) => k === null)) return null;
  return sql`path_keys(s.path) && ${textArray(sql, keys as string[])}`;
}

function goalCounts(sql: Sql, goals: Matcher[]) {
  // postgres.js sends an empty array as a parameter, not as nothing: a site without goals gets an empty fragment.
  if (!goals.length) return sql``;
  return goals.map((g, k) => sql`, count(*) FILTER (WHERE ${hasStep(sql, g)})::int AS ${sql(`g${k}`)}`);
}

/** The range's sessions per value of a rollup dimension ('total': one row), or null when rollups cannot answer. */
async function rolledUpSessions(sql: Sql, q: RangeQuery, dim: string, limit: number): Promise<{ value: string; sessions: number }[] | null> {
  const slice = rollupSlice(q);
  if (slice?.dim !== 'total') return null;
  return sql<{ value: string; sessions: number }[]>`
    SELECT value, sum(sessions)::int AS sessions FROM rollup_daily
    WHERE site_id = ${q.siteId} AND dim = ${dim} AND day >= ${slice.from}::date AND day < ${slice.to}::date
    GROUP BY value HAVING sum(sessions) > 0 ORDER BY 2 DESC, 1 LIMIT ${limit}`;
}

/** Per value of `column` (one '' row without), each goal's conversions, over the sessions the key index finds. */
async function conversionsPer(sql: Sql, q: RangeQuery, goals: Goal[], column: Fragment | null) {
  const filter = keyFilter(sql, goals);
  const rows = await sql`
    SELECT ${column ?? sql`''`} AS value ${goalCounts(sql, goals)}
    FROM sessions s WHERE ${where(sql, q)} ${filter ? sql`AND ${filter}` : sql``}
    GROUP BY 1`;
  return new Map(rows.map((r) => [r.value as string, goals.map((_, k) => r[`g${k}`] as number)]));
}

const numbers = (goals: Goal[], counts: number[] | undefined, sessions: number) =>
  goals.map((g, k): GoalNumbers => ({ id: g.id, name: g.name, conversions: counts?.[k] ?? 0, rate: rate(counts?.[k] ?? 0, sessions) }));

/**
 * The range's sessions and, per goal, the sessions that reached it. Whole
 * unfiltered days take the sessions from the rollups, each closed day's
 * conversions from goal_days (keptGoalDays) and count the open days'
 * conversions over the sessions the key index finds; otherwise one scan
 * counts both.
 */
export async function goalTotals(sql: Sql, q: RangeQuery, goals: Goal[], now = Date.now()) {
  const rolled = goals.length ? await rolledUpSessions(sql, q, 'total', 1) : null;
  let sessions: number;
  let counts: number[] | undefined;
  if (rolled) {
    sessions = rolled[0]?.sessions ?? 0;
    const kept = await keptGoalDays(sql, q, goals, '', now);
    const live = kept?.live ? (await conversionsPer(sql, kept.live, goals, null)).get('') : undefined;
    counts = kept ? goals.map((_, k) => (kept.counts.get('')?.[k] ?? 0) + (live?.[k] ?? 0)) : (await conversionsPer(sql, q, goals, null)).get('');
  } else {
    const [row] = await sql`SELECT count(*)::int AS sessions ${goalCounts(sql, goals)} FROM sessions s WHERE ${where(sql, q)}`;
    sessions = row.sessions as number;
    counts = goals.map((_, k) => row[`g${k}`] as number);
  }
  return { sessions, goals: numbers(goals, counts, sessions), bots_excluded: await botsLeftOut(sql, q) };
}

/** Breakdown dimensions and the session column (or expression) each groups by. */
export const GOAL_DIMENSIONS = {
  entry_page: 'entry_page',
  exit_page: 'exit_page',
  referrer: "COALESCE(referrer_domain, '(direct)')",
  utm_source: 'utm_source',
  utm_medium: 'utm_medium',
  utm_campaign: 'utm_campaign',
  country: "COALESCE(country, '(unknown)')",
  device: "COALESCE(device, '(unknown)')",
  browser: "COALESCE(browser, '(unknown)')",
  os: "COALESCE(os, '(unknown)')",
} as const;
export type GoalDimension = keyof typeof GOAL_DIMENSIONS;

/** The rollup dimension holding a breakdown's sessions (the same values the sessions' columns give). */
const ROLLUP_DIMENSION: Record<GoalDimension, string> = {
  entry_page: 'entry', exit_page: 'exit', referrer: 'referrer', utm_source: 'utm_source', utm_medium: 'utm_medium',
  utm_campaign: 'utm_campaign', country: 'country', device: 'device', browser: 'browser', os: 'os',
};

const goalVariant = (g: Matcher) => JSON.stringify([g.kind, g.match ?? 'exact', g.value, g.prop_key ?? null, g.prop_value ?? null]);

/** The goals as rows (k: 1-based position, id, variant text), for a statement to join. */
const goalRows = (sql: Sql, goals: Goal[]) =>
  sql`jsonb_to_recordset(${sql.json(goals.map((g, k) => ({ k: k + 1, id: g.id, variant: goalVariant(g) })))}) AS g(k int, id text, variant text)`;

/**
 * Keeps every goal's conversions for each of `days` (consecutive, at most a
 * week): one scan of their sessions counts the day's conversions of each
 * goal and, in the same pass (GROUPING SETS), its conversions per value of
 * every breakdown. A day without sessions keeps its 0.
 */
async function keepGoalDays(sql: Sql, q: RangeQuery, goals: Goal[], days: string[]) {
  const span = daySpan(q, days);
  const dims = Object.values(GOAL_DIMENSIONS);
  const d = (k: number) => sql(`d${k}`);
  // Fixed expressions from GOAL_DIMENSIONS, never client text.
  const columns = list(sql, [...dims.map((e, k) => sql`${sql.unsafe(e)} AS ${d(k)}`), ...goals.map((g, k) => sql`${hasStep(sql, g)} AS ${sql(`c${k}`)}`)]);
  const sets = list(sql, [sql`(day)`, ...dims.map((_, k) => sql`(day, ${d(k)})`)]);
  const pick = (what: (k: number) => Fragment) => dims.map((_, k) => sql`WHEN GROUPING(${d(k)}) = 0 THEN ${what(k)}`).reduce((a, b) => sql`${a} ${b}`);
  const names = Object.keys(GOAL_DIMENSIONS);
  const counts = list(sql, goals.map((_, k) => sql`count(*) FILTER (WHERE ${sql(`c${k}`)})::int`));
  // Only sessions that reached a goal count anywhere (a day without any keeps its 0 below): the key
  // index narrows to them when every goal names a key, and the others are left out before grouping.
  const filter = keyFilter(sql, goals);
  await sql`
    INSERT INTO goal_days (goal_id, variant, site_id, dim, day, value, conversions)
    WITH x AS (
      SELECT day, CASE ${pick((k) => sql`${names[k]}::text`)} ELSE '' END AS dim, CASE ${pick((k) => sql`${d(k)}::text`)} ELSE '' END AS value,
             ARRAY[${counts}] AS counts
      FROM (SELECT ${utcDay(sql, 'started_at')} AS day, ${columns} FROM sessions s WHERE ${where(sql, span)} ${filter ? sql`AND ${filter}` : sql``} OFFSET 0) s
      WHERE ${goals.map((_, k) => sql`${sql(`c${k}`)}`).reduce((a, b) => sql`${a} OR ${b}`)}
      GROUP BY GROUPING SETS (${sets})
    )
    SELECT g.id, md5(g.variant), ${q.siteId}, '', t.day::date, '', COALESCE(x.counts[g.k], 0)
    FROM generate_series(${days[0]}::date, ${days[days.length - 1]}::date, interval '1 day') t(day)
    CROSS JOIN ${goalRows(sql, goals)}
    LEFT JOIN x ON x.day = t.day::date AND x.dim = ''
    UNION ALL
    SELECT g.id, md5(g.variant), ${q.siteId}, x.dim, x.day, x.value, x.counts[g.k]
    FROM x CROSS JOIN ${goalRows(sql, goals)}
    WHERE x.dim <> '' AND x.value IS NOT NULL AND x.counts[g.k] > 0
    ON CONFLICT DO NOTHING`;
}

/**
 * The closed UTC days of a read of whole unfiltered days leaving bots out
 * (the rollups hold its sessions): [from, until) and each day, and `live`,
 * the rest of the range, for the caller to scan. Null when the read has no
 * closed day or is not such a read: then nothing is kept for it.
 */
function closedDays(q: RangeQuery, now: number) {
  const to = Math.min(q.to.getTime(), closedBefore(now));
  if (rollupSlice(q)?.dim !== 'total' || q.from.getTime() >= to) return null;
  const days: string[] = [];
  for (let t = q.from.getTime(); t < to; t += DAY_MS) days.push(isoDay(t));
  return { from: isoDay(q.from.getTime()), until: isoDay(to), days, live: to < q.to.getTime() ? { ...q, from: new Date(to) } : null };
}

/** The goals that miss a day of `span` kept under `dim` (its '' row marks a kept day), and the days some goal misses. */
async function goalGaps(sql: Sql, goals: Goal[], span: { from: string; until: string; days: string[] }, dim: string) {
  const have = goals.length
    ? await sql`
        SELECT g.k, d.day::text AS day FROM ${goalRows(sql, goals)}
        JOIN goal_days d ON d.goal_id = g.id AND d.variant = md5(g.variant) AND d.dim = ${dim} AND d.value = ''
          AND d.day >= ${span.from}::date AND d.day < ${span.until}::date`
    : [];
  const kept = new Set(have.map((r) => `${r.k}:${r.day}`));
  return {
    lacking: goals.filter((_, k) => span.days.some((day) => !kept.has(`${k + 1}:${day}`))),
    missing: span.days.filter((day) => goals.some((_, k) => !kept.has(`${k + 1}:${day}`))),
  };
}

/**
 * Starts filling the site's kept days in this read's transaction; false when
 * another read is filling them. One read fills a site's days at a time (the
 * dashboard asks for the report and a breakdown at once): a read that finds
 * another filling scans the range instead of waiting or writing the same rows.
 * The fill then waits for a change of the sessions under way (lockForFill).
 */
async function startFill(sql: Sql, siteId: string): Promise<boolean> {
  const [lock] = await sql`SELECT pg_try_advisory_xact_lock(hashtext(${`goal_days:${siteId}`})) AS ok`;
  if (!lock.ok) return false;
  await lockForFill(sql, siteId);
  return true;
}

/**
 * For a read of whole unfiltered days leaving bots out (the rollups hold
 * its sessions), each goal's conversions over the range's closed UTC days
 * from goal_days (migrations/postgres/0058): '' the day's total, or per value
 * of `dim` (only `values`), keeping first the days some goal misses, a week
 * per statement; and `live`, the rest of the range, for the caller to scan.
 * Null when the range has no closed day, or when another read is filling
 * the site's days (the caller scans the range). The answer is the one a scan of
 * every session gives: a kept day holds while its sessions do (deleting any
 * of them drops it, deleteSessionRows; so does a batch reconciled after the
 * day closed, forgetKeptDay), as for funnel_days, and a fill waits for such a
 * change under way (storage/pg-kept-days.ts).
 */
async function keptGoalDays(sql: Sql, q: RangeQuery, goals: Goal[], dim: GoalDimension | '', now: number, values: string[] = []) {
  const span = closedDays(q, now);
  if (!span) return null;
  const { from, until } = span;
  const { lacking, missing } = await goalGaps(sql, goals, span, '');
  if (missing.length) {
    if (!(await startFill(sql, q.siteId))) return null;
    for (const run of weekRuns(missing)) await keepGoalDays(sql, q, lacking, run);
  }
  const rows = dim === '' || values.length
    ? await sql`
        SELECT d.value, g.k, sum(d.conversions)::int AS n FROM ${goalRows(sql, goals)}
        JOIN goal_days d ON d.goal_id = g.id AND d.variant = md5(g.variant) AND d.dim = ${dim} AND d.day >= ${from}::date AND d.day < ${until}::date
        ${dim === '' ? sql`` : sql`AND d.value IN (SELECT jsonb_array_elements_text(${sql.json(values)}))`}
        GROUP BY 1, 2`
    : [];
  const counts = new Map<string, number[]>();
  for (const r of rows) {
    const n = counts.get(r.value as string) ?? goals.map(() => 0);
    n[(r.k as number) - 1] = r.n as number;
    counts.set(r.value as string, n);
  }
  return { counts, live: span.live };
}

/**
 * One breakdown's values by sessions, each with every goal's conversions and
 * rate: over whole unfiltered days, sessions from the rollups, each closed
 * day's conversions from goal_days and the open days' from the sessions the
 * key index finds; else one scan of the range.
 */
export async function goalBreakdown(sql: Sql, q: RangeQuery, goals: Goal[], dim: GoalDimension, limit: number, now = Date.now()): Promise<GoalBreakdownRow[]> {
  // A fixed expression from GOAL_DIMENSIONS, never client text.
  const column = sql.unsafe(GOAL_DIMENSIONS[dim]);
  const rolled = goals.length ? await rolledUpSessions(sql, q, ROLLUP_DIMENSION[dim], limit) : null;
  if (rolled) {
    const kept = await keptGoalDays(sql, q, goals, dim, now, rolled.map((r) => r.value));
    const live = kept ? kept.live : q;
    const counts = live ? await conversionsPer(sql, live, goals, column) : new Map<string, number[]>();
    if (kept) {
      for (const [value, n] of kept.counts) counts.set(value, goals.map((_, k) => n[k] + (counts.get(value)?.[k] ?? 0)));
    }
    return rolled.map((r) => ({ value: r.value, sessions: r.sessions, goals: numbers(goals, counts.get(r.value), r.sessions) }));
  }
  const rows = await sql`
    SELECT ${column} AS value, count(*)::int AS sessions ${goalCounts(sql, goals)}
    FROM sessions s WHERE ${where(sql, q)} AND ${column} IS NOT NULL
    GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${limit}`;
  return rows.map((r) => ({
    value: r.value as string,
    sessions: r.sessions as number,
    goals: numbers(goals, goals.map((_, k) => r[`g${k}`] as number), r.sessions as number),
  }));
}

/** Every breakdown goalBreakdown answers, and `page`: the sessions that viewed a page (goalPages). */
export const GOAL_BREAKDOWNS = [...(Object.keys(GOAL_DIMENSIONS) as GoalDimension[]), 'page'] as const;
export type GoalBreakdownDim = GoalDimension | 'page';

/**
 * Keeps, for each of `days` (consecutive, at most a week), the sessions that
 * viewed each page (page_session_days), a '' row marking the day kept.
 */
async function keepPageSessions(sql: Sql, q: RangeQuery, days: string[]) {
  await sql`
    INSERT INTO page_session_days (site_id, day, page, sessions)
    SELECT ${q.siteId}, day, page, count(*)::int
    FROM (SELECT ${utcDay(sql, 'started_at')} AS day, s.pages FROM sessions s WHERE ${where(sql, daySpan(q, days))} OFFSET 0) s
    CROSS JOIN LATERAL (SELECT DISTINCT page FROM unnest(s.pages) page) u
    GROUP BY 2, 3
    UNION ALL
    SELECT ${q.siteId}, t.day::date, '', 0 FROM generate_series(${days[0]}::date, ${days[days.length - 1]}::date, interval '1 day') t(day)
    ON CONFLICT DO NOTHING`;
}

/**
 * Keeps each goal's conversions per page viewed for each of `days` (goal_days
 * dim 'page'; value '' with 0 marks the goal's day kept), from the sessions
 * that reached a goal only.
 */
async function keepGoalPages(sql: Sql, q: RangeQuery, goals: Goal[], days: string[]) {
  const filter = keyFilter(sql, goals);
  const reached = list(sql, goals.map((g, k) => sql`${hasStep(sql, g)} AS ${sql(`c${k}`)}`));
  const counts = list(sql, goals.map((_, k) => sql`count(*) FILTER (WHERE ${sql(`c${k}`)})::int`));
  await sql`
    INSERT INTO goal_days (goal_id, variant, site_id, dim, day, value, conversions)
    WITH x AS (
      SELECT day, page, ARRAY[${counts}] AS counts
      FROM (SELECT ${utcDay(sql, 'started_at')} AS day, s.pages, ${reached} FROM sessions s
            WHERE ${where(sql, daySpan(q, days))} ${filter ? sql`AND ${filter}` : sql``} OFFSET 0) s
      CROSS JOIN LATERAL (SELECT DISTINCT page FROM unnest(s.pages) page) u
      WHERE ${goals.map((_, k) => sql`${sql(`c${k}`)}`).reduce((a, b) => sql`${a} OR ${b}`)}
      GROUP BY 1, 2
    )
    SELECT g.id, md5(g.variant), ${q.siteId}, 'page', t.day::date, '', 0
    FROM generate_series(${days[0]}::date, ${days[days.length - 1]}::date, interval '1 day') t(day) CROSS JOIN ${goalRows(sql, goals)}
    UNION ALL
    SELECT g.id, md5(g.variant), ${q.siteId}, 'page', x.day, x.page, x.counts[g.k]
    FROM x CROSS JOIN ${goalRows(sql, goals)}
    WHERE x.counts[g.k] > 0
    ON CONFLICT DO NOTHING`;
}

/** Per page of `paths`, its sessions and each goal's conversions, counted over `q`'s sessions. */
async function scanPages(sql: Sql, q: RangeQuery, goals: Goal[], paths: string[]) {
  const rows = await sql`
    SELECT u.page AS value, count(*)::int AS sessions ${goalCounts(sql, goals)}
    FROM sessions s CROSS JOIN LATERAL (SELECT DISTINCT page FROM unnest(s.pages) page) u
    WHERE ${where(sql, q)} AND u.page = ANY(${textArray(sql, paths)})
    GROUP BY 1`;
  return new Map(rows.map((r) => [r.value as string, { sessions: r.sessions as number, counts: goals.map((_, k) => r[`g${k}`] as number) }]));
}

/**
 * For a read of whole unfiltered days leaving bots out, the range's closed
 * days per page of `paths`: sessions from page_session_days, each goal's
 * conversions from goal_days (dim 'page'), keeping first the days either
 * misses (a week per statement), under the same locks as the goal report's
 * kept days; and `live`, the rest of the range, for the caller to scan. Null
 * when the range has no closed day, or when another read is filling the
 * site's days.
 */
async function keptPageDays(sql: Sql, q: RangeQuery, goals: Goal[], paths: string[], now: number) {
  const span = closedDays(q, now);
  if (!span) return null;
  const { from, until } = span;
  const keptDays = new Set(
    (await sql`SELECT day::text AS day FROM page_session_days WHERE site_id = ${q.siteId} AND page = '' AND day >= ${from}::date AND day < ${until}::date`).map(
      (r) => r.day as string,
    ),
  );
  const missingDays = span.days.filter((day) => !keptDays.has(day));
  const { lacking, missing: missingGoalDays } = await goalGaps(sql, goals, span, 'page');
  if (missingDays.length || missingGoalDays.length) {
    if (!(await startFill(sql, q.siteId))) return null;
    for (const run of weekRuns(missingDays)) await keepPageSessions(sql, q, run);
    for (const run of weekRuns(missingGoalDays)) await keepGoalPages(sql, q, lacking, run);
  }
  const pages = new Map<string, { sessions: number; counts: number[] }>();
  const entry = (page: string) => pages.get(page) ?? pages.set(page, { sessions: 0, counts: goals.map(() => 0) }).get(page)!;
  for (const r of await sql`
    SELECT page, sum(sessions)::int AS n FROM page_session_days
    WHERE site_id = ${q.siteId} AND day >= ${from}::date AND day < ${until}::date AND page = ANY(${textArray(sql, paths)})
    GROUP BY 1`) {
    entry(r.page as string).sessions = r.n as number;
  }
  if (goals.length) {
    for (const r of await sql`
      SELECT d.value, g.k, sum(d.conversions)::int AS n FROM ${goalRows(sql, goals)}
      JOIN goal_days d ON d.goal_id = g.id AND d.variant = md5(g.variant) AND d.dim = 'page' AND d.day >= ${from}::date AND d.day < ${until}::date
        AND d.value = ANY(${textArray(sql, paths)})
      GROUP BY 1, 2`) {
      entry(r.value as string).counts[(r.k as number) - 1] = r.n as number;
    }
  }
  return { pages, live: span.live };
}

/**
 * The range's top pages by views (page_daily, as the pages list shows them),
 * each with the sessions that viewed it and, per goal, those of them that
 * reached it; a session counts once per page however often it came back.
 * Over whole unfiltered days, each closed day comes from what is kept for it
 * (keptPageDays) and only the open days are read; otherwise one statement
 * reads the range's sessions once, each with its stored pages (0056). The key
 * index is no help to that read: the top pages are in most sessions, and a
 * bitmap over them costs more than the range (measured: 3.4 s against 0.5 s
 * for 300,000 sessions over 30 days).
 */
export async function goalPages(sql: Sql, q: RangeQuery, goals: Goal[], limit: number, now = Date.now()): Promise<GoalBreakdownRow[]> {
  const top = (await pageViews(sql, q, limit)) as unknown as { path: string }[];
  if (!top.length) return [];
  const paths = top.map((p) => p.path);
  const kept = await keptPageDays(sql, q, goals, paths, now);
  const live = kept ? kept.live : q;
  const scanned = live ? await scanPages(sql, live, goals, paths) : new Map<string, { sessions: number; counts: number[] }>();
  return paths.map((path) => {
    const a = kept?.pages.get(path);
    const b = scanned.get(path);
    const sessions = (a?.sessions ?? 0) + (b?.sessions ?? 0);
    const counts = goals.map((_, k) => (a?.counts[k] ?? 0) + (b?.counts[k] ?? 0));
    return { value: path, sessions, goals: numbers(goals, counts, sessions) };
  });
}

/**
 * SQL for where the first step `m` matches starts at or after position
 * `from` + 1 (1-based; 0 when none), given `from` > 0. Each search is
 * written once, so the step's position costs one strpos() (two for an event
 * without properties) or one regexp_instr().
 */
function stepAfter(sql: Sql, m: Matcher, from: Fragment | Helper<string>): Fragment {
  const search = matcherSearch(m);
  if ('pattern' in search) return sql`CASE WHEN strpos(path, ${search.has}) > 0 THEN regexp_instr(path, ${search.pattern}, ${from} + 1) ELSE 0 END`;
  const found = search.literals.map((l) => sql`NULLIF(strpos(substr(path, ${from} + 1), ${l}), 0)`);
  return sql`COALESCE(${from} + ${found.length === 1 ? found[0] : sql`LEAST(${list(sql, found)})`}, 0)`;
}

/** The step at position `p` (> 0): its offset, the 8 digits after its first "\x1c". */
const stepTime = (sql: Sql, p: Helper<string>) => sql`substr(path, ${p} + strpos(substr(path, ${p}), E'\\x1c'), 8)::int`;

/**
 * Per session, where each funnel step is first reached after the one before
 * it (p1..pn, 0: not reached), and when (t1..tn, ms from the session start;
 * only for sessions that reached step 2, the only ones whose times are
 * read). Step k is searched from just past step k-1's position: "in this
 * order, not necessarily adjacent". Each step is one more subquery level
 * (OFFSET 0 keeps the planner from inlining, which would repeat the earlier
 * searches in every later one), so a session costs one search per step it
 * gets to; the times are one more level, read by the levels above.
 */
function funnelMatches(sql: Sql, q: RangeQuery, steps: Matcher[]) {
  const p = (k: number) => sql(`p${k}`);
  const first = keyFilter(sql, steps.slice(0, 1));
  let rows = sql`
    SELECT s.id, s.started_at, s.path, ${stepAfter(sql, steps[0], sql`0`)} AS p1
    FROM sessions s
    WHERE ${where(sql, q)} AND s.path <> '' ${first ? sql`AND ${first}` : sql``}
    OFFSET 0`;
  for (let k = 1; k < steps.length; k++) {
    rows = sql`SELECT m.*, CASE WHEN ${p(k)} > 0 THEN ${stepAfter(sql, steps[k], p(k))} ELSE 0 END AS ${p(k + 1)} FROM (${rows}) m OFFSET 0`;
  }
  const times = steps.map((_, k) => sql`, CASE WHEN ${p(Math.max(k + 1, 2))} > 0 THEN ${stepTime(sql, p(k + 1))} END AS ${sql(`t${k + 1}`)}`);
  return sql`SELECT m.* ${times} FROM (${rows}) m OFFSET 0`;
}

/** How far each session got: the number of steps reached in order (within the window from the first, when set). */
function funnelLevels(sql: Sql, q: RangeQuery, steps: Matcher[], windowMs: number | null) {
  const reached = (k: number) =>
    windowMs === null || k === 1 ? sql`${sql(`p${k}`)} > 0` : sql`${sql(`p${k}`)} > 0 AND ${sql(`t${k}`)} - t1 <= ${windowMs}`;
  const level = steps.reduceRight((acc, _, k) => sql`CASE WHEN ${reached(k + 1)} THEN ${acc} ELSE ${k} END`, sql`${steps.length}`);
  // OFFSET 0: computed once per session, not once per aggregate that reads it.
  return sql`SELECT m.*, (${level})::int AS level FROM (${funnelMatches(sql, q, steps)}) m OFFSET 0`;
}

export interface FunnelStepNumbers {
  step: number;
  name: string;
  sessions: number;
  /** Share of the previous step's sessions (1 for the first step). */
  conversion_from_previous: number;
  conversion_from_first: number;
  /** Median time from the previous step, in ms (null for the first step or when none reached it). */
  median_ms_from_previous: number | null;
  /** Sessions that reached the previous step but not this one. */
  dropped: number;
}

const stepName = (m: Matcher & { name?: string }) =>
  m.name || (m.kind === 'page' ? m.value : `${m.value}${m.prop_key ? ` (${m.prop_key} = ${m.prop_value})` : ''}`);

/**
 * A funnel's numbers over the sessions of `q`, as rows (day, step, sessions,
 * deltas): step 0 the sessions with a path, step k those that reached step k
 * and, from step 2, each one's ms from step k-1 (day NULL unless `byDay`).
 */
function funnelSummary(sql: Sql, q: RangeQuery, steps: Matcher[], windowMs: number | null, byDay: boolean) {
  const n = (k: number) => sql(`s${k}`);
  const d = (k: number) => sql(`d${k}`);
  const aggregates = steps.map((_, k) => sql`, count(*) FILTER (WHERE level >= ${k + 1})::int AS ${n(k + 1)}
    ${k === 0 ? sql`` : sql`, array_agg(${sql(`t${k + 1}`)} - ${sql(`t${k}`)}) FILTER (WHERE level >= ${k + 1}) AS ${d(k + 1)}`}`);
  const values = steps.map((_, k) => sql`, (${k + 1}, x.${n(k + 1)}, ${k === 0 ? sql`NULL::int[]` : sql`x.${d(k + 1)}`})`);
  return sql`
    SELECT x.day, v.step, v.sessions, v.deltas FROM (
      SELECT ${byDay ? sql`${utcDay(sql, 'started_at')}` : sql`NULL::date`} AS day, count(*)::int AS s0 ${aggregates}
      FROM (${funnelLevels(sql, q, steps, windowMs)}) l GROUP BY 1) x
    CROSS JOIN LATERAL (VALUES (0, x.s0, NULL::int[]) ${values}) v(step, sessions, deltas)`;
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Days ('YYYY-MM-DD', ascending) as runs of consecutive days, at most 7 each. */
function weekRuns(days: string[]): string[][] {
  const runs: string[][] = [];
  for (const day of days) {
    const run = runs[runs.length - 1];
    const next = run && isoDay(Date.parse(`${run[run.length - 1]}T00:00:00Z`) + DAY_MS) === day;
    if (next && run.length < 7) run.push(day);
    else runs.push([day]);
  }
  return runs;
}

/**
 * Per step: sessions, conversion from the previous and the first step,
 * median time between steps. A saved funnel (`funnelId`) over unfiltered
 * sessions takes each whole closed UTC day of the range from funnel_days
 * (migrations/postgres/0057), scanning and keeping the days it misses, and
 * scans only the rest of the range; the answer is the one a scan of every
 * session gives (medians over every session's time, whatever day it is kept
 * under). A kept day holds while its sessions do: deleting any of them
 * (deleteSessionRows) drops the day's rows, and anything that ever rewrites a
 * closed day's paths or is_bot must drop them too.
 */
export async function funnelReport(sql: Sql, q: RangeQuery, steps: Funnel['steps'], windowMs: number | null, funnelId?: string, now = Date.now()) {
  const matchers = steps as Matcher[];
  // The whole closed days of the range: [from, to), empty when it has none.
  const from = Math.ceil(q.from.getTime() / DAY_MS) * DAY_MS;
  const to = Math.max(from, Math.min(Math.floor(q.to.getTime() / DAY_MS) * DAY_MS, closedBefore(now)));
  const cached = funnelId !== undefined && !Object.values(q.filters).some((v) => v !== undefined) && from < to;
  const variant = JSON.stringify({
    steps: matchers.map((m) => [m.kind, m.match ?? 'exact', m.value, m.prop_key ?? null, m.prop_value ?? null]),
    window_ms: windowMs,
    bots: q.includeBots ?? false,
  });
  const key = sql`funnel_id = ${funnelId ?? ''} AND variant = md5(${variant})`;
  const missing = cached
    ? (await sql`
        SELECT d::date::text AS day FROM generate_series(${isoDay(from)}::date, ${isoDay(to - DAY_MS)}::date, interval '1 day') d
        WHERE NOT EXISTS (SELECT 1 FROM funnel_days WHERE ${key} AND day = d::date AND step = 0)`).map((r) => r.day as string)
    : [];
  const live = cached ? [{ ...q, to: new Date(from) }, { ...q, from: new Date(to) }].filter((r) => r.from < r.to) : [q];
  const parts: Fragment[] = live.map((r) => sql`SELECT step, sessions, deltas FROM (${funnelSummary(sql, r, matchers, windowMs, false)}) x`);
  if (cached) {
    // The days it misses, a week of them per statement, so each stays within a read's bound per statement.
    if (missing.length) await lockForFill(sql, q.siteId);
    for (const run of weekRuns(missing)) {
      const span = daySpan(q, run);
      // A day no session entered is kept too, as a step-0 row of 0, so it is not scanned again.
      await sql`
        INSERT INTO funnel_days (funnel_id, variant, site_id, day, step, sessions, deltas)
        WITH x AS (${funnelSummary(sql, span, matchers, windowMs, true)})
        SELECT ${funnelId!}, md5(${variant}), ${q.siteId}, day, step, sessions, deltas FROM x
        UNION ALL
        SELECT ${funnelId!}, md5(${variant}), ${q.siteId}, d::date, 0, 0, NULL
        FROM generate_series(${run[0]}::date, ${run[run.length - 1]}::date, interval '1 day') d
        WHERE NOT EXISTS (SELECT 1 FROM x WHERE x.day = d::date AND x.step = 0)
        ON CONFLICT DO NOTHING`;
    }
    parts.push(sql`SELECT step, sessions, deltas FROM funnel_days WHERE ${key} AND day >= ${isoDay(from)}::date AND day < ${isoDay(to)}::date`);
  }
  const union = parts.reduce((a, b) => sql`${a} UNION ALL ${b}`);
  const rows = await sql`
    WITH parts AS (${union})
    SELECT step, sum(sessions)::int AS sessions,
           (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY t) FROM parts o, unnest(o.deltas) t WHERE o.step = p.step) AS median
    FROM parts p GROUP BY step`;
  const by = new Map(rows.map((r) => [r.step as number, r]));
  const count = (k: number) => (by.get(k)?.sessions as number | undefined) ?? 0;
  const first = count(1);
  const out: FunnelStepNumbers[] = steps.map((m, k) => {
    const n = count(k + 1);
    const prev = k === 0 ? n : count(k);
    const median = k === 0 ? null : by.get(k + 1)?.median;
    return {
      step: k + 1,
      name: stepName(m),
      sessions: n,
      conversion_from_previous: k === 0 ? 1 : rate(n, prev),
      conversion_from_first: rate(n, first),
      median_ms_from_previous: median === null || median === undefined ? null : Math.round(Number(median)),
      dropped: prev - n,
    };
  });
  return { sessions: count(0), steps: out, bots_excluded: await botsLeftOut(sql, q) };
}

/** Sessions that reached step `step - 1` but not `step` (newest first), to watch where they left. */
export async function funnelDropoff(sql: Sql, q: RangeQuery, steps: Matcher[], windowMs: number | null, step: number, limit: number) {
  const rows = await sql`
    SELECT s.id, s.started_at, s.entry_page, s.exit_page, s.duration_ms, s.page_views, s.country, s.device, s.browser,
           s.rrweb_events > 0 AS has_replay, s.path, s.path_dropped
    FROM (${funnelLevels(sql, q, steps, windowMs)}) l JOIN sessions s ON s.id = l.id
    WHERE l.level = ${step - 1}
    ORDER BY s.started_at DESC, s.id DESC LIMIT ${limit}`;
  return rows.map(({ path, ...r }) => ({ ...(r as { id: string; [k: string]: unknown }), duration_ms: Number(r.duration_ms), path: decodePath(path as string) }));
}

/**
 * Top page journeys from an entry page (or to an exit page): each session's
 * page steps (the pages column, migrations/postgres/0056: events left out,
 * repeats collapsed), cut to the first (or last) `depth`, counted in
 * Postgres, most sessions first, ties in byte order of the steps. Sessions
 * past the path cap are left out of exit journeys (their last kept step is
 * not their exit).
 */
export async function journeys(sql: Sql, q: RangeQuery, anchor: { entry?: string; exit?: string }, depth: number, limit: number) {
  const exit = anchor.exit !== undefined;
  const steps = exit ? sql`pages[GREATEST(cardinality(pages) - ${depth}::int + 1, 1):cardinality(pages)]` : sql`pages[1:${depth}::int]`;
  const anchored = exit
    ? sql`s.exit_page = ${anchor.exit!} AND s.path_dropped = 0 AND path_keys(s.path) @> ARRAY[${`p${anchor.exit}`}::text]`
    : sql`s.entry_page = ${anchor.entry ?? '/'}`;
  const rows = await sql`
    SELECT to_json(steps) AS steps, sessions, sum(sessions) OVER ()::int AS total FROM (
      SELECT ${steps} AS steps, count(*)::int AS sessions FROM sessions s
      WHERE ${where(sql, q)} AND ${anchored} AND cardinality(pages) > 0
      GROUP BY 1) g
    ORDER BY sessions DESC, array_to_string(steps, E'\x1f') COLLATE "C" LIMIT ${limit}`;
  const sessions = rows.length ? (rows[0].total as number) : 0;
  const paths = rows.map((r) => ({ steps: r.steps as string[], sessions: r.sessions as number }));
  return { sessions, paths, other_sessions: sessions - paths.reduce((n, p) => n + p.sessions, 0), bots_excluded: await botsLeftOut(sql, q) };
}

/** Custom-event property values over whole UTC days, most frequent first ('(other)': values past the per-key bound). */
export async function eventProperties(sql: Sql, siteId: string, days: { from: string; to: string }, event: string | undefined, limit: number) {
  const rows = await sql`
    SELECT event, key, value, sum(events)::int AS events FROM prop_values_daily
    WHERE site_id = ${siteId} AND day >= ${days.from}::date AND day < ${days.to}::date
      ${event === undefined ? sql`` : sql`AND event = ${event}`}
    GROUP BY 1, 2, 3 HAVING sum(events) > 0 ORDER BY 4 DESC, 1, 2, 3 LIMIT ${limit}`;
  return rows as unknown as { event: string; key: string; value: string; events: number }[];
}
