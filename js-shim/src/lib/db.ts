// The one way to reach Postgres. A request gets one postgres.js client,
// created on first use and closed after the response (Workers cannot keep
// sockets across requests; Hyperdrive pools the real connections): db(c), or
// query(c, fn), which also answers an unreachable database with a 503. Work
// off the response path (cron, a streamed export, the health check) opens its
// own client with withSql(env, fn), closed when fn is done.
import type { Context } from 'hono';
import type { AppBindings, AppEnv } from '../env';
import { ApiError } from '../errors';
import { connect, type Sql } from '../storage/pg';

const clients = new WeakMap<Request, Sql>();

function connectionString(env: AppEnv): string {
  if (!env.HYPERDRIVE) throw new ApiError(503, 'database_unavailable', 'The database binding is not configured.');
  return env.HYPERDRIVE.connectionString;
}

/** The request's client. */
export function db(c: Context<AppBindings>): Sql {
  let sql = clients.get(c.req.raw);
  if (!sql) {
    sql = connect(connectionString(c.env));
    clients.set(c.req.raw, sql);
  }
  return sql;
}

/** Middleware: closes the request's client once the response is built. */
export async function closeDb(c: Context<AppBindings>, next: () => Promise<void>): Promise<void> {
  await next();
  const sql = clients.get(c.req.raw);
  if (sql) c.executionCtx.waitUntil(sql.end({ timeout: 5 }));
}

/** A client of its own for work off the response path, closed when `fn` is done. */
export async function withSql<T>(env: AppEnv, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const sql = connect(connectionString(env));
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 }).catch(() => undefined);
  }
}

/** Runs a database call with the request's client, an unreachable database answered 503. */
export async function query<T>(c: Context<AppBindings>, fn: (sql: Sql) => Promise<T>): Promise<T> {
  try {
    return await fn(db(c));
  } catch (err) {
    throw unreachableAs503(err);
  }
}

/** The one translation: a connection failure becomes a 503 `database_unavailable`; anything else stays as it is. */
export function unreachableAs503(err: unknown): unknown {
  if (err instanceof ApiError || !isConnectionError(err)) return err;
  return new ApiError(503, 'database_unavailable', 'The database is unreachable; try again shortly.', { 'Retry-After': '5' });
}

export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: string })?.code ?? '';
  const message = String((err as Error)?.message ?? err);
  return /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|CONNECT_TIMEOUT|CONNECTION_|57P|08)/.test(code) || /connect|socket|network|closed/i.test(message);
}
