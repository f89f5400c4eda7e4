// Login hardening: sign-in, invitation acceptance, password changes and share
// unlocks are limited per client address and per account through the Workers
// rate limiting binding AUTH_LIMITER (wrangler.toml; it works under wrangler
// dev too), which counts across isolates, unlike Better Auth's own limiter.
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
