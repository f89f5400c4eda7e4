// /api/shares: the shared read-only link's own API (public; the link's secret
// is the credential). POST /unlock checks a link's password once and answers
// a day's pass; GET /current (with `Authorization: Share …`) tells the
// dashboard which site the link shows and whether replays are included.
import { Hono } from 'hono';
import { MAX_FORM_BYTES } from '../contract';
import type { AppBindings } from '../env';
import { ApiError } from '../errors';
import { authFor } from '../lib/accounts';
import { requireReader } from '../lib/auth';
import { readJson } from '../lib/body';
import { query } from '../lib/db';
import { text, type Body } from '../lib/fields';
import { limitAuthAttempt } from '../lib/rate-limit';
import { shareBySecret, sharePass } from '../lib/shares';
import { getSite } from '../storage/pg-sites';
import { sharePasswordHash } from '../storage/pg-shares';

const shares = new Hono<AppBindings>();

shares.post('/unlock', async (c) => {
  const body = await readJson<Body>(c.req.raw, MAX_FORM_BYTES);
  const secret = text(body, 'secret', { max: 64, required: true })!;
  await limitAuthAttempt(c, 'share', secret);
  const share = await shareBySecret(c, secret);
  if (!share.has_password) return c.json({ pass: secret });
  const password = text(body, 'password', { max: 128 }) ?? '';
  const hash = await query(c, (sql) => sharePasswordHash(sql, share.id));
  const ok = hash !== null && (await (await (await authFor(c)).$context).password.verify({ hash, password }));
  if (!ok) throw new ApiError(401, 'password_required', 'The password is not right.');
  return c.json({ pass: await sharePass(c, share, secret) });
});

shares.get('/current', requireReader, async (c) => {
  const p = c.get('principal')!;
  if (p.kind !== 'share') throw new ApiError(400, 'bad_request', 'Send Authorization: Share <link secret or pass>.');
  const site = await query(c, (sql) => getSite(sql, p.siteId));
  if (!site) throw new ApiError(404, 'not_found', 'The shared site is gone.');
  return c.json({ site: { id: site.id, name: site.name, domain: site.domain }, replays: p.replays });
});

export default shares;
