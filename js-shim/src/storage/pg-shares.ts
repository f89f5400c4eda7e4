// Shared read-only links (migrations/postgres/0021): only a SHA-256 of each
// link's secret is kept, and its optional password as a scrypt hash.
import type { Sql } from './pg';

export interface ShareRow {
  id: string;
  site_id: string;
  replays: boolean;
  has_password: boolean;
  created_at: Date;
  revoked_at: Date | null;
}

const SHARE_COLUMNS = 'id, site_id, replays, password_hash IS NOT NULL AS has_password, created_at, revoked_at';

/** The live share with this secret's hash. */
export async function findShare(sql: Sql, tokenHash: string): Promise<ShareRow | null> {
  const rows = await sql<ShareRow[]>`SELECT ${sql.unsafe(SHARE_COLUMNS)} FROM site_shares WHERE token_hash = ${tokenHash} AND revoked_at IS NULL`;
  return rows[0] ?? null;
}

export async function sharePasswordHash(sql: Sql, id: string): Promise<string | null> {
  const rows = await sql<{ password_hash: string | null }[]>`SELECT password_hash FROM site_shares WHERE id = ${id}`;
  return rows[0]?.password_hash ?? null;
}

export async function listShares(sql: Sql, siteId: string): Promise<ShareRow[]> {
  return sql<ShareRow[]>`SELECT ${sql.unsafe(SHARE_COLUMNS)} FROM site_shares WHERE site_id = ${siteId} ORDER BY created_at DESC, id`;
}

export async function insertShare(
  sql: Sql,
  s: { id: string; siteId: string; hash: string; passwordHash: string | null; replays: boolean; createdBy: string },
): Promise<ShareRow> {
  const rows = await sql<ShareRow[]>`
    INSERT INTO site_shares (id, site_id, token_hash, password_hash, replays, created_by)
    VALUES (${s.id}, ${s.siteId}, ${s.hash}, ${s.passwordHash}, ${s.replays}, ${s.createdBy})
    RETURNING ${sql.unsafe(SHARE_COLUMNS)}`;
  return rows[0];
}

/** Null when the site has no such share; a second revoke keeps the first time. */
export async function revokeShare(sql: Sql, siteId: string, id: string): Promise<ShareRow | null> {
  const rows = await sql<ShareRow[]>`
    UPDATE site_shares SET revoked_at = COALESCE(revoked_at, now()) WHERE site_id = ${siteId} AND id = ${id}
    RETURNING ${sql.unsafe(SHARE_COLUMNS)}`;
  return rows[0] ?? null;
}
