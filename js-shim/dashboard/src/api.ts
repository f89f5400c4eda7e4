// The dashboard's calls to the Worker: same origin, the login cookie, JSON in
// and out. GET answers are kept for a few seconds, so going back to a view or
// switching the chart's metric does not ask again.
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const CACHE_MS = 15_000;
const cache = new Map<string, { at: number; value: Promise<unknown> }>();

/** Called when an answer says the login is gone. */
let onUnauthorized: () => void = () => {};
export function whenUnauthorized(fn: () => void): void {
  onUnauthorized = fn;
}

async function errorOf(res: Response): Promise<HttpError> {
  let code = 'http_error';
  let message = `The server answered ${res.status}.`;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string }; message?: string; code?: string };
    code = body.error?.code ?? body.code ?? code;
    message = body.error?.message ?? body.message ?? message;
  } catch {
    /* not JSON: keep the status line */
  }
  return new HttpError(res.status, code, message);
}

export interface CallOptions {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
  /** GETs only: false skips the short cache (live numbers). */
  cache?: boolean;
}

export async function call<T>(path: string, opts: CallOptions = {}): Promise<T> {
  const method = opts.method ?? 'GET';
  if (method === 'GET' && opts.cache !== false) {
    const hit = cache.get(path);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.value as Promise<T>;
    const value = send<T>(path, opts);
    cache.set(path, { at: Date.now(), value });
    value.catch(() => cache.delete(path));
    return value;
  }
  const result = await send<T>(path, opts);
  if (method !== 'GET') cache.clear(); // a change may show up anywhere
  return result;
}

/**
 * A shared read-only link's pass (kept for this tab): every call then reads
 * as the link (`Authorization: Share …`) instead of as a login.
 */
const SHARE_KEY = 'edgereplay.share';
export function sharePass(): string | null {
  return sessionStorage.getItem(SHARE_KEY);
}
export function setSharePass(pass: string | null): void {
  if (pass) sessionStorage.setItem(SHARE_KEY, pass);
  else sessionStorage.removeItem(SHARE_KEY);
  cache.clear();
}

async function send<T>(path: string, opts: CallOptions): Promise<T> {
  const method = opts.method ?? 'GET';
  const headers: Record<string, string> = {};
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const pass = sharePass();
  if (pass && !path.startsWith('/api/auth/')) headers.authorization = `Share ${pass}`;
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers,
    body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
    signal: opts.signal,
  });
  if (res.status === 401 && !path.startsWith('/api/auth/')) onUnauthorized();
  if (!res.ok) throw await errorOf(res);
  const type = res.headers.get('content-type') ?? '';
  // application/json, not application/x-ndjson (a replay's events).
  return (/^application\/(?:[\w.-]+\+)?json\b/.test(type) ? await res.json() : await res.text()) as T;
}

export function clearCache(): void {
  cache.clear();
}

// ------------------------------------------------------------------ shapes

export interface User {
  id: string;
  email: string;
  name: string;
  role?: string | null;
}

export type OrgRole = 'owner' | 'admin' | 'viewer';

export interface Org {
  id: string;
  name: string;
  slug: string;
  /** The caller's role in it (null: the instance admin, who is not a member). */
  role: OrgRole | null;
  /** The sites the membership is narrowed to (null: every site). */
  site_ids: string[] | null;
}

export type { Site } from '../../src/contract';

export interface Overview {
  sessions: number;
  visitors: number;
  page_views: number;
  events: number;
  clicks: number;
  avg_duration_ms: number;
  bounce_rate: number;
  avg_scroll_percent: number;
  /** Bot and automation sessions the period's filters match that were left out (0 with include_bots). */
  bots_excluded: number;
}

export interface Day {
  day: string;
  sessions: number;
  visitors: number;
  page_views: number;
  events: number;
  avg_duration_ms: number;
}

/** GET /analytics/totals: a period's totals and days, and the comparison period's. */
export interface Totals {
  overview: Overview;
  days: Day[];
  previous: { overview: Overview; days: Day[] } | null;
}

/** GET /analytics/top: the top of each list the overview shows. */
export interface Top {
  pages: { path: string; page_views: number }[];
  referrers: Row[];
  countries: Row[];
  devices: Row[];
}

export interface Row {
  value: string;
  sessions: number;
  visitors?: number;
}

/** A row of the session list. */
export type { SessionSummary } from '../../src/contract';

export const isAdmin = (u: User | null) => Boolean(u?.role?.split(',').some((r) => r.trim() === 'admin'));
