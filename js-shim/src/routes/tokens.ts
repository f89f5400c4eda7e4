// /api/tokens: API tokens for the read APIs. A token belongs to an
// organisation and reads its sites, or only the ones it is narrowed to; an
// owner or admin of the organisation manages its tokens. A token is shown
// once, when it is created; only its SHA-256 is stored.
import { Hono } from 'hono';
import type { AppBindings } from '../env';
import { ApiError } from '../errors';
import { assertOrgRole, assertSiteAccess, forgetToken, managedOrganizations, requireUser } from '../lib/auth';
import { readJson } from '../lib/body';
import { query } from '../lib/db';
import { text, type Body } from '../lib/fields';
import { randomId, sha256Hex, SITE_ID } from '../lib/token';
import { getToken, insertToken, listTokens, revokeToken, sitesOfOrganization } from '../storage/pg-access';
import { getSite } from '../storage/pg-sites';

const tokens = new Hono<AppBindings>();
tokens.use('*', requireUser);

tokens.get('/', async (c) => {
  const managed = managedOrganizations(c);
  if (managed?.length === 0) throw new ApiError(403, 'forbidden', 'This needs the admin role in an organisation.');
  return c.json({ tokens: await query(c, (sql) => listTokens(sql, managed)) });
});

/** A list of site ids from the body (`site_ids`, or the older single `site_id`). */
export function siteIdsOf(body: Body): string[] | null {
  const one = text(body, 'site_id', { max: 64, pattern: SITE_ID });
  const many = body.site_ids;
  if (many === undefined || many === null) return one ? [one] : null;
  if (!Array.isArray(many) || many.length === 0 || many.length > 100 || many.some((s) => typeof s !== 'string' || !SITE_ID.test(s))) {
    throw new ApiError(400, 'bad_request', 'site_ids must be a list of 1 to 100 site ids (or null for every site).');
  }
  return [...new Set(many as string[])];
}

tokens.post('/', async (c) => {
  const body = await readJson<Body>(c.req.raw, 8192);
  const siteIds = siteIdsOf(body);
  let organizationId = text(body, 'organization_id', { max: 64, pattern: SITE_ID });
  if (!organizationId && siteIds) {
    assertSiteAccess(c, siteIds[0]);
    organizationId = (await query(c, (sql) => getSite(sql, siteIds[0])))?.organization_id;
  }
  if (!organizationId) {
    const managed = managedOrganizations(c);
    organizationId = managed === null ? 'default' : managed.length === 1 ? managed[0] : undefined;
    if (managed?.length === 0) throw new ApiError(403, 'forbidden', 'This needs the admin role in an organisation.');
  }
  if (!organizationId) throw new ApiError(400, 'bad_request', 'Name the organization_id the token belongs to.');
  assertOrgRole(c, organizationId, 'admin');
  const name = text(body, 'name', { max: 100, required: true })!;
  if (siteIds) {
    const found = await query(c, (sql) => sitesOfOrganization(sql, organizationId!, siteIds));
    const missing = siteIds.find((s) => !found.includes(s));
    if (missing) throw new ApiError(404, 'not_found', `No site ${missing} in this organisation.`);
  }
  // 24 random bytes: guessing is hopeless, and a SHA-256 needs no salt.
  const secret = `ert_${randomId(24)}`;
  const token = await query(c, async (sql) =>
    insertToken(sql, { id: `tok_${randomId(9)}`, name, hash: await sha256Hex(secret), organizationId: organizationId!, siteIds }),
  );
  return c.json({ token, secret }, 201);
});

tokens.delete('/:id', async (c) => {
  const id = c.req.param('id');
  const found = await query(c, (sql) => getToken(sql, id));
  const managed = managedOrganizations(c);
  if (!found || (managed && !managed.includes(found.organization_id))) {
    // A member of the organisation below admin learns it exists; others do not.
    if (found) assertOrgRole(c, found.organization_id, 'admin');
    throw new ApiError(404, 'not_found', `No token ${id}.`);
  }
  const token = await query(c, (sql) => revokeToken(sql, id));
  forgetToken(id);
  return c.json({ token });
});

export default tokens;
