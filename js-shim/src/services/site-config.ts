// Site config lookups, cheapest first: this isolate's memory, then the D1
// cache, then (only where a Postgres read is allowed) Postgres itself.
import type { AppEnv } from '../env';
import { cachedSite, removeSessionsWhere, removeSites, syncSites } from '../storage/d1-cache-sync';
import type { Sql } from '../storage/pg';
import { getSite, type SiteConfig } from '../storage/pg-sites';

const TTL_MS = 60_000;
const memory = new Map<string, { site: SiteConfig | null; at: number }>();

/**
 * After a site is created or edited: the D1 cache and this isolate's memory
 * hold the new config at once; other isolates pick it up when their memory
 * entry expires (TTL_MS), since ingest reads D1 and never Postgres.
 */
export async function refreshSite(env: AppEnv, site: SiteConfig): Promise<void> {
  memory.set(site.id, { site, at: Date.now() });
  await syncSites(env, [site]);
}

/** After a site is deleted: ingest refuses it here at once, and everywhere once memory expires. */
export async function dropSite(env: AppEnv, siteId: string): Promise<void> {
  memory.set(siteId, { site: null, at: Date.now() });
  await removeSites(env, [siteId]);
  await removeSessionsWhere(env, { siteId });
}

/** For ingest: memory and D1 only, never Postgres (ARCHITECTURE.md §5.1). */
export async function siteForIngest(env: AppEnv, siteId: string, now = Date.now()): Promise<SiteConfig | null | undefined> {
  const hit = memory.get(siteId);
  if (hit && now - hit.at < TTL_MS) return hit.site;
  const cached = await cachedSite(env, siteId);
  if (cached) memory.set(siteId, { site: cached, at: now });
  return cached;
}

/** For session/start: falls back to Postgres on a miss and refills the D1 cache. */
export async function siteForStart(env: AppEnv, sql: () => Sql, siteId: string, ctx: { waitUntil(promise: Promise<unknown>): void }, now = Date.now()) {
  const fast = await siteForIngest(env, siteId, now);
  if (fast) return fast;
  const site = await getSite(sql(), siteId);
  memory.set(siteId, { site, at: now });
  if (site) ctx.waitUntil(syncSites(env, [site]));
  return site;
}

/**
 * An Origin is allowed when it is listed (as a full origin, or as a bare host
 * for any scheme and port), or its host is the site's domain or a subdomain of
 * it. No Origin header (a server-side sender) is allowed.
 */
export function originAllowed(site: SiteConfig, origin: string | null | undefined): boolean {
  if (!origin) return true;
  let host: string;
  try {
    host = new URL(origin).hostname;
  } catch {
    return false;
  }
  if (site.allowed_origins.some((o) => o === origin || o === host || o === '*')) return true;
  const domain = site.domain.replace(/^www\./, '').toLowerCase();
  return host === domain || host.endsWith(`.${domain}`) || host === `www.${domain}`;
}
