// Abuse and fault limits on the ingest path: a per-site, per-client request
// rate, and a deadline on the R2 put a 2xx depends on.
import type { Context } from 'hono';
import type { AppBindings } from '../env';
import { ApiError } from '../errors';

/** Refuses with 429 when this site + client address is over its rate. */
export async function limitTracking(c: Context<AppBindings>, siteId: string): Promise<void> {
  const limiter = c.env.TRACK_LIMITER;
  if (!limiter) return;
  const client = c.req.header('cf-connecting-ip') ?? c.req.header('x-forwarded-for')?.split(',')[0]?.trim() ?? 'unknown';
  const { success } = await limiter.limit({ key: `${siteId}|${client}` });
  if (!success) throw new ApiError(429, 'rate_limited', 'Too many requests from this client; retry in a minute.', { 'Retry-After': '60' });
}

export const DEFAULT_R2_PUT_TIMEOUT_MS = 10_000;

/** Rejects when `work` has not settled within `ms` (the work itself is not cancelled). */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => timer !== null && clearTimeout(timer));
}
