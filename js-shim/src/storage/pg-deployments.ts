// Deployment history: one row per `npm run deploy` (or POST /api/deployments),
// failed ones included.
import type { Sql } from './pg';

export const DEPLOYMENT_STATUSES = ['success', 'failed', 'rolled_back'] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

export interface Deployment {
  id: number;
  version: string;
  environment: string;
  deployed_at: Date;
  commit_sha: string | null;
  deployed_by: string | null;
  status: string;
  notes: string | null;
}

export interface NewDeployment {
  version: string;
  environment: string;
  deployed_at: Date | null;
  commit_sha: string | null;
  deployed_by: string | null;
  status: DeploymentStatus;
  notes: string | null;
}

const COLUMNS = 'id::int AS id, version, environment, deployed_at, commit_sha, deployed_by, status, notes';

export async function insertDeployment(sql: Sql, d: NewDeployment): Promise<Deployment> {
  const rows = await sql<Deployment[]>`
    INSERT INTO deployment_history (version, environment, deployed_at, commit_sha, deployed_by, status, notes)
    VALUES (${d.version}, ${d.environment}, COALESCE(${d.deployed_at}::timestamptz, now()), ${d.commit_sha},
      ${d.deployed_by}, ${d.status}, ${d.notes})
    RETURNING ${sql.unsafe(COLUMNS)}`;
  return rows[0];
}

export interface DeploymentQuery {
  limit: number;
  /** Rows with a smaller id than this (the previous page's last id). */
  before?: number;
  environment?: string;
  status?: string;
}

/** Newest first; ids grow with time, so they page stably. */
export async function listDeployments(sql: Sql, q: DeploymentQuery): Promise<Deployment[]> {
  return sql<Deployment[]>`
    SELECT ${sql.unsafe(COLUMNS)} FROM deployment_history
    WHERE true
      ${q.before !== undefined ? sql`AND id < ${q.before}` : sql``}
      ${q.environment ? sql`AND environment = ${q.environment}` : sql``}
      ${q.status ? sql`AND status = ${q.status}` : sql``}
    ORDER BY id DESC LIMIT ${q.limit}`;
}

export async function deploymentStats(sql: Sql, weeks: number) {
  const [totals] = await sql`
    SELECT COALESCE(sum(n), 0)::int AS total,
           COALESCE(jsonb_object_agg(status, n) FILTER (WHERE status IS NOT NULL), '{}') AS by_status
    FROM (SELECT status, count(*)::int AS n FROM deployment_history GROUP BY status) s`;
  const byEnvironment = await sql`
    SELECT environment, count(*)::int AS deployments,
           count(*) FILTER (WHERE status = 'success')::int AS succeeded,
           count(*) FILTER (WHERE status = 'failed')::int AS failed,
           max(deployed_at) AS last_deployed_at
    FROM deployment_history GROUP BY environment ORDER BY environment`;
  const [lastSuccess] = await sql<Deployment[]>`
    SELECT ${sql.unsafe(COLUMNS)} FROM deployment_history WHERE status = 'success' ORDER BY deployed_at DESC, id DESC LIMIT 1`;
  // Weeks start on Monday (ISO), in UTC; weeks without a deploy count 0.
  const perWeek = await sql`
    WITH weeks AS (
      SELECT generate_series(date_trunc('week', now() AT TIME ZONE 'UTC') - (${weeks - 1}::int * interval '1 week'),
                             date_trunc('week', now() AT TIME ZONE 'UTC'), interval '1 week') AS week
    ), counts AS (
      SELECT date_trunc('week', deployed_at AT TIME ZONE 'UTC') AS week, count(*)::int AS deployments,
             count(*) FILTER (WHERE status = 'failed')::int AS failed
      FROM deployment_history
      WHERE deployed_at >= date_trunc('week', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - (${weeks - 1}::int * interval '1 week')
      GROUP BY 1
    )
    SELECT to_char(weeks.week, 'YYYY-MM-DD') AS week, COALESCE(c.deployments, 0) AS deployments, COALESCE(c.failed, 0) AS failed
    FROM weeks LEFT JOIN counts c USING (week) ORDER BY weeks.week`;
  return {
    total: totals.total as number,
    by_status: totals.by_status as Record<string, number>,
    by_environment: byEnvironment,
    last_success: lastSuccess ?? null,
    per_week: perWeek,
  };
}
