// Session tokens: `{site_id}.{base64url(HMAC-SHA256(secret, site_id|session_id|session_started_at))}`.
// A batch proves with it which site and session it belongs to, so ingest needs
// no database read, and a client cannot write into another session's (or
// another day's) R2 prefix: the prefix is derived from the signed start time.

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

export const SITE_ID = /^[A-Za-z0-9_-]{1,64}$/;

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    keys.set(secret, key);
  }
  return key;
}

function toBase64Url(bytes: ArrayBuffer): string {
  let s = '';
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function message(siteId: string, sessionId: string, startedAt: string): Uint8Array {
  return encoder.encode(`${siteId}|${sessionId}|${startedAt}`);
}

export async function signSessionToken(secret: string, siteId: string, sessionId: string, startedAt: string): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret), message(siteId, sessionId, startedAt));
  return `${siteId}.${toBase64Url(mac)}`;
}

/** The site the token was issued for, or null when it does not verify. */
export async function verifySessionToken(secret: string, token: string, sessionId: string, startedAt: string): Promise<string | null> {
  const dot = token.indexOf('.');
  if (dot <= 0) return null;
  const siteId = token.slice(0, dot);
  const text = token.slice(dot + 1);
  const mac = fromBase64Url(text);
  // Only the canonical encoding: unused low bits of the last character must
  // not give one MAC several spellings.
  if (!SITE_ID.test(siteId) || !mac || mac.length !== 32 || toBase64Url(mac.buffer as ArrayBuffer) !== text) return null;
  // subtle.verify compares in constant time.
  const ok = await crypto.subtle.verify('HMAC', await hmacKey(secret), mac, message(siteId, sessionId, startedAt));
  return ok ? siteId : null;
}

/** Random URL-safe id: 16 bytes → 22 characters, matching [A-Za-z0-9_-]. */
export function randomId(bytes = 16): string {
  const b = new Uint8Array(bytes);
  crypto.getRandomValues(b);
  return toBase64Url(b.buffer);
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * A visitor id that counts unique visitors without cookies or stored IPs:
 * a keyed hash of site, day, IP and User-Agent that changes every UTC day
 * (the approach Plausible documents). A bot's session hashes to another id
 * than a person's with the same address and browser: the rollups count a
 * visitor on its first session of the day, and that session being a bot's
 * (left out of analytics) must not take the person out of the visitor count.
 */
export async function dailyVisitorId(secret: string, siteId: string, day: string, ip: string, userAgent: string, isBot = false): Promise<string> {
  const kind = isBot ? 'bot' : 'visitor';
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(`${kind}|${siteId}|${day}|${ip}|${userAgent}`));
  return toBase64Url(mac).slice(0, 22);
}
