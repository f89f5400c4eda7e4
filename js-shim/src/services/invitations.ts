// Invitations: an owner or admin invites an address into an organisation; the
// invitation is a one-time link (`/invite/<secret>`), shown to the inviter to
// copy and mailed through the send_email binding when one is configured.
// Accepting it before it expires (7 days) creates the account with the
// password the invitee chooses, or, for an address that has an account
// already, adds the membership to the logged-in account of that address.
import type { Context } from 'hono';
import type { AppBindings, OrgRole } from '../env';
import { ApiError } from '../errors';
import { authFor } from '../lib/accounts';
import { query } from '../lib/db';
import { randomId, sha256Hex } from '../lib/token';
import type { OrganizationRow } from '../storage/pg-access';
import { upsertMember, userIdByEmail } from '../storage/pg-access';
import { consumeInvitation, findPendingInvitation, insertInvitation, type InvitationRow } from '../storage/pg-invitations';

export const INVITATION_TTL_MS = 7 * 24 * 3600_000;
export const INVITATION_SECRET = /^inv_[A-Za-z0-9_-]{32}$/;

export async function createInvitation(
  c: Context<AppBindings>,
  i: { organization: OrganizationRow; email: string; role: OrgRole; siteIds: string[] | null; inviterId: string },
) {
  // 24 random bytes; only the SHA-256 is stored, so the link is shown once.
  const secret = `inv_${randomId(24)}`;
  const invitation = await query(c, async (sql) =>
    insertInvitation(sql, {
      id: `inv_${randomId(9)}`,
      organizationId: i.organization.id,
      email: i.email,
      role: i.role,
      siteIds: i.siteIds,
      inviterId: i.inviterId,
      hash: await sha256Hex(secret),
      expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
    }),
  );
  const url = `${new URL(c.req.url).origin}/invite/${secret}`;
  const emailed = await mailInvitation(c, invitation, url);
  return { invitation, url, emailed };
}

/** Sends the link when the EMAIL binding and EMAIL_FROM are configured; a failure is reported, not thrown. */
async function mailInvitation(c: Context<AppBindings>, invitation: InvitationRow, url: string): Promise<boolean> {
  if (!c.env.EMAIL || !c.env.EMAIL_FROM) return false;
  try {
    await c.env.EMAIL.send({
      from: c.env.EMAIL_FROM,
      to: invitation.email,
      subject: `You are invited to ${invitation.organization_name} on edgereplay`,
      text: `You are invited to see ${invitation.organization_name}'s analytics on edgereplay as ${invitation.role}.\n\nOpen this link to accept and choose your password (valid until ${invitation.expires_at.toISOString()}):\n${url}\n`,
    });
    return true;
  } catch (err) {
    console.error('invitation mail failed', String(err));
    return false;
  }
}

export async function pendingInvitation(c: Context<AppBindings>, secret: string): Promise<InvitationRow> {
  const invitation = INVITATION_SECRET.test(secret) ? await query(c, async (sql) => findPendingInvitation(sql, await sha256Hex(secret))) : null;
  if (!invitation) throw new ApiError(404, 'not_found', 'This invitation is not valid: it expired, was revoked or was used.');
  return invitation;
}

/**
 * Accepts an invitation: a new address gets an account with `password`; an
 * address with an account must be logged in as it. Returns the user id.
 */
export async function acceptInvitation(c: Context<AppBindings>, invitation: InvitationRow, password: string | undefined, name: string | undefined) {
  const auth = await authFor(c);
  let userId = await query(c, (sql) => userIdByEmail(sql, invitation.email));
  if (userId) {
    const session = await query(c, () => auth.api.getSession({ headers: c.req.raw.headers }));
    if (session?.user.id !== userId) {
      throw new ApiError(409, 'account_exists', `${invitation.email} has an account already: log in as it, then open the link again.`);
    }
  } else {
    const ctx = await auth.$context;
    if (!password || password.length < ctx.password.config.minPasswordLength) {
      throw new ApiError(400, 'bad_request', `password needs at least ${ctx.password.config.minPasswordLength} characters.`);
    }
  }
  if (!(await query(c, (sql) => consumeInvitation(sql, invitation.id)))) {
    throw new ApiError(404, 'not_found', 'This invitation is not valid: it expired, was revoked or was used.');
  }
  if (!userId) {
    const ctx = await auth.$context;
    const hash = await ctx.password.hash(password!);
    const user = await query(c, () => ctx.internalAdapter.createUser({ email: invitation.email, name: name ?? invitation.email.split('@')[0], emailVerified: true, role: 'user' }, { method: 'admin' }));
    await query(c, () => ctx.internalAdapter.linkAccount({ userId: user.id, providerId: 'credential', accountId: user.id, password: hash }));
    userId = user.id;
  }
  await query(c, (sql) =>
    upsertMember(sql, { id: `mem_${randomId(12)}`, organizationId: invitation.organization_id, userId: userId!, role: invitation.role, siteIds: invitation.site_ids }),
  );
  return userId;
}
