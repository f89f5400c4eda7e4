// Operations (index.ts names the URLs): GET /health, GET /ping and GET /api/version.
import type { Context } from 'hono';
import type { AppBindings, AppEnv } from '../env';
import { secretProblem } from '../lib/secrets';
import { hasCache, pingCache } from '../storage/d1-cache-sync';
import { withSql } from '../lib/db';
import { ping as pingPostgres } from '../storage/pg';
import { ABI_VERSION } from '../core';
import { quarantined } from '../services/reconcile';
import { TRACKER_HASH } from './tracker';
import { REPLAY_FILE } from '../../generated/tracker-assets';
import { CORE_WASM_SHA256 } from '../../generated/build-info';

type Check = { status: 'ok' | 'missing' | 'failing'; latency_ms?: number; error?: string };

const HEALTH_TIMEOUT_MS = 3000;

async function timed(fn: () => Promise<unknown>): Promise<Check> {
  const start = Date.now();
  try {
    await Promise.race([fn(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), HEALTH_TIMEOUT_MS))]);
    return { status: 'ok', latency_ms: Date.now() - start };
  } catch (err) {
    // The error class only: a message could carry a connection string.
    return { status: 'failing', latency_ms: Date.now() - start, error: (err as Error)?.name ?? 'Error' };
  }
}

export async function healthOf(env: AppEnv) {
  const postgres: Check = env.HYPERDRIVE ? await timed(() => withSql(env, pingPostgres)) : { status: 'missing' };
  const d1: Check = hasCache(env) ? await timed(() => pingCache(env)) : { status: 'missing' };
  const r2: Check = env.EVENTS ? await timed(() => env.EVENTS.head('health/probe')) : { status: 'missing' };
  // Batches reconcile gave up on (storage view lists them): visible, but the
  // service itself is not degraded by them.
  const q = env.EVENTS ? await quarantined(env.EVENTS, 100).catch(() => null) : null;
  const quarantine = q ? { status: q.count ? ('failing' as const) : ('ok' as const), count: q.count, more: q.more } : { status: 'missing' as const, count: 0 };
  const problem = secretProblem(env);
  const secrets: Check = problem ? { status: env.TOKEN_SECRET ? 'failing' : 'missing', error: problem } : { status: 'ok' };
  const status = postgres.status !== 'ok' || problem ? 'down' : d1.status !== 'ok' || r2.status !== 'ok' ? 'degraded' : 'ok';
  return { status, checks: { postgres, d1, r2, quarantine, secrets } } as const;
}

/** GET /ping: liveness without touching any binding, for uptime checks, and the baseline the end-to-end benchmark measures the batch route against. */
export const ping = (c: Context<AppBindings>) => c.text('ok', 200, { 'Cache-Control': 'no-store' });

/** GET /health */
export async function health(c: Context<AppBindings>) {
  const report = await healthOf(c.env);
  return c.json(report, report.status === 'down' ? 503 : 200, { 'Cache-Control': 'no-store' });
}

/** GET /api/version */
export const version = (c: Context<AppBindings>) =>
  c.json({
    version: c.env.VERSION ?? 'dev',
    commit: c.env.COMMIT_SHA ?? null,
    build_time: c.env.BUILD_TIME ?? null,
    core_abi: ABI_VERSION,
    core_wasm_sha256: CORE_WASM_SHA256,
    tracker: TRACKER_HASH,
    tracker_replay: REPLAY_FILE,
  });
