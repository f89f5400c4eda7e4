// Read APIs need a dashboard login or `Authorization: Bearer <api token>`.
// API tokens are stored as SHA-256 hashes; a verified token is remembered by
// this isolate for a minute so a dashboard's burst of calls costs one read.
import type { Context, Next } from 'hono';
import type { AppBindings } from '../env';
import { ApiError } from '../errors';
import { findApiToken } from '../storage/pg';
import { query } from './db';
import { sha256Hex } from './token';

const TTL_MS = 60_000;
const known = new Map<string, { principal: { id: string; site_id: string | null } | null; at: number }>();

export async function requireReader(c: Context<AppBindings>, next: Next) {
  const header = c.req.header('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new ApiError(401, 'unauthorized', 'Log in, or send Authorization: Bearer <api token>.');
  const hash = await sha256Hex(match[1]);
  const now = Date.now();
  let entry = known.get(hash);
  if (!entry || now - entry.at > TTL_MS) {
    const principal = await query(c, (sql) => findApiToken(sql, hash));
    entry = { principal, at: now };
    known.set(hash, entry);
  }
  if (!entry.principal) throw new ApiError(401, 'unauthorized', 'The API token is not valid.');
  c.set('principal', { kind: 'token', tokenId: entry.principal.id, siteId: entry.principal.site_id });
  await next();
}

/** Throws 403 when the caller may not read this site. */
export function assertSiteAccess(c: Context<AppBindings>, siteId: string): void {
  const p = c.get('principal');
  if (!p) throw new ApiError(401, 'unauthorized', 'Log in first.');
  if (p.siteId && p.siteId !== siteId) throw new ApiError(403, 'forbidden', 'This token may not read that site.');
}
