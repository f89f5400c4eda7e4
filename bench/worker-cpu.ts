// The Worker's own CPU per request, without wrangler's local simulators, two
// ways, on the bundle `wrangler deploy` uploads (build/worker/index.js):
//   - workerd: the bundle in Miniflare with bindings that cost almost
//     nothing (bench/lib/free-bindings-workerd.js: R2 as a Map, D1 answering
//     from memory), CPU read from /proc for the workerd process (user +
//     system, all its threads) over N requests. This is the real runtime;
//     Miniflare's entry worker, which routes each request in, is in it too
//     (GET /ping shows that floor).
//   - Node: the same bundle imported into this process and its fetch()
//     called directly with the same kind of bindings (bench/lib/free-bindings.ts),
//     timed with process.cpuUsage(); Node's JavaScript sockets, streams and
//     Web Crypto are in it, which workerd implements natively.
// Postgres is a real server in its own process behind the Hyperdrive binding
// (Miniflare's Hyperdrive proxy runs in this Node process, not in workerd); its
// CPU is not counted, the Worker's side of the protocol (postgres.js) is. Each
// figure is over N requests one after another after 10 warm-ups, their
// waitUntil work included. Writes bench/out/worker-cpu.json.
//
// Also measures cold start in fresh Node processes: core.wasm compiled, the
// bundle's modules evaluated, and the first request that instantiates the core.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { startPostgres } from '../scripts/lib/postgres-server.mjs';
import { migratePostgres } from '../scripts/lib/migrations.mjs';
import { batchBody, mixedEvents, sha256Hex, type StartedSession } from '../tests/worker/harness/factories.ts';
import { BUILT_WORKER } from '../tests/worker/harness/stack.ts';
import { allowAll, freeD1, freeR2 } from './lib/free-bindings.ts';
import { compileCore, importWorker, prepareBundle } from './lib/node-bundle.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = `${ROOT}bench/out/`;
const TOKEN_SECRET = 'bench-secret-of-at-least-thirty-two-bytes';
const SITE = 'site_cpu';
const SITE_ROW = { id: SITE, name: 'CPU', domain: 'example.com', allowed_origins: '["localhost"]', replay_enabled: 1, replay_sample_rate: 1, retention_days: 365, respect_dnt: 1 };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

/**
 * The bundle's largest parts: wrangler's own build of it again, with esbuild's
 * metafile, bytes in the output by npm package (the app's generated modules
 * and its own code by file group).
 */
function bundleParts() {
  const dir = `${OUT}bundle/`;
  const r = spawnSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', dir, '--metafile', `${dir}meta.json`], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wrangler build for the metafile failed: ${r.stderr}`);
  const meta = JSON.parse(readFileSync(`${dir}meta.json`, 'utf8')) as { outputs: Record<string, { bytes: number; inputs: Record<string, { bytesInOutput: number }> }> };
  const [, out] = Object.entries(meta.outputs).find(([k]) => k.endsWith('index.js'))!;
  const parts: Record<string, number> = {};
  for (const [file, v] of Object.entries(out.inputs)) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1];
    const name = pkg ?? (file.includes('js-shim/generated/') ? file.slice(file.indexOf('js-shim/generated/')) : 'the Worker\'s own code (js-shim/src)');
    parts[name] = (parts[name] ?? 0) + v.bytesInOutput;
  }
  const top = Object.entries(parts).sort((a, b) => b[1] - a[1]).slice(0, 10);
  return { bytes: out.bytes, parts: Object.fromEntries(top) };
}

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

interface Cpu {
  user: number;
  system: number;
}

/** CPU-ms used so far by the workerd processes below this one (/proc, clock ticks of 10 ms). */
function workerdCpuMs(): Cpu {
  const ms = { user: 0, system: 0 };
  const parent = new Map<number, number>();
  const names = new Map<number, string>();
  const times = new Map<number, Cpu>();
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(p), Number(f[1]));
      names.set(Number(p), stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
      times.set(Number(p), { user: Number(f[11]) * 10, system: Number(f[12]) * 10 });
    } catch {
      // gone
    }
  }
  const below = (pid: number) => {
    for (let p = parent.get(pid); p; p = parent.get(p)) if (p === process.pid) return true;
    return false;
  };
  for (const [pid, name] of names) {
    if (name !== 'workerd' || !below(pid)) continue;
    ms.user += times.get(pid)!.user;
    ms.system += times.get(pid)!.system;
  }
  return ms;
}

type Answer = { status: number; headers: Headers; text: string };
interface Host {
  name: string;
  call(path: string, init?: RequestInit): Promise<Answer>;
  /** CPU-ms so far, and how long to wait for background work before reading it. */
  cpuMs(): Cpu;
  settleMs: number;
}

/** The five requests the issue names, each as CPU-ms per request on one host. */
async function suite(host: Host, apiToken: string, only?: string) {
  const post = (path: string, body: string) => host.call(path, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
  const startBody = JSON.stringify({ site_id: SITE, url: 'https://example.com/landing?utm_source=newsletter', referrer: 'https://news.example.org/' });
  const start = async () => {
    const res = await post('/track/session/start', startBody);
    if (res.status !== 200) throw new Error(`start: ${res.status} ${res.text}`);
    return JSON.parse(res.text) as StartedSession;
  };
  async function measure(name: string, n: number, make: () => Promise<() => Promise<Answer>>, status: number) {
    const runs: (() => Promise<Answer>)[] = [];
    for (let i = 0; i < n + 10; i++) runs.push(await make());
    for (const run of runs.slice(0, 10)) await run(); // warm: JIT, site cache
    await new Promise((r) => setTimeout(r, host.settleMs));
    const c0 = host.cpuMs();
    const t0 = performance.now();
    for (const run of runs.slice(10)) {
      const res = await run();
      if (res.status !== status) throw new Error(`${name}: ${res.status} ${res.text}`);
    }
    const wall = performance.now() - t0;
    await new Promise((r) => setTimeout(r, host.settleMs));
    const c1 = host.cpuMs();
    const user = (c1.user - c0.user) / n;
    const system = (c1.system - c0.system) / n;
    console.log(`${host.name}: ${name}: ${(user + system).toFixed(3)} CPU-ms per request, ${user.toFixed(3)} user + ${system.toFixed(3)} system (wall ${(wall / n).toFixed(2)} ms)`);
    return { ms: round(user + system), user_ms: round(user), system_ms: round(system) };
  }
  /** Batches of `size` events, each its own seq, a new session every 10 batches. */
  function batches(size: number, forged = false) {
    let s: StartedSession | undefined;
    let seq = 0;
    return async () => {
      if (!s || seq === 10) {
        s = await start();
        seq = 0;
      }
      const t0 = Date.parse(s.session_started_at) + 10 + seq * size * 10;
      const token = forged ? `${SITE}.${'A'.repeat(43)}` : s.token;
      const body = batchBody({ ...s, token }, seq++, mixedEvents(0, size).map((e, i) => ({ ...e, ts: t0 + i * 10 })));
      return () => post('/track/events/batch', body);
    };
  }
  // BENCH_ONLY=batch_20: a profiling aid, the 20-event batch alone, many times (node --cpu-prof).
  if (only === 'batch_20') return { batch_20: await measure('POST /track/events/batch (20 events)', 600, batches(20), 202) };

  // One 500-event session as the tracker used to send it (25 chunks), ended and compacted, for replay.
  const replaySession = await start();
  const t0 = Date.parse(replaySession.session_started_at) + 10;
  for (let seq = 0; seq < 25; seq++) {
    const events = mixedEvents(0, 20).map((e, i) => ({ ...e, ts: t0 + (seq * 20 + i) * 10 }));
    const res = await post(seq === 24 ? '/track/session/end' : '/track/events/batch', batchBody(replaySession, seq, events));
    if (res.status !== 202) throw new Error(`replay session batch ${seq}: ${res.status}`);
  }
  await new Promise((r) => setTimeout(r, 500)); // compaction runs in waitUntil
  const replayOnce = () => host.call(`/replay/${replaySession.session_id}/events`, { headers: { authorization: `Bearer ${apiToken}` } });
  const replayed = Number((await replayOnce()).headers.get('x-replay-events'));
  if (replayed !== 500) throw new Error(`replay returned ${replayed} events`);

  return {
    ping: await measure('GET /ping', 300, async () => () => host.call('/ping'), 200),
    // A Postgres connection opened for the request and one SELECT 1 (R2 and D1 are the stand-ins):
    // the floor a batch's one statement stands on.
    health: await measure('GET /health (a new Postgres connection, SELECT 1)', 150, async () => () => host.call('/health'), 200),
    session_start: await measure('POST /track/session/start', 150, async () => () => post('/track/session/start', startBody), 200),
    batch_20: await measure('POST /track/events/batch (20 events)', 200, batches(20), 202),
    batch_200: await measure('POST /track/events/batch (200 events)', 100, batches(200), 202),
    // The same 20 events with a forged token: body read, core ingest and the HMAC check, then a 403
    // before any binding: what a batch costs without its R2 put, Postgres statement and D1 write.
    batch_20_refused: await measure('POST /track/events/batch (20 events, forged token)', 200, batches(20, true), 403),
    replay_500: await measure('GET /replay/:id/events (500 events, compacted)', 100, async () => replayOnce, 200),
  };
}

const server = await startPostgres({ statementStats: false });
let mf: Miniflare | undefined;
try {
  await migratePostgres(server.superUrl);
  const pg = (await import('pg')).default;
  const db = new pg.Client(server.superUrl);
  await db.connect();
  await db.query(`INSERT INTO sites (id, name, domain, allowed_origins, replay_enabled) VALUES ($1, 'CPU', 'example.com', $2, true)`, [SITE, ['localhost']]);
  const apiToken = `ert_${SITE}_bench`;
  await db.query(`INSERT INTO api_tokens (id, name, token_hash, site_id) VALUES ('tok_cpu', 'bench', $1, $2)`, [sha256Hex(apiToken), SITE]);
  await db.end();
  const only = process.env.BENCH_ONLY;
  const vars = { TOKEN_SECRET, BATCH_INTERVAL_MS: '60000' };

  // workerd, through Miniflare.
  mf = new Miniflare({
    workers: [
      {
        name: 'edgereplay',
        ...BUILT_WORKER,
        bindings: vars,
        ratelimits: { TRACK_LIMITER: { simple: { limit: 1_000_000, period: 60 } }, AUTH_LIMITER: { simple: { limit: 1_000_000, period: 60 } } },
        hyperdrives: { HYPERDRIVE: `${server.superUrl}?sslmode=disable` },
        wrappedBindings: { EVENTS: { scriptName: 'free', entrypoint: 'r2' }, DB: { scriptName: 'free', entrypoint: 'd1' } },
      },
      { name: 'free', modules: true, scriptPath: `${ROOT}bench/lib/free-bindings-workerd.js`, bindings: { SITES: JSON.stringify({ [SITE]: SITE_ROW }) } },
    ],
  });
  await mf.ready;
  const worker = mf;
  const workerd: Host = {
    name: 'workerd',
    async call(path, init) {
      const res = await worker.dispatchFetch(`http://edgereplay.test${path}`, init as never);
      return { status: res.status, headers: res.headers as unknown as Headers, text: await res.text() };
    },
    cpuMs: workerdCpuMs,
    settleMs: 300,
  };
  const inWorkerd = await suite(workerd, apiToken, only);
  await mf.dispose();
  mf = undefined;

  // Node, in this process.
  const bundle = prepareBundle();
  compileCore(bundle.wasm);
  const nodeWorker = (await importWorker(bundle.script)) as { fetch(r: Request, env: object, ctx: object): Promise<Response> };
  const calls: Record<string, number> = {};
  const env = {
    ...vars,
    EVENTS: freeR2(calls),
    DB: freeD1(calls, { [SITE]: SITE_ROW }),
    HYPERDRIVE: { connectionString: `${server.superUrl}?sslmode=disable` },
    TRACK_LIMITER: allowAll,
    AUTH_LIMITER: allowAll,
  };
  const node: Host = {
    name: 'node',
    async call(path, init = {}) {
      const pending: Promise<unknown>[] = [];
      const ctx = { waitUntil: (p: Promise<unknown>) => pending.push(p), passThroughOnException() {}, props: {} };
      const res = await nodeWorker.fetch(new Request(`http://edgereplay.test${path}`, init), env, ctx);
      const text = await res.text();
      // waitUntil work is billed CPU too; it may queue more.
      while (pending.length) await Promise.allSettled(pending.splice(0));
      return { status: res.status, headers: res.headers, text };
    },
    cpuMs: () => {
      const c = process.cpuUsage();
      return { user: c.user / 1000, system: c.system / 1000 };
    },
    settleMs: 0,
  };
  const inNode = await suite(node, apiToken, only);
  if (!only) {
    const cold = startup(bundle);
    console.log(`cold start: ${cold.startup_ms} ms (core.wasm compile ${cold.wasm_compile_ms} ms, modules ${cold.module_eval_ms} ms, first core request ${cold.first_core_request_ms} ms)`);
    mkdirSync(OUT, { recursive: true });
    const totals = (f: Record<string, { ms: number }>) => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, v.ms]));
    const bundle_parts = bundleParts();
    const out = { cpu_ms: totals(inWorkerd), cpu_ms_node: totals(inNode), cpu_split: { workerd: inWorkerd, node: inNode }, startup: cold, bundle_parts, node: process.version };
    writeFileSync(`${OUT}worker-cpu.json`, JSON.stringify(out, null, 2) + '\n');
  }
} finally {
  await mf?.dispose();
  server.destroy();
}
