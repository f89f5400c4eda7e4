// /api/sites: the sites a snippet can point at. Anyone who may read sees
// them (an API token only its own site); an admin creates, edits and deletes
// them. Every change refreshes the D1 cache ingest reads from.
import { Hono, type Context } from 'hono';
import type { AppBindings } from '../env';
import { ApiError } from '../errors';
import { actorOf, assertSiteAccess, requireAdmin, requireReader } from '../lib/auth';
import { readJson } from '../lib/body';
import { query } from '../lib/db';
import { bool, number, text, type Body } from '../lib/fields';
import { randomId, SITE_ID } from '../lib/token';
import { dropSite, refreshSite } from '../services/sites';
import { clearStorage } from '../services/storage-admin';
import { deleteSite, getSite, insertSite, listSites, updateSite, type SiteFields, type SiteRow } from '../storage/pg-sites';
import { insertAudit } from '../storage/pg-storage';

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
  };
}

function siteId(c: Context<AppBindings>): string {
  const id = c.req.param('id') ?? '';
  if (!SITE_ID.test(id)) throw new ApiError(400, 'bad_request', 'A site id matches [A-Za-z0-9_-]{1,64}.');
  return id;
}

async function existing(c: Context<AppBindings>, id: string): Promise<SiteRow> {
  const site = await query(c, (sql) => getSite(sql, id));
  if (!site) throw new ApiError(404, 'not_found', `No site ${id}.`);
  return site;
}

const sites = new Hono<AppBindings>();

sites.get('/', requireReader, async (c) => {
  const p = c.get('principal');
  return c.json({ sites: await query(c, (sql) => listSites(sql, p?.siteId ?? null)) });
});

sites.get('/:id', requireReader, async (c) => {
  const id = siteId(c);
  assertSiteAccess(c, id);
  return c.json({ site: await existing(c, id) });
});

sites.post('/', requireAdmin, async (c) => {
  const body = await readJson<Body>(c.req.raw, BODY_LIMIT);
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
  });
  const site = await query(c, (sql) => insertSite(sql, id, fields));
  if (!site) throw new ApiError(409, 'conflict', `A site ${id} exists already.`);
  await refreshSite(c.env, site);
  return c.json({ site }, 201);
});

sites.patch('/:id', requireAdmin, async (c) => {
  const id = siteId(c);
  const body = await readJson<Body>(c.req.raw, BODY_LIMIT);
  if ('id' in body && body.id !== id) throw new ApiError(400, 'bad_request', 'A site id cannot change.');
  const fields = siteFields(body, await existing(c, id));
  const site = await query(c, (sql) => updateSite(sql, id, fields));
  if (!site) throw new ApiError(404, 'not_found', `No site ${id}.`);
  await refreshSite(c.env, site);
  return c.json({ site });
});

/**
 * Deletes the site with all its data (R2 objects, sessions, rollups, tokens,
 * cache rows). `?confirm=<site id>` is required. A site too large for one call
 * answers 202 with what is left; the same call again continues.
 */
sites.delete('/:id', requireAdmin, async (c) => {
  const id = siteId(c);
  if (c.req.query('confirm') !== id) {
    throw new ApiError(400, 'confirmation_required', `Deleting a site deletes all its data: add ?confirm=${id}.`);
  }
  await existing(c, id);
  const result = await query(c, (sql) => clearStorage(c.env, sql, { siteId: id }));
  if (!result.complete) return c.json({ deleted: false, ...result }, 202);
  await query(c, async (sql) => {
    await deleteSite(sql, id);
    await insertAudit(sql, actorOf(c), 'site.delete', { site_id: id }, result);
  });
  await dropSite(c.env, id);
  return c.json({ deleted: true, ...result });
});

export default sites;
