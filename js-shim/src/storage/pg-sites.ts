// Sites in Postgres. Site rows are the truth the D1 cache copies
// (services/site-config.ts refreshes it after each change). Tokens, organisations
// and members: pg-access.ts.
import { textArray } from './pg-access';
import type { SiteSettings } from '../contract';
import type { Sql } from './pg';

/** A site's config as ingest and the D1 cache read it. */
export interface SiteConfig extends SiteSettings {
  id: string;
  updated_at?: Date;
}

export interface SiteRow extends SiteConfig {
  organization_id: string;
  created_at: Date;
  updated_at: Date;
}

/** Arrays come back as JSON: with fetch_types off, postgres.js parses json but not text[]. */
const SITE_COLUMNS =
  'id, organization_id, name, domain, to_jsonb(allowed_origins) AS allowed_origins, replay_enabled, replay_sample_rate, retention_days, respect_dnt, to_jsonb(bot_patterns) AS bot_patterns, created_at, updated_at';

/** What an admin sets on a site: its config without the id and timestamps. */
export type SiteFields = SiteSettings;

/** The sites among `ids` (null: all), optionally of one organisation. */
export async function listSites(sql: Sql, ids: string[] | null, organizationId?: string): Promise<SiteRow[]> {
  return sql<SiteRow[]>`
    SELECT ${sql.unsafe(SITE_COLUMNS)} FROM sites
    WHERE ${ids ? sql`id = ANY(${textArray(ids)}::text[])` : sql`true`} ${organizationId ? sql`AND organization_id = ${organizationId}` : sql``}
    ORDER BY created_at, id`;
}

export async function getSite(sql: Sql, siteId: string): Promise<SiteRow | null> {
  const rows = await sql<SiteRow[]>`SELECT ${sql.unsafe(SITE_COLUMNS)} FROM sites WHERE id = ${siteId}`;
  return rows[0] ?? null;
}

/** Null when the id is taken. */
export async function insertSite(sql: Sql, id: string, organizationId: string, f: SiteFields): Promise<SiteRow | null> {
  const rows = await sql<SiteRow[]>`
    INSERT INTO sites (id, organization_id, name, domain, allowed_origins, replay_enabled, replay_sample_rate, retention_days, respect_dnt, bot_patterns)
    VALUES (${id}, ${organizationId}, ${f.name}, ${f.domain}, ${textList(f.allowed_origins)}::text[], ${f.replay_enabled},
      ${f.replay_sample_rate}, ${f.retention_days}, ${f.respect_dnt}, ${textList(f.bot_patterns)}::text[])
    ON CONFLICT (id) DO NOTHING
    RETURNING ${sql.unsafe(SITE_COLUMNS)}`;
  return rows[0] ?? null;
}

export async function updateSite(sql: Sql, id: string, f: SiteFields): Promise<SiteRow | null> {
  const rows = await sql<SiteRow[]>`
    UPDATE sites SET name = ${f.name}, domain = ${f.domain},
      allowed_origins = ${textList(f.allowed_origins)}::text[], replay_enabled = ${f.replay_enabled},
      replay_sample_rate = ${f.replay_sample_rate}, retention_days = ${f.retention_days}, respect_dnt = ${f.respect_dnt},
      bot_patterns = ${textList(f.bot_patterns)}::text[],
      updated_at = now()
    WHERE id = ${id}
    RETURNING ${sql.unsafe(SITE_COLUMNS)}`;
  return rows[0] ?? null;
}

/** Deletes the site row; sessions, page rollups and its tokens go with it (ON DELETE CASCADE). */
export async function deleteSite(sql: Sql, id: string): Promise<boolean> {
  const rows = await sql`DELETE FROM sites WHERE id = ${id} RETURNING id`;
  return rows.length > 0;
}

/** A text[] literal, each item quoted so commas, quotes and braces stay inside it. */
function textList(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}
