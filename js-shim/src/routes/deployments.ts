// /api/deployments: the deployment history. Reading needs a login or an API
// token; recording (POST, as `npm run deploy` does) needs the DEPLOY_TOKEN secret.
import { Hono } from 'hono';
import type { AppBindings } from '../env';
import { ApiError } from '../errors';
import { requireLoginOrToken } from '../lib/auth';
import { readJson } from '../lib/body';
import { query } from '../lib/db';
import { text, time, type Body } from '../lib/fields';
import { limitParam } from '../lib/params';
import { sha256Hex } from '../lib/token';
import { deploymentStats, DEPLOYMENT_STATUSES, insertDeployment, listDeployments, type DeploymentStatus } from '../storage/pg-deployments';

const deployments = new Hono<AppBindings>();

deployments.get('/', requireLoginOrToken, async (c) => {
  const limit = limitParam(c, 20, 100);
  const cursor = c.req.query('cursor');
  const before = cursor === undefined ? undefined : Number(cursor);
  if (before !== undefined && (!Number.isInteger(before) || before < 1)) throw new ApiError(400, 'bad_request', 'cursor is not valid.');
  const rows = await query(c, (sql) =>
    listDeployments(sql, { limit, before, environment: c.req.query('environment'), status: c.req.query('status') }),
  );
  return c.json({ deployments: rows, next_cursor: rows.length === limit ? String(rows[rows.length - 1].id) : null });
});

deployments.get('/stats', requireLoginOrToken, async (c) => {
  const weeks = Number(c.req.query('weeks') ?? 12);
  if (!Number.isInteger(weeks) || weeks < 1 || weeks > 104) throw new ApiError(400, 'bad_request', 'weeks must be 1..104.');
  return c.json(await query(c, (sql) => deploymentStats(sql, weeks)));
});

deployments.post('/', async (c) => {
  const expected = c.env.DEPLOY_TOKEN;
  if (!expected) throw new ApiError(403, 'forbidden', 'Recording deployments is off: set the DEPLOY_TOKEN secret.');
  const given = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
  // Comparing digests keeps the comparison's timing independent of the secret.
  if (!given || (await sha256Hex(given)) !== (await sha256Hex(expected))) {
    throw new ApiError(401, 'unauthorized', 'Send Authorization: Bearer <DEPLOY_TOKEN>.');
  }
  const body = await readJson<Body>(c.req.raw, 16 * 1024);
  const status = (text(body, 'status', { max: 20 }) ?? 'success') as DeploymentStatus;
  if (!DEPLOYMENT_STATUSES.includes(status)) throw new ApiError(400, 'bad_request', `status must be one of ${DEPLOYMENT_STATUSES.join(', ')}.`);
  const deployment = await query(c, (sql) =>
    insertDeployment(sql, {
      version: text(body, 'version', { max: 100, required: true })!,
      environment: text(body, 'environment', { max: 50, pattern: /^[A-Za-z0-9_.-]+$/ }) ?? 'production',
      deployed_at: time(text(body, 'deployed_at', { max: 40 }), 'deployed_at') ?? null,
      commit_sha: text(body, 'commit_sha', { max: 64, pattern: /^[0-9a-f]{4,64}$/i }) ?? null,
      deployed_by: text(body, 'deployed_by', { max: 200 }) ?? null,
      status,
      notes: text(body, 'notes', { max: 4000 }) ?? null,
    }),
  );
  return c.json({ deployment }, 201);
});

export default deployments;
