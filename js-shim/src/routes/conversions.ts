// /api/conversions/*: goals, funnels, journeys and custom-event properties of
// a site, answered from the sessions' paths and the property rollup (never
// from events). Goals and funnels are saved per site; reads need a reader of
// the site, changes an owner or admin of its organisation.
import { Hono, type Context } from 'hono';
import type { GoalBreakdown, GoalBreakdownRow } from '../contract';
import { MAX_SESSION_STEPS } from '../core';
import type { AppBindings } from '../env';
import { ApiError } from '../errors';
import { assertOrgRole, assertSiteAccess, requireReader, requireUser } from '../lib/auth';
import { readJson } from '../lib/body';
import { query } from '../lib/db';
import { compareQuery, limitParam, rangeQuery } from '../lib/params';
import { parseMatcher, type Matcher } from '../lib/paths';
import { randomId, SITE_ID } from '../lib/token';
import * as q from '../storage/pg-conversions';
import { wholeDays } from '../storage/pg-analytics';
import { getSite } from '../storage/pg-sites';
import type { Sql } from '../storage/pg';
import type { RangeQuery } from '../storage/query';
import { read } from './analytics';

const BODY_LIMIT = 16 * 1024;
const MAX_GOALS = 50;
const MAX_FUNNELS = 50;
const MIN_STEPS = 2;
const MAX_STEPS = 8;
/** Longest funnel window: a session takes batches for 24 hours. */
const MAX_WINDOW_MS = 86_400_000;

const conversions = new Hono<AppBindings>();
conversions.use('*', requireReader);

/** Every answer says how long a session's path may be: steps past the cap are not in it. */
const capped = <T extends object>(body: T) => ({ ...body, path_cap: MAX_SESSION_STEPS });

function siteParam(c: Context<AppBindings>, value: unknown): string {
  if (typeof value !== 'string' || !SITE_ID.test(value)) throw new ApiError(400, 'bad_request', 'site_id is required.');
  assertSiteAccess(c, value);
  return value;
}

/** The site of a change, after checking the caller may change it (owner or admin). */
async function managedSite(c: Context<AppBindings>, siteId: string): Promise<string> {
  const site = await query(c, (sql) => getSite(sql, siteId));
  if (!site) throw new ApiError(404, 'not_found', `No site ${siteId}.`);
  assertOrgRole(c, site.organization_id, 'admin', siteId);
  return siteId;
}

function nameOf(body: Record<string, unknown>, fallback: string): string {
  const name = body.name === undefined || body.name === null || body.name === '' ? fallback : body.name;
  if (typeof name !== 'string' || name.length > 100) throw new ApiError(400, 'bad_request', 'name must be up to 100 characters.');
  return name.trim() || fallback;
}

function funnelBody(body: Record<string, unknown>): { name: string; steps: q.Funnel['steps']; windowMs: number | null } {
  if (!Array.isArray(body.steps) || body.steps.length < MIN_STEPS || body.steps.length > MAX_STEPS) {
    throw new ApiError(400, 'bad_request', `steps must list ${MIN_STEPS} to ${MAX_STEPS} steps.`);
  }
  const steps = body.steps.map((raw, k) => {
    const m = parseMatcher(raw, `steps[${k}]`);
    const label = (raw as Record<string, unknown>).name;
    return typeof label === 'string' && label.trim() ? { ...m, name: label.trim().slice(0, 100) } : m;
  });
  const w = body.window_ms;
  if (w !== undefined && w !== null && (!Number.isInteger(w) || (w as number) < 1000 || (w as number) > MAX_WINDOW_MS)) {
    throw new ApiError(400, 'bad_request', `window_ms must be 1000..${MAX_WINDOW_MS} (or null for none).`);
  }
  return { name: nameOf(body, steps.map((s) => s.value).join(' → ').slice(0, 100)), steps, windowMs: (w as number | undefined) ?? null };
}

// Goals: definitions.
conversions.get('/goals', async (c) => {
  const siteId = siteParam(c, c.req.query('site_id'));
  return c.json({ goals: await query(c, (sql) => q.listGoals(sql, siteId)) });
});
conversions.post('/goals', requireUser, async (c) => {
  const body = await readJson<Record<string, unknown>>(c.req.raw, BODY_LIMIT);
  const siteId = await managedSite(c, siteParam(c, body.site_id ?? c.req.query('site_id')));
  const m = parseMatcher(body, 'goal');
  const goal = await query(c, async (sql) => {
    if ((await q.listGoals(sql, siteId)).length >= MAX_GOALS) throw new ApiError(409, 'conflict', `A site has at most ${MAX_GOALS} goals.`);
    return q.insertGoal(sql, { id: randomId(9), siteId, name: nameOf(body, m.value), ...m });
  });
  return c.json({ goal }, 201);
});
conversions.patch('/goals/:id', requireUser, async (c) => {
  const body = await readJson<Record<string, unknown>>(c.req.raw, BODY_LIMIT);
  const siteId = await managedSite(c, siteParam(c, body.site_id ?? c.req.query('site_id')));
  const m = parseMatcher(body, 'goal');
  const goal = await query(c, (sql) => q.updateGoal(sql, siteId, c.req.param('id') ?? '', { name: nameOf(body, m.value), ...m }));
  if (!goal) throw new ApiError(404, 'not_found', 'No such goal.');
  return c.json({ goal });
});
conversions.delete('/goals/:id', requireUser, async (c) => {
  const siteId = await managedSite(c, siteParam(c, c.req.query('site_id')));
  if (!(await query(c, (sql) => q.deleteGoal(sql, siteId, c.req.param('id') ?? '')))) throw new ApiError(404, 'not_found', 'No such goal.');
  return c.body(null, 204);
});

// Goals: numbers. Conversions of each goal over the period (and the comparison period).
conversions.get('/goals/report', async (c) => {
  const range = rangeQuery(c);
  const previous = compareQuery(c, range);
  return c.json(capped(await read(c, true, async (sql) => {
    const goals = await q.listGoals(sql, range.siteId);
    const now = await q.goalTotals(sql, range, goals);
    return { ...now, compare: previous ? await q.goalTotals(sql, previous, goals) : null };
  })));
});
// ...and per value of breakdowns: dim = one of q.GOAL_BREAKDOWNS (entry_page, exit_page,
// referrer, utm_source/medium/campaign, country, device, browser, os, page), or dims = a
// comma list of up to four, answered in one request ({dims: {name: rows}}); goal=<id> for one goal.
const MAX_DIMS = 4;
const GOAL_ID = /^[A-Za-z0-9_-]{1,64}$/;

function breakdownDims(c: Context<AppBindings>): { dims: q.GoalBreakdownDim[]; many: boolean } {
  const one = c.req.query('dim');
  const many = c.req.query('dims');
  if (one !== undefined && many !== undefined) throw new ApiError(400, 'bad_request', 'Give dim or dims, not both.');
  const names = many !== undefined ? many.split(',') : [one ?? 'entry_page'];
  const known = q.GOAL_BREAKDOWNS as readonly string[];
  const unknown = names.find((d) => !known.includes(d));
  if (unknown !== undefined) throw new ApiError(400, 'bad_request', `${many !== undefined ? 'dims' : 'dim'} must name ${known.join(', ')}.`);
  if (new Set(names).size !== names.length || names.length > MAX_DIMS) {
    throw new ApiError(400, 'bad_request', `dims lists 1 to ${MAX_DIMS} different breakdowns.`);
  }
  return { dims: names as q.GoalBreakdownDim[], many: many !== undefined };
}

/** `goal=<id>`: one goal's numbers instead of every goal's (undefined: every goal). */
function goalParam(c: Context<AppBindings>): string | undefined {
  const id = c.req.query('goal');
  if (id !== undefined && !GOAL_ID.test(id)) throw new ApiError(400, 'bad_request', 'goal must be a goal id.');
  return id;
}

/** The site's goals, and those a read answers for: all of them, or the one `id` names (404 when the site has none by that id). */
async function goalsOf(sql: Sql, siteId: string, id: string | undefined): Promise<{ all: q.Goal[]; goals: q.Goal[] }> {
  const all = await q.listGoals(sql, siteId);
  if (id === undefined) return { all, goals: all };
  const goals = all.filter((g) => g.id === id);
  if (!goals.length) throw new ApiError(404, 'not_found', 'No such goal.');
  return { all, goals };
}

conversions.get('/goals/breakdown', async (c) => {
  const range = rangeQuery(c);
  const { dims, many } = breakdownDims(c);
  const goalId = goalParam(c);
  const limit = limitParam(c, 10, 250);
  return c.json(capped(await read(c, true, async (sql) => {
    const { all, goals } = await goalsOf(sql, range.siteId, goalId);
    const answers: Partial<Record<q.GoalBreakdownDim, GoalBreakdownRow[]>> = {};
    for (const dim of dims) {
      answers[dim] = dim === 'page' ? await q.goalPages(sql, range, goals, limit) : await q.goalBreakdown(sql, range, goals, dim, limit);
    }
    // The site's goals by name, so a client can offer the others beside the one it asked for.
    const named = { goal: goalId === undefined ? null : { id: goals[0].id, name: goals[0].name }, site_goals: all.map((g) => ({ id: g.id, name: g.name })) };
    return (many ? { ...named, dims: answers } : { ...named, dim: dims[0], rows: answers[dims[0]] }) satisfies Omit<GoalBreakdown, 'path_cap'>;
  })));
});

// Funnels: definitions.
conversions.get('/funnels', async (c) => {
  const siteId = siteParam(c, c.req.query('site_id'));
  return c.json({ funnels: await query(c, (sql) => q.listFunnels(sql, siteId)) });
});
conversions.post('/funnels', requireUser, async (c) => {
  const body = await readJson<Record<string, unknown>>(c.req.raw, BODY_LIMIT);
  const siteId = await managedSite(c, siteParam(c, body.site_id ?? c.req.query('site_id')));
  const f = funnelBody(body);
  const funnel = await query(c, async (sql) => {
    if ((await q.listFunnels(sql, siteId)).length >= MAX_FUNNELS) throw new ApiError(409, 'conflict', `A site has at most ${MAX_FUNNELS} funnels.`);
    return q.insertFunnel(sql, { id: randomId(9), siteId, ...f });
  });
  return c.json({ funnel }, 201);
});
conversions.patch('/funnels/:id', requireUser, async (c) => {
  const body = await readJson<Record<string, unknown>>(c.req.raw, BODY_LIMIT);
  const siteId = await managedSite(c, siteParam(c, body.site_id ?? c.req.query('site_id')));
  const funnel = await query(c, (sql) => q.updateFunnel(sql, siteId, c.req.param('id') ?? '', funnelBody(body)));
  if (!funnel) throw new ApiError(404, 'not_found', 'No such funnel.');
  return c.json({ funnel });
});
conversions.delete('/funnels/:id', requireUser, async (c) => {
  const siteId = await managedSite(c, siteParam(c, c.req.query('site_id')));
  if (!(await query(c, (sql) => q.deleteFunnel(sql, siteId, c.req.param('id') ?? '')))) throw new ApiError(404, 'not_found', 'No such funnel.');
  return c.body(null, 204);
});

/** A saved funnel (`funnel=<id>`), or one given in the query (`steps` as JSON, `window_ms`) to try before saving. */
async function funnelOf(c: Context<AppBindings>, range: RangeQuery): Promise<{ steps: q.Funnel['steps']; windowMs: number | null; funnel: q.Funnel | null }> {
  const id = c.req.query('funnel');
  if (id) {
    const funnel = await query(c, (sql) => q.getFunnel(sql, range.siteId, id));
    if (!funnel) throw new ApiError(404, 'not_found', 'No such funnel.');
    return { steps: funnel.steps, windowMs: funnel.window_ms, funnel };
  }
  let steps: unknown;
  try {
    steps = JSON.parse(c.req.query('steps') ?? '');
  } catch {
    throw new ApiError(400, 'bad_request', 'Name a saved funnel (funnel=<id>) or give steps as a JSON array.');
  }
  const w = c.req.query('window_ms');
  return { ...funnelBody({ steps, window_ms: w === undefined || w === '' ? null : Number(w) }), funnel: null };
}

// Funnels: numbers per step, for the period and the comparison period.
conversions.get('/funnels/report', async (c) => {
  const range = rangeQuery(c);
  const previous = compareQuery(c, range);
  const { steps, windowMs, funnel } = await funnelOf(c, range);
  return c.json(capped(await read(c, true, async (sql) => ({
    funnel,
    window_ms: windowMs,
    ...(await q.funnelReport(sql, range, steps, windowMs, funnel?.id)),
    compare: previous ? await q.funnelReport(sql, previous, steps, windowMs, funnel?.id) : null,
  }))));
});
// The sessions that reached step - 1 but not `step`, each with its path and a link to
// its replay (which, like the session list, a shared link without replays cannot open).
conversions.get('/funnels/dropoff', async (c) => {
  const range = rangeQuery(c);
  const { steps, windowMs } = await funnelOf(c, range);
  const step = Number(c.req.query('step'));
  if (!Number.isInteger(step) || step < 2 || step > steps.length) throw new ApiError(400, 'bad_request', `step must be 2..${steps.length}.`);
  const limit = limitParam(c, 50, 200);
  const sessions = await read(c, true, (sql) => q.funnelDropoff(sql, range, steps as Matcher[], windowMs, step, limit));
  return c.json(capped({ step, sessions: sessions.map((s) => ({ ...s, replay_url: `/app/sessions/${s.id}` })) }));
});

// Journeys: top page paths from an entry page (entry=) or to an exit page (exit=), depth 3..5.
conversions.get('/journeys', async (c) => {
  const range = rangeQuery(c);
  const entry = c.req.query('entry');
  const exit = c.req.query('exit');
  if (entry !== undefined && exit !== undefined) throw new ApiError(400, 'bad_request', 'Give entry or exit, not both.');
  for (const p of [entry, exit]) {
    if (p !== undefined && (!p.startsWith('/') || p.length > 512)) throw new ApiError(400, 'bad_request', 'entry and exit are page paths starting with /.');
  }
  const depth = Number(c.req.query('depth') ?? 4);
  if (!Number.isInteger(depth) || depth < 3 || depth > 5) throw new ApiError(400, 'bad_request', 'depth must be 3..5.');
  const limit = limitParam(c, 20, 100);
  const anchor = exit !== undefined ? { exit } : { entry: entry ?? '/' };
  return c.json(capped({ ...anchor, depth, ...(await read(c, true, (sql) => q.journeys(sql, range, anchor, depth, limit))) }));
});

// Custom-event properties (whole UTC days of the range), most frequent values first.
conversions.get('/properties', async (c) => {
  const range = rangeQuery(c);
  const days = wholeDays(range) ?? { from: range.from.toISOString().slice(0, 10), to: new Date(range.to.getTime() + 86_399_999).toISOString().slice(0, 10) };
  const event = c.req.query('event') || undefined;
  const limit = limitParam(c, 50, 500);
  return c.json({ properties: await query(c, (sql) => q.eventProperties(sql, range.siteId, days, event, limit)) });
});

export default conversions;
