// /api/orgs: organisations, their members and invitations. Every login sees
// the organisations it belongs to (the instance admin every one); the
// instance admin creates and deletes organisations; an owner or admin of an
// organisation manages its members and invitations (only an owner makes or
// changes owners, and an organisation with owners keeps at least one).
import { Hono, type Context } from 'hono';
import type { AppBindings, OrgRole } from '../env';
import { MAX_FORM_BYTES } from '../contract';
import { ApiError } from '../errors';
import { actorOf, assertOrgRole, requireAdmin, requireUser } from '../lib/auth';
import { readJson } from '../lib/body';
import { query } from '../lib/db';
import { text, type Body } from '../lib/fields';
import { createInvitation } from '../services/invitations';
import { randomId, SITE_ID } from '../lib/token';
import {
  countOwners,
  deleteEmptyOrganization,
  deleteMember,
  getMember,
  getOrganization,
  insertOrganization,
  listMembers,
  listOrganizations,
  sitesOfOrganization,
  updateMember,
  upsertMember,
  userIdByEmail,
} from '../storage/pg-access';
import { listInvitations, revokeInvitation } from '../storage/pg-invitations';
import { insertAudit } from '../storage/pg-storage';

export const ROLES: OrgRole[] = ['owner', 'admin', 'viewer'];

const orgs = new Hono<AppBindings>();

function orgId(c: Context<AppBindings>): string {
  const id = c.req.param('id') ?? '';
  if (!SITE_ID.test(id)) throw new ApiError(400, 'bad_request', 'An organisation id matches [A-Za-z0-9_-]{1,64}.');
  return id;
}

export function roleOf(body: Body, fallback?: OrgRole): OrgRole {
  const role = text(body, 'role', { max: 10 }) ?? fallback;
  if (!role || !ROLES.includes(role as OrgRole)) throw new ApiError(400, 'bad_request', `role must be one of ${ROLES.join(', ')}.`);
  return role as OrgRole;
}

/** `site_ids`: null or absent for every site; else sites of this organisation. */
export async function narrowing(c: Context<AppBindings>, organizationId: string, body: Body): Promise<string[] | null> {
  const raw = body.site_ids;
  if (raw === undefined || raw === null) return null;
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > 100 || raw.some((s) => typeof s !== 'string' || !SITE_ID.test(s))) {
    throw new ApiError(400, 'bad_request', 'site_ids must be a list of 1 to 100 site ids (or null for every site).');
  }
  const ids = [...new Set(raw as string[])];
  const found = await query(c, (sql) => sitesOfOrganization(sql, organizationId, ids));
  const missing = ids.find((s) => !found.includes(s));
  if (missing) throw new ApiError(404, 'not_found', `No site ${missing} in this organisation.`);
  return ids;
}

/** Only an owner gives or takes the owner role. */
function assertMayGrant(c: Context<AppBindings>, organizationId: string, ...roles: OrgRole[]) {
  if (roles.includes('owner')) assertOrgRole(c, organizationId, 'owner');
}

orgs.get('/', requireUser, async (c) => {
  const p = c.get('principal')!;
  if (p.kind !== 'user') throw new ApiError(403, 'forbidden', 'This needs a login.');
  const rows = await query(c, (sql) => listOrganizations(sql, p.instanceAdmin ? null : p.memberships.map((m) => m.organizationId)));
  return c.json({
    organizations: rows.map((o) => {
      const m = p.memberships.find((x) => x.organizationId === o.id);
      return { ...o, role: m?.role ?? null, site_ids: m?.siteIds ?? null };
    }),
    instance_admin: p.instanceAdmin,
  });
});

orgs.post('/', requireAdmin, async (c) => {
  const body = await readJson<Body>(c.req.raw, MAX_FORM_BYTES);
  const name = text(body, 'name', { max: 100, required: true })!;
  const id = text(body, 'id', { max: 64, pattern: SITE_ID }) ?? `org_${randomId(9)}`;
  const slug = (text(body, 'slug', { max: 64, pattern: /^[a-z0-9][a-z0-9-]{0,63}$/ }) ?? id.toLowerCase().replace(/[^a-z0-9-]/g, '-')).slice(0, 64);
  const org = await query(c, (sql) => insertOrganization(sql, { id, name, slug }));
  if (!org) throw new ApiError(409, 'conflict', `An organisation ${id} (or slug ${slug}) exists already.`);
  await query(c, (sql) => insertAudit(sql, actorOf(c), 'organization.create', { organization_id: id }, {}));
  return c.json({ organization: org }, 201);
});

/** Deletes an organisation that owns no site (the default one stays). */
orgs.delete('/:id', requireAdmin, async (c) => {
  const id = orgId(c);
  if (id === 'default') throw new ApiError(409, 'conflict', 'The default organisation stays.');
  if (!(await query(c, (sql) => getOrganization(sql, id)))) throw new ApiError(404, 'not_found', `No organisation ${id}.`);
  if (!(await query(c, (sql) => deleteEmptyOrganization(sql, id)))) throw new ApiError(409, 'conflict', 'Delete or move its sites first.');
  await query(c, (sql) => insertAudit(sql, actorOf(c), 'organization.delete', { organization_id: id }, {}));
  return c.json({ deleted: true, id });
});

orgs.get('/:id/members', requireUser, async (c) => {
  const id = orgId(c);
  assertOrgRole(c, id, 'admin');
  return c.json({ members: await query(c, (sql) => listMembers(sql, id)) });
});

/** Adds a user who has an account already: `{email, role, site_ids?}` (others are invited). */
orgs.post('/:id/members', requireUser, async (c) => {
  const id = orgId(c);
  assertOrgRole(c, id, 'admin');
  const body = await readJson<Body>(c.req.raw, 8192);
  const email = text(body, 'email', { max: 254, required: true })!.toLowerCase();
  const role = roleOf(body, 'viewer');
  assertMayGrant(c, id, role);
  const siteIds = await narrowing(c, id, body);
  const userId = await query(c, (sql) => userIdByEmail(sql, email));
  if (!userId) throw new ApiError(404, 'not_found', `No account for ${email}: send an invitation instead.`);
  await query(c, (sql) => upsertMember(sql, { id: `mem_${randomId(12)}`, organizationId: id, userId, role, siteIds }));
  const members = await query(c, (sql) => listMembers(sql, id));
  return c.json({ member: members.find((m) => m.user_id === userId) }, 201);
});

orgs.patch('/:id/members/:member', requireUser, async (c) => {
  const id = orgId(c);
  assertOrgRole(c, id, 'admin');
  const memberId = c.req.param('member') ?? '';
  const member = await query(c, (sql) => getMember(sql, id, memberId));
  if (!member) throw new ApiError(404, 'not_found', `No member ${memberId}.`);
  const body = await readJson<Body>(c.req.raw, 8192);
  const role = roleOf(body, member.role);
  assertMayGrant(c, id, role, member.role);
  const siteIds = 'site_ids' in body ? await narrowing(c, id, body) : member.site_ids;
  await query(c, async (sql) => {
    if (member.role === 'owner' && role !== 'owner' && (await countOwners(sql, id)) <= 1) {
      throw new ApiError(409, 'conflict', 'An organisation keeps at least one owner.');
    }
    await updateMember(sql, id, memberId, role, siteIds);
  });
  return c.json({ member: await query(c, (sql) => getMember(sql, id, memberId)) });
});

orgs.delete('/:id/members/:member', requireUser, async (c) => {
  const id = orgId(c);
  assertOrgRole(c, id, 'admin');
  const memberId = c.req.param('member') ?? '';
  const member = await query(c, (sql) => getMember(sql, id, memberId));
  if (!member) throw new ApiError(404, 'not_found', `No member ${memberId}.`);
  assertMayGrant(c, id, member.role);
  await query(c, async (sql) => {
    if (member.role === 'owner' && (await countOwners(sql, id)) <= 1) throw new ApiError(409, 'conflict', 'An organisation keeps at least one owner.');
    await deleteMember(sql, id, memberId);
  });
  return c.json({ deleted: true, id: memberId });
});

orgs.get('/:id/invitations', requireUser, async (c) => {
  const id = orgId(c);
  assertOrgRole(c, id, 'admin');
  return c.json({ invitations: await query(c, (sql) => listInvitations(sql, id)) });
});

/**
 * Invites an address: `{email, role, site_ids?}` → the one-time link, shown
 * once (and mailed when the send_email binding is configured).
 */
orgs.post('/:id/invitations', requireUser, async (c) => {
  const id = orgId(c);
  assertOrgRole(c, id, 'admin');
  const body = await readJson<Body>(c.req.raw, 8192);
  const email = text(body, 'email', { max: 254, required: true })!.toLowerCase();
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) throw new ApiError(400, 'bad_request', 'email is not an email address.');
  const role = roleOf(body, 'viewer');
  assertMayGrant(c, id, role);
  const siteIds = await narrowing(c, id, body);
  const org = await query(c, (sql) => getOrganization(sql, id));
  if (!org) throw new ApiError(404, 'not_found', `No organisation ${id}.`);
  const created = await createInvitation(c, { organization: org, email, role, siteIds, inviterId: actorOf(c).id });
  return c.json(created, 201);
});

orgs.delete('/:id/invitations/:invitation', requireUser, async (c) => {
  const id = orgId(c);
  assertOrgRole(c, id, 'admin');
  const invitationId = c.req.param('invitation') ?? '';
  const invitation = await query(c, (sql) => revokeInvitation(sql, id, invitationId));
  if (!invitation) throw new ApiError(404, 'not_found', `No pending invitation ${invitationId}.`);
  return c.json({ invitation });
});

export default orgs;
