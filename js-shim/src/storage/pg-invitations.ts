// Invitations (Better Auth's organization plugin table, migrations/postgres/0020):
// a pending invitation is accepted once, before it expires, through a
// one-time link whose secret only a SHA-256 of is kept.
import type { OrgRole } from '../env';
import { textArray } from './pg-access';
import type { Sql } from './pg';

export interface InvitationRow {
  id: string;
  organization_id: string;
  organization_name: string;
  email: string;
  role: OrgRole;
  site_ids: string[] | null;
  status: 'pending' | 'accepted' | 'canceled' | 'rejected';
  expires_at: Date;
  inviter_id: string;
  created_at: Date;
}

const INVITATION_SELECT = `SELECT i.id, i.organization_id, o.name AS organization_name, i.email, i.role, to_jsonb(i.site_ids) AS site_ids,
  i.status, i.expires_at, i.inviter_id, i.created_at FROM invitation i JOIN organization o ON o.id = i.organization_id`;

export async function insertInvitation(
  sql: Sql,
  i: { id: string; organizationId: string; email: string; role: OrgRole; siteIds: string[] | null; inviterId: string; hash: string; expiresAt: Date },
): Promise<InvitationRow> {
  await sql`
    INSERT INTO invitation (id, organization_id, email, role, site_ids, status, expires_at, inviter_id, token_hash)
    VALUES (${i.id}, ${i.organizationId}, ${i.email}, ${i.role}, ${i.siteIds ? textArray(i.siteIds) : null}::text[], 'pending',
      ${i.expiresAt}, ${i.inviterId}, ${i.hash})`;
  const rows = await sql<InvitationRow[]>`${sql.unsafe(INVITATION_SELECT)} WHERE i.id = ${i.id}`;
  return rows[0];
}

export async function listInvitations(sql: Sql, organizationId: string): Promise<InvitationRow[]> {
  return sql<InvitationRow[]>`${sql.unsafe(INVITATION_SELECT)} WHERE i.organization_id = ${organizationId} ORDER BY i.created_at DESC, i.id`;
}

/** A pending, unexpired invitation by its link's hash. */
export async function findPendingInvitation(sql: Sql, tokenHash: string): Promise<InvitationRow | null> {
  const rows = await sql<InvitationRow[]>`
    ${sql.unsafe(INVITATION_SELECT)} WHERE i.token_hash = ${tokenHash} AND i.status = 'pending' AND i.expires_at > now()`;
  return rows[0] ?? null;
}

/** Marks a pending invitation accepted; false when someone else got there first. */
export async function consumeInvitation(sql: Sql, id: string): Promise<boolean> {
  const rows = await sql`UPDATE invitation SET status = 'accepted' WHERE id = ${id} AND status = 'pending' AND expires_at > now() RETURNING id`;
  return rows.length > 0;
}

export async function revokeInvitation(sql: Sql, organizationId: string, id: string): Promise<InvitationRow | null> {
  const rows = await sql`
    UPDATE invitation SET status = 'canceled' WHERE organization_id = ${organizationId} AND id = ${id} AND status = 'pending' RETURNING id`;
  if (!rows.length) return null;
  const found = await sql<InvitationRow[]>`${sql.unsafe(INVITATION_SELECT)} WHERE i.id = ${id}`;
  return found[0];
}
