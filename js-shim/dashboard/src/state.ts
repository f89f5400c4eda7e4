// What the analytics views show lives in the URL (site, range, comparison and
// filters), so every view is a link that can be shared, reloaded or opened in
// a new tab. Days are UTC days, as the API counts them. Pure functions: the
// dashboard's unit tests run them in Node.
export const FILTERS = ['page', 'country', 'device', 'browser', 'os', 'source'] as const;
export type FilterName = (typeof FILTERS)[number];
export type Filters = Partial<Record<FilterName, string>>;

export const RANGES = ['today', '7d', '30d', 'custom'] as const;
export type RangeKey = (typeof RANGES)[number];

export const FILTER_LABELS: Record<FilterName, string> = {
  page: 'Entry page',
  country: 'Country',
  device: 'Device',
  browser: 'Browser',
  os: 'OS',
  source: 'Source',
};

export interface ViewQuery {
  site: string | null;
  range: RangeKey;
  /** Inclusive YYYY-MM-DD bounds; only read for a custom range. */
  from: string | null;
  to: string | null;
  compare: boolean;
  filters: Filters;
  /** The goal whose conversions the breakdowns and the overview show (a goal id), or null. */
  goal: string | null;
  /** Count bot and automation sessions in (`bots=1`; the API's include_bots). */
  bots: boolean;
}

export interface DayRange {
  /** Inclusive first and last UTC day, YYYY-MM-DD. */
  from: string;
  to: string;
  days: number;
}

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
export const MAX_DAYS = 400;

export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const addDays = (day: string, n: number) => dayOf(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS);
export const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
const validDay = (d: string | null): d is string => Boolean(d && DATE.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`)));

export function readQuery(search: string | URLSearchParams): ViewQuery {
  const p = typeof search === 'string' ? new URLSearchParams(search) : search;
  const range = (RANGES as readonly string[]).includes(p.get('range') ?? '') ? (p.get('range') as RangeKey) : '7d';
  const filters: Filters = {};
  for (const name of FILTERS) {
    const v = p.get(name);
    if (v) filters[name] = v;
  }
  return { site: p.get('site'), range, from: p.get('from'), to: p.get('to'), compare: p.get('compare') !== 'off', filters, bots: p.get('bots') === '1', goal: p.get('goal') || null };
}

/** The days a query covers; a custom range that does not parse falls back to the last 7 days. */
export function resolveRange(q: ViewQuery, today: string): DayRange {
  let from: string;
  let to = today;
  if (q.range === 'today') from = today;
  else if (q.range === '30d') from = addDays(today, -29);
  else if (q.range === 'custom' && validDay(q.from) && validDay(q.to)) {
    [from, to] = q.from <= q.to ? [q.from, q.to] : [q.to, q.from];
    if (daysBetween(from, to) >= MAX_DAYS) from = addDays(to, -(MAX_DAYS - 1));
  } else from = addDays(today, -6);
  return { from, to, days: daysBetween(from, to) + 1 };
}

/** The period of the same length just before. */
export function previousRange(r: DayRange): DayRange {
  return { from: addDays(r.from, -r.days), to: addDays(r.from, -1), days: r.days };
}

/** Query parameters for the /analytics APIs; `bots` asks for bot sessions too (include_bots=1). */
export function apiParams(site: string, r: DayRange, filters: Filters, extra: Record<string, string | number> = {}, bots = false): string {
  const p = new URLSearchParams({ site_id: site, from: r.from, to: r.to });
  for (const name of FILTERS) if (filters[name]) p.set(name, filters[name]!);
  if (bots) p.set('include_bots', '1');
  for (const [k, v] of Object.entries(extra)) p.set(k, String(v));
  return p.toString();
}

/** Every day of a range, in order. */
export function daysOf(r: DayRange): string[] {
  return Array.from({ length: r.days }, (_, i) => addDays(r.from, i));
}

/**
 * A URL with some query parameters changed (null removes one). Parameters
 * that only make sense on one view (cursor, t) are dropped unless kept.
 */
export function withParams(path: string, search: string, changes: Record<string, string | null>): string {
  const p = new URLSearchParams(search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === '') p.delete(k);
    else p.set(k, v);
  }
  const s = p.toString();
  return s ? `${path}?${s}` : path;
}

/** The parameters that carry over from one analytics view to another (the goal too: it is the site's, like the filters). */
export function sharedParams(search: string): string {
  const from = new URLSearchParams(search);
  const keep = new URLSearchParams();
  for (const k of ['site', 'range', 'from', 'to', 'compare', 'bots', 'goal', ...FILTERS]) {
    const v = from.get(k);
    if (v) keep.set(k, v);
  }
  return keep.toString();
}

/** Relative change from `before` to `now`; null when there is nothing to compare with. */
export function change(now: number, before: number | undefined): number | null {
  if (before === undefined || !Number.isFinite(before) || !Number.isFinite(now)) return null;
  if (before === 0) return now === 0 ? 0 : null;
  return (now - before) / before;
}
