// /api/tokens: API tokens for the read APIs (admin only). A token is shown
// once, when it is created; only its SHA-256 is stored.
import { Hono } from 'hono';
import type { AppBindings } from '../env';
import { ApiError } from '../errors';
import { forgetToken, requireAdmin } from '../lib/auth';
import { readJson } from '../lib/body';
import { query } from '../lib/db';
import { text, type Body } from '../lib/fields';
import { randomId, sha256Hex, SITE_ID } from '../lib/token';
import { getSite, insertToken, listTokens, revokeToken } from '../storage/pg-sites';

const tokens = new Hono<AppBindings>();
tokens.use('*', requireAdmin);

tokens.get('/', async (c) => c.json({ tokens: await query(c, (sql) => listTokens(sql)) }));

tokens.post('/', async (c) => {
  const body = await readJson<Body>(c.req.raw, 4096);
  const name = text(body, 'name', { max: 100, required: true })!;
  const siteId = text(body, 'site_id', { max: 64, pattern: SITE_ID }) ?? null;
  if (siteId && !(await query(c, (sql) => getSite(sql, siteId)))) throw new ApiError(404, 'not_found', `No site ${siteId}.`);
  // 24 random bytes: guessing is hopeless, and a SHA-256 needs no salt.
  const secret = `ert_${randomId(24)}`;
  const token = await query(c, async (sql) => insertToken(sql, { id: `tok_${randomId(9)}`, name, hash: await sha256Hex(secret), siteId }));
  return c.json({ token, secret }, 201);
});

tokens.delete('/:id', async (c) => {
  const id = c.req.param('id');
  const token = await query(c, (sql) => revokeToken(sql, id));
  if (!token) throw new ApiError(404, 'not_found', `No token ${id}.`);
  forgetToken(id);
  return c.json({ token });
});

export default tokens;
