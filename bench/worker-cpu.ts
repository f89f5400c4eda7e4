// The Worker's own CPU per request, without wrangler's local simulators: the
// bundle `wrangler deploy` uploads (build/worker/index.js) imported into this
// Node process, its fetch() called directly with bindings that cost almost
// nothing (bench/lib/free-bindings.ts: R2 as a Map, D1 answering from
// memory). Postgres is a real server in its own process, so its CPU is not
// counted; the Worker's side of the wire protocol (postgres.js) is. Each
// figure is process.cpuUsage() (user + system, every thread of this process:
// an upper bound) over N requests run one after another, their waitUntil work
// included, divided by N. Writes bench/out/worker-cpu.json.
//
// Also measures cold start in fresh processes: evaluating the bundle's
// modules (core.wasm compiled with them, as workerd compiles a CompiledWasm
// module at load) and the first request that instantiates the core.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startPostgres } from '../scripts/lib/postgres-server.mjs';
import { migratePostgres } from '../scripts/lib/migrations.mjs';
import { batchBody, mixedEvents, sha256Hex, type StartedSession } from '../tests/worker/harness/factories.ts';
import { allowAll, freeD1, freeR2 } from './lib/free-bindings.ts';
import { compileCore, importWorker, prepareBundle } from './lib/node-bundle.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = `${ROOT}bench/out/`;
const TOKEN_SECRET = 'bench-secret-of-at-least-thirty-two-bytes';
const SITE = 'site_cpu';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

/** Cold starts in fresh plain-Node processes; medians of 7. */
function startup(bundle: { script: string; wasm: string }) {
  const runs = [];
  for (let i = 0; i < 7; i++) {
    const r = spawnSync(process.execPath, [`${ROOT}bench/lib/startup-probe.mjs`, bundle.script, bundle.wasm], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`startup run failed: ${r.stderr}`);
    runs.push(JSON.parse(r.stdout.trim().split('\n').pop()!));
  }
  const m = (k: string) => round(median(runs.map((r) => r[k])), 1);
  const parts = { wasm_compile_ms: m('wasm_compile_ms'), module_eval_ms: m('module_eval_ms'), first_core_request_ms: m('first_core_request_ms') };
  return { ...parts, startup_ms: round(parts.wasm_compile_ms + parts.module_eval_ms + parts.first_core_request_ms, 1) };
}

const server = await startPostgres({ statementStats: false });
try {
  await migratePostgres(server.superUrl);
  const pg = (await import('pg')).default;
  const db = new pg.Client(server.superUrl);
  await db.connect();
  await db.query(`INSERT INTO sites (id, name, domain, allowed_origins, replay_enabled) VALUES ($1, 'CPU', 'example.com', $2, true)`, [SITE, ['localhost']]);
  const apiToken = `ert_${SITE}_bench`;
  await db.query(`INSERT INTO api_tokens (id, name, token_hash, site_id) VALUES ('tok_cpu', 'bench', $1, $2)`, [sha256Hex(apiToken), SITE]);
  await db.end();

  const bundle = prepareBundle();
  compileCore(bundle.wasm);
  const worker = (await importWorker(bundle.script)) as { fetch(r: Request, env: object, ctx: object): Promise<Response> };

  const calls: Record<string, number> = {};
  const siteRow = { id: SITE, name: 'CPU', domain: 'example.com', allowed_origins: '["localhost"]', replay_enabled: 1, replay_sample_rate: 1, retention_days: 365, respect_dnt: 1 };
  const env = {
    TOKEN_SECRET,
    BATCH_INTERVAL_MS: '20000',
    EVENTS: freeR2(calls),
    DB: freeD1(calls, { [SITE]: siteRow }),
    HYPERDRIVE: { connectionString: `${server.superUrl}?sslmode=disable` },
    TRACK_LIMITER: allowAll,
    AUTH_LIMITER: allowAll,
  };
  type Answer = { status: number; headers: Headers; text: string };
  async function call(path: string, init: RequestInit = {}): Promise<Answer> {
    const pending: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => pending.push(p), passThroughOnException() {}, props: {} };
    const res = await worker.fetch(new Request(`http://edgereplay.test${path}`, init), env, ctx);
    const text = await res.text();
    // waitUntil work is billed CPU too; it may queue more.
    while (pending.length) await Promise.allSettled(pending.splice(0));
    return { status: res.status, headers: res.headers, text };
  }
  const post = (path: string, body: string) => call(path, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
  const startBody = JSON.stringify({ site_id: SITE, url: 'https://example.com/landing?utm_source=newsletter', referrer: 'https://news.example.org/' });
  const start = async () => {
    const res = await post('/track/session/start', startBody);
    if (res.status !== 200) throw new Error(`start: ${res.status}`);
    return JSON.parse(res.text) as StartedSession;
  };

  /** CPU ms per request over n runs of make() (bodies built before the clock starts). */
  async function measure(name: string, n: number, make: () => Promise<() => Promise<Answer>>, status: number) {
    const runs: (() => Promise<Answer>)[] = [];
    for (let i = 0; i < n + 10; i++) runs.push(await make());
    for (const run of runs.slice(0, 10)) await run(); // warm: JIT, prepared statements, site cache
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (const run of runs.slice(10)) {
      const res = await run();
      if (res.status !== status) throw new Error(`${name}: ${res.status} ${res.text}`);
    }
    const c = process.cpuUsage(c0);
    const wall = performance.now() - t0;
    const ms = (c.user + c.system) / 1000 / n;
    console.log(`${name}: ${ms.toFixed(3)} CPU-ms per request (wall ${(wall / n).toFixed(2)} ms)`);
    return round(ms);
  }

  /** Batches of `size` events, each its own seq, a new session every 10 batches. */
  function batches(size: number, path = '/track/events/batch') {
    let s: StartedSession | undefined;
    let seq = 0;
    return async () => {
      if (!s || seq === 10) {
        s = await start();
        seq = 0;
      }
      const t0 = Date.parse(s.session_started_at) + 10 + seq * size * 10;
      const events = mixedEvents(0, size).map((e, i) => ({ ...e, ts: t0 + i * 10 }));
      const body = batchBody(s, seq++, events);
      return () => post(path, body);
    };
  }

  // One 500-event session as the tracker sends it, for replay: live (25 chunks) and after compaction.
  const replaySession = await start();
  const t0 = Date.parse(replaySession.session_started_at) + 10;
  for (let seq = 0; seq < 25; seq++) {
    const events = mixedEvents(0, 20).map((e, i) => ({ ...e, ts: t0 + (seq * 20 + i) * 10 }));
    const res = await post(seq === 24 ? '/track/session/end' : '/track/events/batch', batchBody(replaySession, seq, events));
    if (res.status !== 202) throw new Error(`replay session batch ${seq}: ${res.status}`);
  }
  const auth = { headers: { authorization: `Bearer ${apiToken}` } };
  const replayOnce = async () => {
    const res = await call(`/replay/${replaySession.session_id}/events`, auth);
    return res;
  };
  const replayCheck = await replayOnce();
  const replayEvents = Number(replayCheck.headers.get('x-replay-events'));
  if (replayEvents !== 500) throw new Error(`replay returned ${replayEvents} events`);

  const figures = {
    ping: await measure('GET /ping', 300, async () => () => call('/ping'), 200),
    session_start: await measure('POST /track/session/start', 100, async () => () => post('/track/session/start', startBody), 200),
    batch_20: await measure('POST /track/events/batch (20 events)', 150, batches(20), 202),
    batch_200: await measure('POST /track/events/batch (200 events)', 60, batches(200), 202),
    replay_500: await measure('GET /replay/:id/events (500 events, compacted)', 60, async () => replayOnce, 200),
  };
  const cold = startup(bundle);
  console.log(`cold start: ${cold.startup_ms} ms (core.wasm compile ${cold.wasm_compile_ms} ms, modules ${cold.module_eval_ms} ms, first core request ${cold.first_core_request_ms} ms)`);
  const out = { cpu_ms: figures, startup: cold, node: process.version, binding_calls: calls };
  mkdirSync(OUT, { recursive: true });
  writeFileSync(`${OUT}worker-cpu.json`, JSON.stringify(out, null, 2) + '\n');
} finally {
  server.destroy();
}
