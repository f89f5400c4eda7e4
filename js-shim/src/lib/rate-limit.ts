// Rate limits, through the Workers rate limiting bindings (wrangler.toml; they
// work under wrangler dev too), which count across isolates. Tracking: per
// site and client address (TRACK_LIMITER). Login hardening: sign-in,
// invitation acceptance, password changes and share unlocks, per client
// address and per account (AUTH_LIMITER), unlike Better Auth's own limiter.
import type { Context } from 'hono';
import type { AppBindings } from '../env';
import { ApiError } from '../errors';
import { sha256Hex } from './token';

/** The binding's period, in seconds: what Retry-After tells a refused client. */
export const AUTH_LIMIT_PERIOD_S = 60;

/** 429 with Retry-After when the client's address or the account is over its limit. */
export async function limitAuthAttempt(c: Context<AppBindings>, action: string, account: string | undefined): Promise<void> {
  const limiter = c.env.AUTH_LIMITER;
  if (!limiter) return;
  const ip = c.req.header('cf-connecting-ip') ?? 'local';
  const keys = [`${action}|ip|${ip}`];
  if (account) keys.push(`${action}|account|${await sha256Hex(account.trim().toLowerCase())}`);
  for (const key of keys) {
    const { success } = await limiter.limit({ key });
    if (!success) {
      throw new ApiError(429, 'rate_limited', 'Too many attempts; wait a minute and try again.', { 'Retry-After': String(AUTH_LIMIT_PERIOD_S) });
    }
  }
}

/** Refuses with 429 when this site + client address is over its rate. */
export async function limitTracking(c: Context<AppBindings>, siteId: string): Promise<void> {
  const limiter = c.env.TRACK_LIMITER;
  if (!limiter) return;
  const client = c.req.header('cf-connecting-ip') ?? c.req.header('x-forwarded-for')?.split(',')[0]?.trim() ?? 'unknown';
  const { success } = await limiter.limit({ key: `${siteId}|${client}` });
  if (!success) throw new ApiError(429, 'rate_limited', 'Too many requests from this client; retry in a minute.', { 'Retry-After': '60' });
}
