// /api/sites: the sites a snippet can point at, each owned by an
// organisation. Whoever may read sees the sites they may read; an owner or
// admin of the organisation creates, edits and deletes them, and makes shared
// read-only links to them. Every change refreshes the D1 cache ingest reads from.
import { Hono, type Context } from 'hono';
import type { AppBindings } from '../env';
import { MAX_BOT_PATTERN_CHARS, MAX_BOT_PATTERNS, MAX_FORM_BYTES } from '../contract';
import { ApiError } from '../errors';
import { authFor } from '../lib/accounts';
import { actorOf, assertOrgRole, assertSiteAccess, managedOrganizations, requireReader, requireUser, visibleSites } from '../lib/auth';
import { readJson } from '../lib/body';
import { query } from '../lib/db';
import { bool, number, text, type Body } from '../lib/fields';
import { randomId, sha256Hex, SITE_ID } from '../lib/token';
import { dropSite, refreshSite } from '../services/site-config';
import { clearStorage } from '../services/clear';
import { deleteSite, getSite, insertSite, listSites, updateSite, type SiteFields, type SiteRow } from '../storage/pg-sites';
import { insertAudit } from '../storage/pg-storage';
import { insertShare, listShares, revokeShare } from '../storage/pg-shares';

const BODY_LIMIT = 16 * 1024;
const MAX_ORIGINS = 50;

/** A bare host name, or a URL whose host is taken. */
function domainOf(value: string): string {
  const host = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? safeHost(value) : value.toLowerCase();
  if (!host || !/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(host)) {
    throw new ApiError(400, 'bad_request', 'domain must be a host name such as example.com.');
  }
  return host;
}

function safeHost(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/** Full origins (https://app.example.com), bare hosts (localhost) or '*'. */
function originsOf(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > MAX_ORIGINS) throw new ApiError(400, 'bad_request', `allowed_origins must be a list of at most ${MAX_ORIGINS} origins.`);
  return value.map((o) => {
    if (typeof o !== 'string' || o.length > 200) throw new ApiError(400, 'bad_request', 'Each allowed origin must be a string.');
    if (o === '*') return o;
    if (o.includes('://')) {
      let origin: string | null = null;
      try {
        origin = new URL(o).origin;
      } catch {
        /* reported below */
      }
      if (origin !== o.replace(/\/$/, '')) throw new ApiError(400, 'bad_request', `${o} is not an origin (scheme://host[:port]).`);
      return origin;
    }
    return domainOf(o);
  });
}

/**
 * The site's own bot patterns: User-Agent substrings, matched ignoring case.
 * Bounded (ingest tests each new session against all of them), without
 * control characters (no User-Agent carries them) and not blank (a blank one
 * would match every visitor); repeats, ignoring case, are kept once.
 */
function botPatternsOf(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new ApiError(400, 'bad_request', 'bot_patterns must be a list of strings.');
  if (value.length > MAX_BOT_PATTERNS) throw new ApiError(400, 'bad_request', `bot_patterns holds at most ${MAX_BOT_PATTERNS} patterns (got ${value.length}).`);
  const seen = new Set<string>();
  const out: string[] = [];
  value.forEach((p, i) => {
    if (typeof p !== 'string') throw new ApiError(400, 'bad_request', `bot_patterns[${i}] must be a string.`);
    if (!p.trim() || p.length > MAX_BOT_PATTERN_CHARS) {
      throw new ApiError(400, 'bad_request', `bot_patterns[${i}] must be 1 to ${MAX_BOT_PATTERN_CHARS} characters, not only spaces.`);
    }
    if (/[\u0000-\u001f\u007f]/.test(p)) throw new ApiError(400, 'bad_request', `bot_patterns[${i}] contains a control character.`);
    if (seen.has(p.toLowerCase())) return;
    seen.add(p.toLowerCase());
    out.push(p);
  });
  return out;
}

/** The body's fields over a base (defaults for a new site, the row for an edit). */
function siteFields(body: Body, base: SiteFields): SiteFields {
  const domain = text(body, 'domain', { max: 253 });
  return {
    name: text(body, 'name', { max: 100 }) ?? (domain && base.name === base.domain ? domainOf(domain) : base.name),
    domain: domain ? domainOf(domain) : base.domain,
    allowed_origins: originsOf(body.allowed_origins) ?? base.allowed_origins,
    replay_enabled: bool(body, 'replay_enabled') ?? base.replay_enabled,
    replay_sample_rate: number(body, 'replay_sample_rate', 0, 1) ?? base.replay_sample_rate,
    retention_days: number(body, 'retention_days', 1, 3650, true) ?? base.retention_days,
    respect_dnt: bool(body, 'respect_dnt') ?? base.respect_dnt,
    bot_patterns: botPatternsOf(body.bot_patterns) ?? base.bot_patterns ?? [],
  };
}

function siteId(c: Context<AppBindings>): string {
  const id = c.req.param('id') ?? '';
  if (!SITE_ID.test(id)) throw new ApiError(400, 'bad_request', 'A site id matches [A-Za-z0-9_-]{1,64}.');
  return id;
}

/** A site the caller may see (404 otherwise, as if it did not exist). */
async function existing(c: Context<AppBindings>, id: string): Promise<SiteRow> {
  assertSiteAccess(c, id);
  const site = await query(c, (sql) => getSite(sql, id));
  if (!site) throw new ApiError(404, 'not_found', `No site ${id}.`);
  return site;
}

const sites = new Hono<AppBindings>();

/** ?organization_id= narrows the list to one organisation's sites. */
sites.get('/', requireReader, async (c) => {
  const org = c.req.query('organization_id');
  if (org !== undefined && !SITE_ID.test(org)) throw new ApiError(400, 'bad_request', 'organization_id is not valid.');
  return c.json({ sites: await query(c, (sql) => listSites(sql, visibleSites(c), org)) });
});

sites.get('/:id', requireReader, async (c) => {
  const id = siteId(c);
  return c.json({ site: await existing(c, id) });
});

/** The organisation a new site goes to: the one named, or the caller's only one. */
function organizationFor(c: Context<AppBindings>, body: Body): string {
  const named = text(body, 'organization_id', { max: 64, pattern: SITE_ID });
  if (named) return named;
  const managed = managedOrganizations(c);
  if (managed === null) return 'default';
  if (managed.length === 1) return managed[0];
  if (managed.length === 0) throw new ApiError(403, 'forbidden', 'This needs the admin role in an organisation.');
  throw new ApiError(400, 'bad_request', 'Name the organization_id the site belongs to.');
}

sites.post('/', requireUser, async (c) => {
  const body = await readJson<Body>(c.req.raw, BODY_LIMIT);
  const organizationId = organizationFor(c, body);
  assertOrgRole(c, organizationId, 'admin');
  const id = text(body, 'id', { max: 64, pattern: SITE_ID }) ?? randomId(9);
  const domain = domainOf(text(body, 'domain', { max: 253, required: true })!);
  const fields = siteFields(body, {
    name: domain,
    domain,
    allowed_origins: [],
    replay_enabled: false,
    replay_sample_rate: 1,
    retention_days: 365,
    respect_dnt: true,
    bot_patterns: [],
  });
  const site = await query(c, (sql) => insertSite(sql, id, organizationId, fields));
  if (!site) throw new ApiError(409, 'conflict', `A site ${id} exists already.`);
  await refreshSite(c.env, site);
  return c.json({ site }, 201);
});

sites.patch('/:id', requireUser, async (c) => {
  const id = siteId(c);
  const site = await existing(c, id);
  assertOrgRole(c, site.organization_id, 'admin', id);
  const body = await readJson<Body>(c.req.raw, BODY_LIMIT);
  if ('id' in body && body.id !== id) throw new ApiError(400, 'bad_request', 'A site id cannot change.');
  if ('organization_id' in body && body.organization_id !== site.organization_id) throw new ApiError(400, 'bad_request', 'A site stays in its organisation.');
  const fields = siteFields(body, site);
  const updated = await query(c, (sql) => updateSite(sql, id, fields));
  if (!updated) throw new ApiError(404, 'not_found', `No site ${id}.`);
  await refreshSite(c.env, updated);
  return c.json({ site: updated });
});

/**
 * Deletes the site with all its data (R2 objects, sessions, rollups, tokens,
 * cache rows). `?confirm=<site id>` is required. A site too large for one call
 * answers 202 with what is left; the same call again continues.
 */
sites.delete('/:id', requireUser, async (c) => {
  const id = siteId(c);
  const site = await existing(c, id);
  assertOrgRole(c, site.organization_id, 'admin', id);
  if (c.req.query('confirm') !== id) {
    throw new ApiError(400, 'confirmation_required', `Deleting a site deletes all its data: add ?confirm=${id}.`);
  }
  const result = await query(c, (sql) => clearStorage(c.env, sql, { siteId: id }));
  if (!result.complete) return c.json({ deleted: false, ...result }, 202);
  await query(c, async (sql) => {
    await deleteSite(sql, id);
    await insertAudit(sql, actorOf(c), 'site.delete', { site_id: id }, result);
  });
  await dropSite(c.env, id);
  return c.json({ deleted: true, ...result });
});

// Shared read-only links: a revocable unguessable URL showing this site's
// dashboard without a login; optional password; replays only when ticked.

sites.get('/:id/shares', requireUser, async (c) => {
  const id = siteId(c);
  const site = await existing(c, id);
  assertOrgRole(c, site.organization_id, 'admin', id);
  return c.json({ shares: await query(c, (sql) => listShares(sql, id)) });
});

sites.post('/:id/shares', requireUser, async (c) => {
  const id = siteId(c);
  const site = await existing(c, id);
  assertOrgRole(c, site.organization_id, 'admin', id);
  const body = await readJson<Body>(c.req.raw, MAX_FORM_BYTES);
  const password = text(body, 'password', { max: 128 });
  if (password !== undefined && password.length < 8) throw new ApiError(400, 'bad_request', 'A link password needs at least 8 characters.');
  const replays = bool(body, 'replays') ?? false;
  // 24 random bytes: the link cannot be guessed; only its SHA-256 is kept.
  const secret = `shr_${randomId(24)}`;
  const passwordHash = password ? await (await (await authFor(c)).$context).password.hash(password) : null;
  const share = await query(c, async (sql) =>
    insertShare(sql, { id: `shr_${randomId(9)}`, siteId: id, hash: await sha256Hex(secret), passwordHash, replays, createdBy: actorOf(c).id }),
  );
  return c.json({ share, secret, url: `${new URL(c.req.url).origin}/share/${secret}` }, 201);
});

sites.delete('/:id/shares/:share', requireUser, async (c) => {
  const id = siteId(c);
  const site = await existing(c, id);
  assertOrgRole(c, site.organization_id, 'admin', id);
  const shareId = c.req.param('share') ?? '';
  const share = await query(c, (sql) => revokeShare(sql, id, shareId));
  if (!share) throw new ApiError(404, 'not_found', `No shared link ${shareId}.`);
  return c.json({ share });
});

export default sites;
