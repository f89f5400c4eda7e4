// /api/invitations/:secret: the one-time invitation link's API (public; the
// secret is the credential). GET shows what it invites to; POST …/accept
// creates the account with the chosen password (or adds the membership to
// the logged-in account of that address). Rate-limited per address and account.
import { Hono } from 'hono';
import { MAX_FORM_BYTES } from '../contract';
import type { AppBindings } from '../env';
import { readJson } from '../lib/body';
import { query } from '../lib/db';
import { text, type Body } from '../lib/fields';
import { limitAuthAttempt } from '../lib/rate-limit';
import { acceptInvitation, pendingInvitation } from '../services/invitations';
import { userIdByEmail } from '../storage/pg-access';

const invitations = new Hono<AppBindings>();

invitations.get('/:secret', async (c) => {
  const inv = await pendingInvitation(c, c.req.param('secret'));
  const accountExists = Boolean(await query(c, (sql) => userIdByEmail(sql, inv.email)));
  return c.json({
    invitation: { organization_name: inv.organization_name, email: inv.email, role: inv.role, expires_at: inv.expires_at },
    account_exists: accountExists,
  });
});

invitations.post('/:secret/accept', async (c) => {
  const secret = c.req.param('secret');
  await limitAuthAttempt(c, 'invitation', secret);
  const inv = await pendingInvitation(c, secret);
  await limitAuthAttempt(c, 'invitation-account', inv.email);
  const body = await readJson<Body>(c.req.raw, MAX_FORM_BYTES);
  const password = text(body, 'password', { max: 128 });
  const name = text(body, 'name', { max: 100 });
  const userId = await acceptInvitation(c, inv, password, name);
  return c.json({ accepted: true, user_id: userId, email: inv.email, organization_id: inv.organization_id });
});

export default invitations;
