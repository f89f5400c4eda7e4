// Who may see what, in Postgres: organisations, their members (Better Auth's
// organization plugin tables, migrations/postgres/0020), invitations, API
// tokens' organisation and sites, and shared read-only links (0021). Every
// lookup that decides access returns the list of sites it grants, so a
// request's principal carries it and no read route queries it again.
import type { Membership, OrgRole } from '../env';
import type { Sql } from './pg';

/** A text[] literal, quoted item by item (ids are [A-Za-z0-9_-], but never trust that here). */
export function textArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

interface MembershipRow {
  organization_id: string;
  role: OrgRole;
  site_ids: string[] | null;
  sites: string[];
}

/** A user's memberships and every site they open (one query). */
export async function membershipsOf(sql: Sql, userId: string): Promise<{ memberships: Membership[]; sites: string[] }> {
  const rows = await sql<MembershipRow[]>`
    SELECT m.organization_id, m.role, to_jsonb(m.site_ids) AS site_ids,
      COALESCE((SELECT jsonb_agg(s.id ORDER BY s.id) FROM sites s
        WHERE s.organization_id = m.organization_id AND (m.site_ids IS NULL OR s.id = ANY(m.site_ids))), '[]'::jsonb) AS sites
    FROM member m WHERE m.user_id = ${userId} ORDER BY m.created_at, m.organization_id`;
  return {
    memberships: rows.map((r) => ({ organizationId: r.organization_id, role: r.role, siteIds: r.site_ids })),
    sites: [...new Set(rows.flatMap((r) => r.sites))],
  };
}

export interface TokenGrant {
  id: string;
  organization_id: string;
  sites: string[];
}

/** A live API token and the sites it reads: its organisation's, or the ones it is narrowed to. */
export async function findTokenGrant(sql: Sql, tokenHash: string): Promise<TokenGrant | null> {
  const rows = await sql<TokenGrant[]>`
    SELECT t.id, t.organization_id,
      COALESCE((SELECT jsonb_agg(s.id ORDER BY s.id) FROM sites s
        WHERE s.organization_id = t.organization_id
          AND (COALESCE(t.site_ids, CASE WHEN t.site_id IS NOT NULL THEN ARRAY[t.site_id] END) IS NULL
               OR s.id = ANY(COALESCE(t.site_ids, ARRAY[t.site_id])))), '[]'::jsonb) AS sites
    FROM api_tokens t WHERE t.token_hash = ${tokenHash} AND t.revoked_at IS NULL`;
  return rows[0] ?? null;
}

// --- organisations -------------------------------------------------------

export interface OrganizationRow {
  id: string;
  name: string;
  slug: string;
  created_at: Date;
}

export async function listOrganizations(sql: Sql, ids: string[] | null): Promise<OrganizationRow[]> {
  return sql<OrganizationRow[]>`
    SELECT id, name, slug, created_at FROM organization
    ${ids ? sql`WHERE id = ANY(${textArray(ids)}::text[])` : sql``} ORDER BY created_at, id`;
}

export async function getOrganization(sql: Sql, id: string): Promise<OrganizationRow | null> {
  const rows = await sql<OrganizationRow[]>`SELECT id, name, slug, created_at FROM organization WHERE id = ${id}`;
  return rows[0] ?? null;
}

/** Null when the id or slug is taken. */
export async function insertOrganization(sql: Sql, o: { id: string; name: string; slug: string }): Promise<OrganizationRow | null> {
  const rows = await sql<OrganizationRow[]>`
    INSERT INTO organization (id, name, slug) VALUES (${o.id}, ${o.name}, ${o.slug})
    ON CONFLICT DO NOTHING RETURNING id, name, slug, created_at`;
  return rows[0] ?? null;
}

/** Deletes an organisation that owns no site; false when it still owns one (or is unknown). */
export async function deleteEmptyOrganization(sql: Sql, id: string): Promise<boolean> {
  const rows = await sql`
    DELETE FROM organization o WHERE o.id = ${id} AND NOT EXISTS (SELECT 1 FROM sites s WHERE s.organization_id = o.id) RETURNING id`;
  return rows.length > 0;
}

/** The sites an organisation owns, among `ids`: the ones that are not its are left out. */
export async function sitesOfOrganization(sql: Sql, organizationId: string, ids: string[]): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    SELECT id FROM sites WHERE organization_id = ${organizationId} AND id = ANY(${textArray(ids)}::text[])`;
  return rows.map((r) => r.id);
}

// --- members -------------------------------------------------------------

export interface MemberRow {
  id: string;
  organization_id: string;
  user_id: string;
  email: string;
  name: string;
  role: OrgRole;
  site_ids: string[] | null;
  created_at: Date;
}

const MEMBER_SELECT = `SELECT m.id, m.organization_id, m.user_id, u.email, u.name, m.role, to_jsonb(m.site_ids) AS site_ids, m.created_at
  FROM member m JOIN "user" u ON u.id = m.user_id`;

export async function listMembers(sql: Sql, organizationId: string): Promise<MemberRow[]> {
  return sql<MemberRow[]>`${sql.unsafe(MEMBER_SELECT)} WHERE m.organization_id = ${organizationId} ORDER BY m.created_at, m.id`;
}

export async function getMember(sql: Sql, organizationId: string, memberId: string): Promise<MemberRow | null> {
  const rows = await sql<MemberRow[]>`${sql.unsafe(MEMBER_SELECT)} WHERE m.organization_id = ${organizationId} AND m.id = ${memberId}`;
  return rows[0] ?? null;
}

/** Adds a user to an organisation, or changes their role and sites when they are in it already. */
export async function upsertMember(
  sql: Sql,
  m: { id: string; organizationId: string; userId: string; role: OrgRole; siteIds: string[] | null },
): Promise<void> {
  await sql`
    INSERT INTO member (id, organization_id, user_id, role, site_ids)
    VALUES (${m.id}, ${m.organizationId}, ${m.userId}, ${m.role}, ${m.siteIds ? textArray(m.siteIds) : null}::text[])
    ON CONFLICT (organization_id, user_id) DO UPDATE SET role = EXCLUDED.role, site_ids = EXCLUDED.site_ids`;
}

export async function updateMember(sql: Sql, organizationId: string, memberId: string, role: OrgRole, siteIds: string[] | null): Promise<boolean> {
  const rows = await sql`
    UPDATE member SET role = ${role}, site_ids = ${siteIds ? textArray(siteIds) : null}::text[]
    WHERE organization_id = ${organizationId} AND id = ${memberId} RETURNING id`;
  return rows.length > 0;
}

export async function deleteMember(sql: Sql, organizationId: string, memberId: string): Promise<boolean> {
  const rows = await sql`DELETE FROM member WHERE organization_id = ${organizationId} AND id = ${memberId} RETURNING id`;
  return rows.length > 0;
}

export async function countOwners(sql: Sql, organizationId: string): Promise<number> {
  const rows = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM member WHERE organization_id = ${organizationId} AND role = 'owner'`;
  return rows[0].n;
}

export async function userIdByEmail(sql: Sql, email: string): Promise<string | null> {
  const rows = await sql<{ id: string }[]>`SELECT id FROM "user" WHERE email = ${email}`;
  return rows[0]?.id ?? null;
}

// --- API tokens ----------------------------------------------------------

export interface TokenRow {
  id: string;
  name: string;
  organization_id: string;
  site_ids: string[] | null;
  /** The single site of a token narrowed to one (older API: site_id). */
  site_id: string | null;
  scopes: string[];
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const TOKEN_COLUMNS = 'id, name, organization_id, to_jsonb(COALESCE(site_ids, CASE WHEN site_id IS NOT NULL THEN ARRAY[site_id] END)) AS site_ids, site_id, to_jsonb(scopes) AS scopes, created_at, last_used_at, revoked_at';

export async function listTokens(sql: Sql, organizationIds: string[] | null): Promise<TokenRow[]> {
  return sql<TokenRow[]>`
    SELECT ${sql.unsafe(TOKEN_COLUMNS)} FROM api_tokens
    ${organizationIds ? sql`WHERE organization_id = ANY(${textArray(organizationIds)}::text[])` : sql``}
    ORDER BY created_at DESC, id`;
}

export async function getToken(sql: Sql, id: string): Promise<TokenRow | null> {
  const rows = await sql<TokenRow[]>`SELECT ${sql.unsafe(TOKEN_COLUMNS)} FROM api_tokens WHERE id = ${id}`;
  return rows[0] ?? null;
}

export async function insertToken(
  sql: Sql,
  t: { id: string; name: string; hash: string; organizationId: string; siteIds: string[] | null },
): Promise<TokenRow> {
  const rows = await sql<TokenRow[]>`
    INSERT INTO api_tokens (id, name, token_hash, organization_id, site_ids, site_id)
    VALUES (${t.id}, ${t.name}, ${t.hash}, ${t.organizationId}, ${t.siteIds ? textArray(t.siteIds) : null}::text[],
      ${t.siteIds?.length === 1 ? t.siteIds[0] : null})
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
