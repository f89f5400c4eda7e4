// Who may call what. Read APIs take a dashboard login (Better Auth session
// cookie), `Authorization: Bearer <api token>`, or `Authorization: Share
// <shared link>`; each resolves to a principal carrying every site it may
// read. assertSiteAccess is the ONE check a read route makes: a site the
// caller may not see answers 404, as if it did not exist.
//
// Users see the sites of their organisations (all, or those their membership
// is narrowed to); the instance admin (user role admin) sees every site. API
// tokens read their organisation's sites (or those they are narrowed to);
// shared links one site. API tokens are stored as SHA-256 hashes; a verified
// token is remembered by this isolate for a minute so a dashboard's burst of
// calls costs one read (a revoked token, or a site it newly covers, may so
// lag by up to a minute).
import type { Context, Next } from 'hono';
import type { AppBindings, Membership, OrgRole, Principal } from '../env';
import { ApiError } from '../errors';
import { findTokenGrant, membershipsOf, type TokenGrant } from '../storage/pg-access';
import { authFor, hasSessionCookie } from './accounts';
import { query } from './db';
import { sharePrincipal } from './shares';
import { sha256Hex } from './token';

const TTL_MS = 60_000;
const known = new Map<string, { grant: TokenGrant | null; at: number }>();

/** Drops a revoked token from this isolate's memory at once. */
export function forgetToken(tokenId: string): void {
  for (const [hash, entry] of known) if (entry.grant?.id === tokenId) known.delete(hash);
}

async function tokenPrincipal(c: Context<AppBindings>, token: string): Promise<Principal> {
  const hash = await sha256Hex(token);
  const now = Date.now();
  let entry = known.get(hash);
  if (!entry || now - entry.at > TTL_MS) {
    const grant = await query(c, (sql) => findTokenGrant(sql, hash));
    entry = { grant, at: now };
    known.set(hash, entry);
  }
  if (!entry.grant) throw new ApiError(401, 'unauthorized', 'The API token is not valid.');
  return { kind: 'token', tokenId: entry.grant.id, organizationId: entry.grant.organization_id, sites: entry.grant.sites };
}

function originOf(url: string | undefined): string | null {
  try {
    return url ? new URL(url).origin : null;
  } catch {
    return null;
  }
}

async function userPrincipal(c: Context<AppBindings>): Promise<Principal> {
  const found = await query(c, async () => (await authFor(c)).api.getSession({ headers: c.req.raw.headers }));
  if (!found) throw new ApiError(401, 'unauthorized', 'The login has expired or was revoked; log in again.');
  const user = found.user as typeof found.user & { role?: string | null; banned?: boolean | null; banExpires?: Date | null };
  // Banning revokes every session; this catches a ban set by other means.
  if (user.banned && !(user.banExpires && new Date(user.banExpires).getTime() < Date.now())) {
    throw new ApiError(403, 'banned', 'This account is banned.');
  }
  // A cookie rides along on cross-site requests; a change needs our own Origin.
  const method = c.req.method;
  if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') {
    if (originOf(c.req.header('origin') ?? c.req.header('referer')) !== new URL(c.req.url).origin) {
      throw new ApiError(403, 'forbidden', 'A logged-in change must come from this origin (send an Origin header).');
    }
  }
  const role = user.role ?? 'user';
  const instanceAdmin = role.split(',').some((r) => r.trim() === 'admin');
  const { memberships, sites } = await query(c, (sql) => membershipsOf(sql, user.id));
  return { kind: 'user', userId: user.id, email: user.email, role, instanceAdmin, memberships, sites: instanceAdmin ? null : sites };
}

async function authenticate(c: Context<AppBindings>): Promise<Principal> {
  const header = c.req.header('authorization');
  if (header) {
    const share = /^Share\s+(\S+)$/i.exec(header);
    if (share) return sharePrincipal(c, share[1]);
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new ApiError(401, 'unauthorized', 'Send Authorization: Bearer <api token>.');
    return tokenPrincipal(c, match[1]);
  }
  if (hasSessionCookie(c.req.raw)) return userPrincipal(c);
  throw new ApiError(401, 'unauthorized', 'Log in, or send Authorization: Bearer <api token>.');
}

/** Read APIs: a login, an API token or a shared link. */
export async function requireReader(c: Context<AppBindings>, next: Next) {
  c.set('principal', await authenticate(c));
  await next();
}

/** Facts about the instance (deployments): a login or an API token, not a shared link. */
export async function requireLoginOrToken(c: Context<AppBindings>, next: Next) {
  const p = await authenticate(c);
  if (p.kind === 'share') throw new ApiError(403, 'forbidden', 'A shared link reads its site only.');
  c.set('principal', p);
  await next();
}

/** Management APIs: a login (what it may manage is checked per organisation). */
export async function requireUser(c: Context<AppBindings>, next: Next) {
  const p = await authenticate(c);
  if (p.kind !== 'user') throw new ApiError(403, 'forbidden', 'This needs a login; API tokens and shared links only read.');
  c.set('principal', p);
  await next();
}

/** Instance administration (/api/admin/*, organisations): a login whose user has role admin. */
export async function requireAdmin(c: Context<AppBindings>, next: Next) {
  const p = await authenticate(c);
  if (p.kind !== 'user' || !p.instanceAdmin) throw new ApiError(403, 'forbidden', 'This needs an admin login.');
  c.set('principal', p);
  await next();
}

function principalOf(c: Context<AppBindings>): Principal {
  const p = c.get('principal');
  if (!p) throw new ApiError(401, 'unauthorized', 'Log in first.');
  return p;
}

/** Every site the caller may read; null for every site (the instance admin). */
export function visibleSites(c: Context<AppBindings>): string[] | null {
  return principalOf(c).sites;
}

/**
 * THE site check of every read route, replay and export: 404 when the caller
 * may not see the site, so it cannot learn that the site exists.
 */
export function assertSiteAccess(c: Context<AppBindings>, siteId: string): void {
  const sites = visibleSites(c);
  if (sites && !sites.includes(siteId)) throw new ApiError(404, 'not_found', `No site ${siteId}.`);
}

/** Replays (and raw events): a shared link only when its owner ticked replays. */
export function assertReplayAccess(c: Context<AppBindings>): void {
  const p = principalOf(c);
  if (p.kind === 'share' && !p.replays) throw new ApiError(403, 'forbidden', 'This shared link does not include replays.');
}

const RANK: Record<OrgRole, number> = { viewer: 0, admin: 1, owner: 2 };

/** The caller's membership of an organisation (instance admin: as an owner of every one). */
export function membershipOf(c: Context<AppBindings>, organizationId: string): Membership | null {
  const p = principalOf(c);
  if (p.kind !== 'user') return null;
  if (p.instanceAdmin) return { organizationId, role: 'owner', siteIds: null };
  return p.memberships.find((m) => m.organizationId === organizationId) ?? null;
}

/**
 * Management of an organisation (its members, tokens, invitations, sites):
 * 404 when the caller is not in it, 403 below `role`. With `siteId`, a member
 * narrowed to that site may manage it; without, only an unnarrowed one.
 */
export function assertOrgRole(c: Context<AppBindings>, organizationId: string, role: OrgRole, siteId?: string): Membership {
  const m = membershipOf(c, organizationId);
  if (!m) throw new ApiError(404, 'not_found', `No organisation ${organizationId}.`);
  const covers = m.siteIds === null || (siteId !== undefined && m.siteIds.includes(siteId));
  if (RANK[m.role] < RANK[role] || !covers) throw new ApiError(403, 'forbidden', `This needs the ${role} role in this organisation${siteId ? ' for this site' : ''}.`);
  return m;
}

/** The organisations the caller manages at `role` (null: every one, for the instance admin). */
export function managedOrganizations(c: Context<AppBindings>, role: OrgRole = 'admin'): string[] | null {
  const p = principalOf(c);
  if (p.kind !== 'user') return [];
  if (p.instanceAdmin) return null;
  return p.memberships.filter((m) => RANK[m.role] >= RANK[role] && m.siteIds === null).map((m) => m.organizationId);
}

/** The audit log's name for the caller. */
export function actorOf(c: Context<AppBindings>): { kind: 'user' | 'token' | 'share'; id: string } {
  const p = principalOf(c);
  return p.kind === 'user' ? { kind: 'user', id: p.userId } : p.kind === 'token' ? { kind: 'token', id: p.tokenId } : { kind: 'share', id: p.shareId };
}
