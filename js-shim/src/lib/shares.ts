// Shared read-only links. The link is `/share/<secret>`; the dashboard sends
// `Authorization: Share <secret>` with each read. A link with a password is
// first unlocked (POST /api/shares/unlock), which answers a pass
// `<secret>.<expiry>.<mac>` good for a day: the MAC (HMAC-SHA256 under a key
// derived from TOKEN_SECRET) binds the share's id and the expiry, so the
// password is checked once, not on every read. Revoking the link ends every
// pass at once (the share row is read on each request).
import type { Context } from 'hono';
import type { AppBindings, Principal } from '../env';
import { ApiError } from '../errors';
import { findShare, type ShareRow } from '../storage/pg-shares';
import { query } from './db';
import { sha256Hex } from './token';

export const SHARE_SECRET = /^shr_[A-Za-z0-9_-]{32}$/;
const PASS_TTL_MS = 24 * 3600_000;
const encoder = new TextEncoder();

async function passKey(secret: string): Promise<CryptoKey> {
  const material = await sha256Hex(`share-pass|${secret}`);
  return crypto.subtle.importKey('raw', encoder.encode(material), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A pass for an unlocked link: valid for a day. */
export async function sharePass(c: Context<AppBindings>, share: ShareRow, secret: string, now = Date.now()): Promise<string> {
  const expires = now + PASS_TTL_MS;
  const mac = await crypto.subtle.sign('HMAC', await passKey(c.env.TOKEN_SECRET), encoder.encode(`${share.id}|${expires}`));
  return `${secret}.${expires}.${hex(mac)}`;
}

async function passValid(c: Context<AppBindings>, share: ShareRow, expires: string, mac: string): Promise<boolean> {
  if (!/^\d{13}$/.test(expires) || Number(expires) < Date.now() || !/^[0-9a-f]{64}$/.test(mac)) return false;
  const bytes = new Uint8Array(mac.match(/../g)!.map((h) => parseInt(h, 16)));
  return crypto.subtle.verify('HMAC', await passKey(c.env.TOKEN_SECRET), bytes, encoder.encode(`${share.id}|${expires}`));
}

/** The live share a secret names, or 401. */
export async function shareBySecret(c: Context<AppBindings>, secret: string): Promise<ShareRow> {
  if (!SHARE_SECRET.test(secret)) throw new ApiError(401, 'unauthorized', 'This shared link is not valid.');
  const hash = await sha256Hex(secret);
  const share = await query(c, (sql) => findShare(sql, hash));
  if (!share) throw new ApiError(401, 'unauthorized', 'This shared link is not valid or was revoked.');
  return share;
}

/** `Authorization: Share <secret>` or `Share <pass>`: reads of one site. */
export async function sharePrincipal(c: Context<AppBindings>, value: string): Promise<Principal> {
  const [secret, expires, mac] = value.split('.');
  const share = await shareBySecret(c, secret);
  if (share.has_password && !(expires && mac && (await passValid(c, share, expires, mac)))) {
    throw new ApiError(401, 'password_required', 'This shared link needs its password: POST /api/shares/unlock.');
  }
  if (c.req.method !== 'GET' && c.req.method !== 'HEAD') throw new ApiError(403, 'forbidden', 'A shared link only reads.');
  return { kind: 'share', shareId: share.id, siteId: share.site_id, replays: share.replays, sites: [share.site_id] };
}
