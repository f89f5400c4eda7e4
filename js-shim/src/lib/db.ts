// Per-request Postgres access for routes: one postgres.js client created on
// first use and closed after the response (Workers cannot keep sockets across
// requests; Hyperdrive pools the real connections).
import type { Context } from 'hono';
import type { AppBindings } from '../env';
import { ApiError } from '../errors';
import { connect, type Sql } from '../storage/pg';

const clients = new WeakMap<Request, Sql>();

export function db(c: Context<AppBindings>): Sql {
  let sql = clients.get(c.req.raw);
  if (!sql) {
    if (!c.env.HYPERDRIVE) throw new ApiError(503, 'database_unavailable', 'The database binding is not configured.');
    sql = connect(c.env.HYPERDRIVE.connectionString);
    clients.set(c.req.raw, sql);
  }
  return sql;
}

/**
 * Middleware: closes the request's client once the response is built. Work
 * left in waitUntil opens its own client (see services/).
 */
export async function closeDb(c: Context<AppBindings>, next: () => Promise<void>): Promise<void> {
  await next();
  const sql = clients.get(c.req.raw);
  if (sql) c.executionCtx.waitUntil(sql.end({ timeout: 5 }));
}

/** Runs a database call, turning connection failures into a 503 JSON error. */
export async function query<T>(c: Context<AppBindings>, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const sql = db(c);
  try {
    return await fn(sql);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (isConnectionError(err)) {
      throw new ApiError(503, 'database_unavailable', 'The database is unreachable; try again shortly.', { 'Retry-After': '5' });
    }
    throw err;
  }
}

export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: string })?.code ?? '';
  const message = String((err as Error)?.message ?? err);
  return /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|CONNECT_TIMEOUT|CONNECTION_|57P|08)/.test(code) || /connect|socket|network|closed/i.test(message);
}
