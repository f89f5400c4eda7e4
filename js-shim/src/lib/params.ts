// Query-string parsing for read routes: site, date range and filters.
import { DAY_MS } from './days';
import type { Context } from 'hono';
import type { AppBindings } from '../env';
import { ApiError } from '../errors';
import { decodeCursor, SESSION_SORTS, type Filters, type ListQuery, type RangeQuery, type SessionSort } from '../storage/query';
import { assertSiteAccess } from './auth';
import { SITE_ID } from './token';

const MAX_RANGE_DAYS = 400;

function parseTime(value: string, name: string, endOfDay: boolean): Date {
  // A bare date means the whole day: from its start, or to the next day's start.
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const d = new Date(`${value}T00:00:00.000Z`);
    if (!Number.isNaN(d.getTime())) return endOfDay ? new Date(d.getTime() + DAY_MS) : d;
  } else {
    const d = new Date(value);
    if (!Number.isNaN(d.getTime()) && /^\d{4}-\d{2}-\d{2}T/.test(value)) return d;
  }
  throw new ApiError(400, 'bad_request', `${name} must be YYYY-MM-DD or an ISO 8601 time.`);
}

/**
 * The optional comparison period of a combined read (`compare_from`,
 * `compare_to`, both or neither), with the same site and filters as `range`.
 */
export function compareQuery(c: Context<AppBindings>, range: RangeQuery): RangeQuery | null {
  const fromText = c.req.query('compare_from');
  const toText = c.req.query('compare_to');
  if (!fromText && !toText) return null;
  if (!fromText || !toText) throw new ApiError(400, 'bad_request', 'compare_from and compare_to go together.');
  const from = parseTime(fromText, 'compare_from', false);
  const to = parseTime(toText, 'compare_to', true);
  if (from >= to) throw new ApiError(400, 'bad_request', 'compare_from must be before compare_to.');
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) throw new ApiError(400, 'bad_request', `A range spans at most ${MAX_RANGE_DAYS} days.`);
  return { ...range, from, to };
}

/**
 * A batch is accepted up to 24 hours (and 5 minutes of clock skew) after its
 * session started, so rollups of days that ended before this are final.
 */
export function closedBefore(now: number): number {
  const settled = now - DAY_MS - 5 * 60_000;
  return settled - (settled % DAY_MS);
}

export function rangeQuery(c: Context<AppBindings>): RangeQuery {
  const siteId = c.req.query('site_id');
  if (!siteId || !SITE_ID.test(siteId)) throw new ApiError(400, 'bad_request', 'site_id is required.');
  assertSiteAccess(c, siteId);
  const toText = c.req.query('to');
  const fromText = c.req.query('from');
  // Default: the last 7 UTC days, today included.
  const now = Date.now();
  const to = toText ? parseTime(toText, 'to', true) : new Date(now - (now % DAY_MS) + DAY_MS);
  const from = fromText ? parseTime(fromText, 'from', false) : new Date(to.getTime() - 7 * DAY_MS);
  if (from >= to) throw new ApiError(400, 'bad_request', 'from must be before to.');
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) throw new ApiError(400, 'bad_request', `A range spans at most ${MAX_RANGE_DAYS} days.`);
  const filters: Filters = {};
  for (const name of ['page', 'country', 'device', 'browser', 'os', 'source'] as const) {
    const v = c.req.query(name);
    if (v) filters[name] = v.slice(0, 512);
  }
  return { siteId, from, to, filters, includeBots: boolParam(c, 'include_bots') };
}

/** A yes/no query parameter: 1/true or 0/false, absent is false. */
export function boolParam(c: Context<AppBindings>, name: string): boolean {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new ApiError(400, 'bad_request', `${name} must be 1 or 0.`);
}

export function limitParam(c: Context<AppBindings>, fallback: number, max: number): number {
  const raw = c.req.query('limit');
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ApiError(400, 'bad_request', `limit must be 1..${max}.`);
  return n;
}

export function listQuery(c: Context<AppBindings>): ListQuery {
  const range = rangeQuery(c);
  const sort = (c.req.query('sort') ?? 'started_at') as SessionSort;
  if (!SESSION_SORTS.includes(sort)) throw new ApiError(400, 'bad_request', `sort must be one of ${SESSION_SORTS.join(', ')}.`);
  const cursor = c.req.query('cursor');
  const after = cursor ? decodeCursor(cursor) : undefined;
  if (cursor && !after) throw new ApiError(400, 'bad_request', 'cursor is not valid.');
  return { ...range, sort, limit: limitParam(c, 50, 200), after };
}
