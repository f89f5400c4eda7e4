// The integration-test stack: the built Worker (build/worker, the same bundle
// `wrangler deploy` uploads) in Miniflare/workerd with real local R2 and D1,
// and a real PostgreSQL server on loopback behind the Hyperdrive binding.
// With `probe: true`, R2 and D1 are wrapped to count calls and inject faults.
import { Miniflare } from 'miniflare';
import pg from 'pg';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres } from '../../../scripts/lib/postgres-server.mjs';
import { migrateD1Binding, migratePostgres } from '../../../scripts/lib/migrations.mjs';
import { sha256Hex } from './factories.ts';
import { startFaultProxy, type FaultProxy } from './tcp-fault-proxy.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const TOKEN_SECRET = 'integration-test-secret-of-32-bytes-or-more';

/** The Worker as `wrangler deploy` bundles it (scripts/build.sh), with wrangler.toml's runtime settings. */
export const BUILT_WORKER = {
  modules: true,
  scriptPath: join(ROOT, 'build/worker/index.js'),
  modulesRoot: join(ROOT, 'build/worker'),
  modulesRules: [{ type: 'CompiledWasm' as const, include: ['**/*.wasm'] }],
  compatibilityDate: '2026-04-01',
  compatibilityFlags: ['nodejs_compat'],
};
export const WORKER_ROLE = 'edgereplay_worker';

export type Fault = 'ok' | 'fail' | 'hang';

export interface Probe {
  calls: Record<string, number>;
  faults: Record<string, Fault>;
  /**
   * Called before every wrapped call with its kind ('r2/put', …) and key (a
   * list's prefix, a delete's key list as JSON); the call waits for the
   * promise, so a test can hold one R2 call back and let others pass.
   */
  gate?: (kind: string, key: string) => Promise<Fault | void> | Fault | void;
  reset(): void;
}

export interface Stack {
  mf: Miniflare;
  /** The Worker's origin when started with listen: true. */
  url: string;
  pg: Awaited<ReturnType<typeof startPostgres>>;
  db: pg.Client; // superuser client for assertions and fixtures
  probe: Probe;
  /** Takes Postgres away from the Worker (not from the test) and back. */
  postgres: FaultProxy;
  fetch(path: string, init?: RequestInit & { body?: BodyInit | null }): Promise<Response>;
  bucket(): Promise<R2Bucket>;
  d1(): Promise<D1Database>;
  close(): Promise<void>;
}

export interface StackOptions {
  probe?: boolean;
  d1?: boolean;
  /** Serve on a loopback port (for a browser); the URL is in stack.url. */
  listen?: boolean;
  /** Extra vars for the Worker, e.g. a short BATCH_INTERVAL_MS. */
  vars?: Record<string, string>;
  /** Requests per minute per site and client on /track/* (default: effectively unlimited). */
  trackRateLimit?: number;
  /** AUTH_LIMITER's limit per minute (logins, invitations, password changes, share unlocks). */
  authRateLimit?: number;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const server = await startPostgres();
  await migratePostgres(server.superUrl);
  const db = new pg.Client(server.superUrl);
  // A test that stops the server would otherwise crash on this client's error event.
  db.on('error', () => {});
  await db.connect();
  await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  // The Worker connects as its own role, so statement counts can tell its
  // statements from the test's.
  await db.query(`CREATE ROLE ${WORKER_ROLE} LOGIN PASSWORD 'worker'`);
  await db.query(`GRANT ALL ON ALL TABLES IN SCHEMA public TO ${WORKER_ROLE}`);
  await db.query(`GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${WORKER_ROLE}`);

  const probe: Probe = {
    calls: {},
    faults: {},
    reset() {
      this.calls = {};
      this.faults = {};
      this.gate = undefined;
    },
  };
  const proxy = await startFaultProxy(server.port);
  const persist = mkdtempSync(join(tmpdir(), 'edgereplay-mf-'));
  const withD1 = opts.d1 !== false;
  const storage = opts.probe
    ? {
        wrappedBindings: {
          EVENTS: { scriptName: 'probe-r2', entrypoint: 'r2' },
          ...(withD1 ? { DB: { scriptName: 'probe-d1', entrypoint: 'd1' } } : {}),
        },
      }
    : { r2Buckets: { EVENTS: 'edgereplay-events' }, ...(withD1 ? { d1Databases: { DB: 'edgereplay-cache' } } : {}) };
  const probeService = async (request: Request) => {
    const url = new URL(request.url);
    const what = url.pathname.slice(1);
    const kind = what.replace(/\/\d+$/, '');
    probe.calls[kind] = (probe.calls[kind] ?? 0) + 1;
    if (what.startsWith('d1/batch/')) probe.calls['d1/statements'] = (probe.calls['d1/statements'] ?? 0) + Number(what.split('/')[2]);
    const gated = probe.gate ? await probe.gate(kind, url.searchParams.get('key') ?? '') : undefined;
    return new Response(gated || probe.faults[kind] || 'ok');
  };
  const mf = new Miniflare({
    defaultPersistRoot: persist,
    ...(opts.listen ? { host: '127.0.0.1', port: 0 } : {}),
    workers: [
      {
        name: 'edgereplay',
        ...BUILT_WORKER,
        // A var set to undefined is left out (a test of a missing secret).
        bindings: Object.fromEntries(Object.entries({ TOKEN_SECRET, BATCH_INTERVAL_MS: '20000', ...opts.vars }).filter(([, v]) => v !== undefined)),
        ratelimits: {
          TRACK_LIMITER: { simple: { limit: opts.trackRateLimit ?? 1_000_000, period: 60 } },
          AUTH_LIMITER: { simple: { limit: opts.authRateLimit ?? 1_000_000, period: 60 } },
        },
        // Through the fault proxy; sslmode=disable: loopback needs no TLS.
        hyperdrives: { HYPERDRIVE: `postgres://${WORKER_ROLE}:worker@127.0.0.1:${proxy.port}/edgereplay?sslmode=disable` },
        ...storage,
      },
      ...(opts.probe
        ? [
            {
              name: 'probe-r2',
              modules: true,
              scriptPath: fileURLToPath(new URL('./probe-bindings.js', import.meta.url)),
              r2Buckets: { REAL: 'edgereplay-events' },
              serviceBindings: { PROBE: probeService },
            },
            {
              name: 'probe-d1',
              modules: true,
              scriptPath: fileURLToPath(new URL('./probe-bindings.js', import.meta.url)),
              d1Databases: { REAL: 'edgereplay-cache' },
              serviceBindings: { PROBE: probeService },
            },
          ]
        : []),
    ],
  });
  const url = (await mf.ready).toString().replace(/\/$/, '');

  const stack: Stack = {
    mf,
    url,
    pg: server,
    db,
    probe,
    postgres: proxy,
    fetch: (path, init) => mf.dispatchFetch(`http://edgereplay.test${path}`, init as never) as unknown as Promise<Response>,
    bucket: async () => (opts.probe ? mf.getR2Bucket('REAL', 'probe-r2') : mf.getR2Bucket('EVENTS')) as unknown as R2Bucket,
    d1: async () => (opts.probe ? mf.getD1Database('REAL', 'probe-d1') : mf.getD1Database('DB')) as unknown as D1Database,
    close: async () => {
      await mf.dispose();
      await proxy.close();
      await stack.db.end();
      server.destroy();
      rmSync(persist, { recursive: true, force: true });
    },
  };
  if (withD1) await migrateD1Binding(await stack.d1());
  return stack;
}

/** A site and a read token, as `npm start` creates them. */
export async function seedSite(stack: Stack, siteId = 'site_test', extra: { allowed_origins?: string[]; domain?: string; replay_enabled?: boolean } = {}) {
  await stack.db.query(
    `INSERT INTO sites (id, name, domain, allowed_origins, replay_enabled) VALUES ($1, $2, $3, $4, $5)`,
    [siteId, `Site ${siteId}`, extra.domain ?? 'example.com', extra.allowed_origins ?? ['http://localhost', 'localhost', '127.0.0.1'], extra.replay_enabled ?? false],
  );
  const token = `ert_${siteId}_${Math.random().toString(36).slice(2)}`;
  await stack.db.query(`INSERT INTO api_tokens (id, name, token_hash, site_id) VALUES ($1, 'test', $2, $3)`, [
    `tok_${siteId}`,
    await sha256Hex(token),
    siteId,
  ]);
  return { siteId, token };
}

/** Postgres statements run by the Worker's role since the last reset, split into reads and writes. */
export async function workerStatements(stack: Stack) {
  const { rows } = await stack.db.query(
    `SELECT query, calls::int FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid WHERE r.rolname = $1`,
    [WORKER_ROLE],
  );
  let reads = 0;
  let writes = 0;
  const byQuery: { query: string; calls: number }[] = [];
  for (const r of rows) {
    const text = r.query.trim();
    if (/^(BEGIN|COMMIT|ROLLBACK|SET|SHOW|DISCARD|DEALLOCATE)\b/i.test(text)) continue;
    if (/\b(INSERT|UPDATE|DELETE)\b/i.test(text)) writes += r.calls;
    else reads += r.calls;
    byQuery.push({ query: text.slice(0, 80), calls: r.calls });
  }
  return { reads, writes, byQuery };
}

export async function resetStatements(stack: Stack) {
  await stack.db.query('SELECT pg_stat_statements_reset()');
}
