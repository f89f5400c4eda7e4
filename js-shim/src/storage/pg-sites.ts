// Sites and API tokens in Postgres. Site rows are the truth the D1 cache
// copies (services/sites.ts refreshes it after each change); tokens are kept
// as SHA-256 hashes only.
import type { SiteConfig, Sql } from './pg';

export interface SiteRow extends SiteConfig {
  created_at: Date;
  updated_at: Date;
}

/** Arrays come back as JSON: with fetch_types off, postgres.js parses json but not text[]. */
const SITE_COLUMNS =
  'id, name, domain, to_jsonb(allowed_origins) AS allowed_origins, replay_enabled, replay_sample_rate, retention_days, respect_dnt, created_at, updated_at';

/** What an admin sets on a site: its config without the id and timestamps. */
export type SiteFields = Omit<SiteConfig, 'id' | 'updated_at'>;

export async function listSites(sql: Sql, siteId: string | null): Promise<SiteRow[]> {
  return sql<SiteRow[]>`
    SELECT ${sql.unsafe(SITE_COLUMNS)} FROM sites ${siteId ? sql`WHERE id = ${siteId}` : sql``} ORDER BY created_at, id`;
}

export async function getSite(sql: Sql, siteId: string): Promise<SiteRow | null> {
  const rows = await sql<SiteRow[]>`SELECT ${sql.unsafe(SITE_COLUMNS)} FROM sites WHERE id = ${siteId}`;
  return rows[0] ?? null;
}

/** Null when the id is taken. */
export async function insertSite(sql: Sql, id: string, f: SiteFields): Promise<SiteRow | null> {
  const rows = await sql<SiteRow[]>`
    INSERT INTO sites (id, name, domain, allowed_origins, replay_enabled, replay_sample_rate, retention_days, respect_dnt)
    VALUES (${id}, ${f.name}, ${f.domain}, ${`{${f.allowed_origins.map(arrayItem).join(',')}}`}::text[], ${f.replay_enabled},
      ${f.replay_sample_rate}, ${f.retention_days}, ${f.respect_dnt})
    ON CONFLICT (id) DO NOTHING
    RETURNING ${sql.unsafe(SITE_COLUMNS)}`;
  return rows[0] ?? null;
}

export async function updateSite(sql: Sql, id: string, f: SiteFields): Promise<SiteRow | null> {
  const rows = await sql<SiteRow[]>`
    UPDATE sites SET name = ${f.name}, domain = ${f.domain},
      allowed_origins = ${`{${f.allowed_origins.map(arrayItem).join(',')}}`}::text[], replay_enabled = ${f.replay_enabled},
      replay_sample_rate = ${f.replay_sample_rate}, retention_days = ${f.retention_days}, respect_dnt = ${f.respect_dnt},
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

/** A text[] literal item, quoted so commas, quotes and braces stay inside it. */
function arrayItem(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export interface TokenRow {
  id: string;
  name: string;
  site_id: string | null;
  scopes: string[];
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const TOKEN_COLUMNS = 'id, name, site_id, to_jsonb(scopes) AS scopes, created_at, last_used_at, revoked_at';

export async function listTokens(sql: Sql): Promise<TokenRow[]> {
  return sql<TokenRow[]>`SELECT ${sql.unsafe(TOKEN_COLUMNS)} FROM api_tokens ORDER BY created_at DESC, id`;
}

export async function insertToken(sql: Sql, t: { id: string; name: string; hash: string; siteId: string | null }): Promise<TokenRow> {
  const rows = await sql<TokenRow[]>`
    INSERT INTO api_tokens (id, name, token_hash, site_id) VALUES (${t.id}, ${t.name}, ${t.hash}, ${t.siteId})
    RETURNING ${sql.unsafe(TOKEN_COLUMNS)}`;
  return rows[0];
}

/** Null when there is no such token; a second revoke keeps the first time. */
export async function revokeToken(sql: Sql, id: string): Promise<TokenRow | null> {
  const rows = await sql<TokenRow[]>`
    UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE id = ${id}
    RETURNING ${sql.unsafe(TOKEN_COLUMNS)}`;
  return rows[0] ?? null;
}
