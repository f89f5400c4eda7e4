// End to end on `wrangler dev` over loopback: the Worker as `npm start` runs it
// (local R2 and D1, Hyperdrive pointed at a real PostgreSQL on 127.0.0.1).
//   1. batches/s and latency of POST /track/events/batch, each request a new
//      20-event batch of a real session, against GET /ping of the same Worker
//      in the same run (same connections, same duration);
//   2. the CPU each request costs wrangler dev (workerd and its node process),
//      PostgreSQL and the load generator, read from /proc;
//   3. replay time of a live 500-event session (25 chunks) and of an ended,
//      compacted 20,000-event session (one object).
// Bounded: at most DURATION_S seconds and a capped number of requests per
// route. Writes bench/out/e2e.json.
import autocannon from 'autocannon';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { SessionCredentials } from '../js-shim/src/contract.ts';
import { migratePostgres } from '../scripts/lib/migrations.mjs';
import { startPostgres } from '../scripts/lib/postgres-server.mjs';
import { batchBody } from '../tests/worker/harness/factories.ts';
import { newVisit, nextEvents } from './workload.ts';
import { startWorker, stopChildren } from './dev-worker.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = `${ROOT}bench/out/`;
const DURATION_S = Number(process.env.BENCH_E2E_SECONDS ?? 10);
const CONNECTIONS = 10;
const MAX_BATCH_REQUESTS = 4000;
const MAX_PING_REQUESTS = 60_000;
const BATCHES_PER_SESSION = 24; // the tracker's 500-event visit: 24 batches, then session/end
const EVENTS_PER_BATCH = 20;
const REPLAY_RUNS = 9;
const SITE = 'bench';

const started = Date.now();
const log = (line: string) => console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);

type StartedSession = SessionCredentials & { ip: string };

// ---- CPU accounting ----------------------------------------------------------

// Linux /proc/<pid>/stat: utime, stime, cutime, cstime in clock ticks (fields
// 14-17). cutime/cstime hold the CPU of exited children a process waited for,
// which is how the postmaster accounts for its per-connection backends.
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

interface ProcStat {
  name: string;
  ppid: number;
  ticks: number;
}

function statOf(pid: number): ProcStat | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): ppid is field 4, utime..cstime are 14..17.
    const ticks = [11, 12, 13, 14].reduce((n, k) => n + Number(fields[k]), 0);
    return { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), ppid: Number(fields[1]), ticks };
  } catch {
    return null; // exited meanwhile
  }
}

/** CPU milliseconds used so far by `root` and every live process below it, by process name. */
function treeCpuMs(root: number): Record<string, number> {
  const stats = new Map<number, ProcStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = statOf(Number(entry));
    if (s) stats.set(Number(entry), s);
  }
  const byName: Record<string, number> = {};
  for (const [pid, s] of stats) {
    for (let p: number | undefined = pid; p; p = stats.get(p)?.ppid) {
      if (p === root) {
        byName[s.name] = (byName[s.name] ?? 0) + (s.ticks * 1000) / CLOCK_TICKS;
        break;
      }
    }
  }
  return byName;
}

const sum = (byName: Record<string, number>) => Object.values(byName).reduce((n, v) => n + v, 0);

/**
 * CPU used during `work` by the Worker (wrangler dev: its node process and
 * workerd, which runs the Worker and the local R2/D1 simulators), by Postgres
 * and by this process (the load generator).
 */
async function cpuDuring<T>(roots: { worker: number; postgres: number }, work: () => Promise<T>) {
  const self = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const before = { worker: treeCpuMs(roots.worker), postgres: sum(treeCpuMs(roots.postgres)), client: self() };
  const result = await work();
  const after = treeCpuMs(roots.worker);
  const cpu = {
    worker_ms: Math.round(sum(after) - sum(before.worker)),
    workerd_ms: Math.round((after.workerd ?? 0) - (before.worker.workerd ?? 0)),
    postgres_ms: Math.round(sum(treeCpuMs(roots.postgres)) - before.postgres),
    load_generator_ms: Math.round(self() - before.client),
  };
  return { result, cpu };
}

// ---- the API as the tracker uses it ---------------------------------------

/**
 * Each benchmark visit comes from its own address, as real visitors do: the
 * Worker rate-limits /track/* per site and client address.
 */
const visitorIp = (k: number) => `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`;
let visitors = 0;

async function post(url: string, body: string, ip: string) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain', 'cf-connecting-ip': ip }, body });
  const text = await res.text();
  return { status: res.status, text };
}

async function startSession(url: string): Promise<StartedSession> {
  const ip = visitorIp(++visitors);
  const res = await post(`${url}/track/session/start`, JSON.stringify({ site_id: SITE, url: 'https://shop.example.com/', referrer: 'https://www.google.com/' }), ip);
  if (res.status !== 200) throw new Error(`session/start: ${res.status} ${res.text}`);
  return { ...JSON.parse(res.text), ip };
}

/** Sends batches seq 0..count-1 of `perBatch` events; the last one as session/end when `end`. */
async function sendSession(url: string, s: StartedSession, count: number, perBatch: number, seed: number, end: boolean) {
  // Events 0-9 ms apart: every ts must lie between the session's start and now.
  const visit = newVisit(seed, Date.parse(s.session_started_at), 10);
  for (let seq = 0; seq < count; seq++) {
    const last = end && seq === count - 1;
    const res = await post(`${url}/track/${last ? 'session/end' : 'events/batch'}`, batchBody(s, seq, nextEvents(visit, perBatch)), s.ip);
    if (res.status !== 202 || JSON.parse(res.text).accepted !== perBatch) throw new Error(`batch ${seq}: ${res.status} ${res.text}`);
  }
}

// ---- load ------------------------------------------------------------------

interface RouteFigures {
  requests: number;
  non_2xx: number;
  errors: number;
  timeouts: number;
  duration_s: number;
  rps: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
}

/** One autocannon request template (autocannon ships no type declarations). */
interface LoadRequest {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  setupRequest?: (req: Record<string, unknown>) => Record<string, unknown>;
}

async function load(url: string, path: string, maxRequests: number, request: LoadRequest): Promise<RouteFigures> {
  const result = await autocannon({
    url: `${url}${path}`,
    connections: CONNECTIONS,
    duration: DURATION_S,
    maxOverallRequests: maxRequests,
    timeout: 10,
    requests: [request],
  });
  const requests = result.requests.total;
  return {
    requests,
    non_2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    duration_s: result.duration,
    rps: Math.round((requests / result.duration) * 10) / 10,
    p50_ms: result.latency.p50,
    p90_ms: result.latency.p90,
    p99_ms: result.latency.p99,
    max_ms: result.latency.max,
  };
}

const round1 = (v: number) => Math.round(v * 10) / 10;
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];

/** Median latency of each route with nothing else in flight. */
async function soloLatency(url: string) {
  const ping: number[] = [];
  for (let k = 0; k < 48; k++) {
    const t0 = performance.now();
    await fetch(`${url}/ping`).then((r) => r.text());
    ping.push(performance.now() - t0);
  }
  const s = await startSession(url);
  const visit = newVisit(99, Date.parse(s.session_started_at), 10);
  const batch: number[] = [];
  for (let seq = 0; seq < BATCHES_PER_SESSION; seq++) {
    const body = batchBody(s, seq, nextEvents(visit, EVENTS_PER_BATCH));
    const t0 = performance.now();
    const res = await post(`${url}/track/events/batch`, body, s.ip);
    batch.push(performance.now() - t0);
    if (res.status !== 202) throw new Error(`batch ${seq}: ${res.status} ${res.text}`);
  }
  return { ping_p50_ms: round1(median(ping)), batch_p50_ms: round1(median(batch)) };
}

async function timeReplay(url: string, apiToken: string, sessionId: string, events: number, objects: number) {
  const fetchReplay = async () => {
    const t0 = performance.now();
    const res = await fetch(`${url}/replay/${sessionId}/events`, { headers: { authorization: `Bearer ${apiToken}` } });
    const body = await res.arrayBuffer();
    const ms = performance.now() - t0;
    if (res.status !== 200) throw new Error(`replay ${sessionId}: ${res.status} ${new TextDecoder().decode(body)}`);
    const got = [res.headers.get('x-replay-events'), res.headers.get('x-replay-objects')].map(Number);
    if (got[0] !== events || got[1] !== objects) throw new Error(`replay ${sessionId}: ${got[0]} events in ${got[1]} objects, expected ${events} in ${objects}`);
    return { ms, bytes: body.byteLength };
  };
  await fetchReplay(); // warm: the isolate's first replay also compiles the merge path
  const runs = [];
  for (let k = 0; k < REPLAY_RUNS; k++) runs.push(await fetchReplay());
  const ms = runs.map((r) => r.ms);
  return { median_ms: round1(median(ms)), min_ms: round1(Math.min(...ms)), bytes: runs[0].bytes, runs: REPLAY_RUNS };
}

// ---- main ------------------------------------------------------------------

async function main() {
  const server = await startPostgres({ statementStats: false });
  const persist = mkdtempSync(join(tmpdir(), 'edgereplay-bench-'));
  const db = new pg.Client(server.superUrl);
  try {
    await migratePostgres(server.superUrl);
    await db.connect();
    await db.query(`INSERT INTO sites (id, name, domain, allowed_origins, replay_enabled) VALUES ($1, 'Bench site', 'shop.example.com', ARRAY['127.0.0.1'], true)`, [SITE]);
    const apiToken = `ert_bench_${randomBytes(12).toString('hex')}`;
    await db.query(`INSERT INTO api_tokens (id, name, token_hash, site_id) VALUES ('tok_bench', 'bench', $1, $2)`, [
      createHash('sha256').update(apiToken).digest('hex'),
      SITE,
    ]);
    log('postgres ready; starting wrangler dev');
    const worker = await startWorker(server.superUrl, persist);
    const url = worker.url;
    const roots = { worker: worker.pid, postgres: Number(readFileSync(join(server.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]) };
    log(`wrangler dev at ${url}`);

    // Warm both routes (module compile, site config in the D1 cache).
    const warm = await startSession(url);
    await sendSession(url, warm, 3, EVENTS_PER_BATCH, 1, false);
    for (let k = 0; k < 20; k++) await fetch(`${url}/ping`).then((r) => r.text());

    // Bodies for the batch route: sessions started up front, each batch a new
    // seq of a real session; seq-major order, as many visits batching at once.
    const sessionCount = Math.ceil(MAX_BATCH_REQUESTS / BATCHES_PER_SESSION);
    const sessions: StartedSession[] = [];
    for (let k = 0; k < sessionCount; k += 8) {
      sessions.push(...(await Promise.all(Array.from({ length: Math.min(8, sessionCount - k) }, () => startSession(url)))));
    }
    const visits = sessions.map((s, k) => newVisit(100 + k, Date.parse(s.session_started_at), 10));
    const bodies: { body: string; ip: string }[] = [];
    for (let seq = 0; seq < BATCHES_PER_SESSION; seq++) {
      sessions.forEach((s, k) => bodies.push({ body: batchBody(s, seq, nextEvents(visits[k], EVENTS_PER_BATCH)), ip: s.ip }));
    }
    bodies.length = Math.min(bodies.length, MAX_BATCH_REQUESTS);
    const meanBody = Math.round(bodies.reduce((n, b) => n + Buffer.byteLength(b.body), 0) / bodies.length);
    log(`${sessions.length} sessions started; ${bodies.length} batch bodies of ${EVENTS_PER_BATCH} events (${meanBody} bytes on average)`);

    // One request at a time first: the service time of each route without queueing.
    const solo = await soloLatency(url);
    log(`one at a time: /ping ${solo.ping_p50_ms} ms, batch ${solo.batch_p50_ms} ms (median)`);

    log(`GET /ping: ${CONNECTIONS} connections, ${DURATION_S} s, at most ${MAX_PING_REQUESTS} requests`);
    const { result: ping, cpu: pingCpu } = await cpuDuring(roots, () => load(url, '/ping', MAX_PING_REQUESTS, { method: 'GET' }));
    log(`  ${ping.rps} req/s, p50 ${ping.p50_ms} ms, p99 ${ping.p99_ms} ms`);

    let next = 0;
    log(`POST /track/events/batch: ${CONNECTIONS} connections, ${DURATION_S} s, at most ${bodies.length} requests`);
    const { result: batch, cpu: batchCpu } = await cpuDuring(roots, () => load(url, '/track/events/batch', bodies.length, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      setupRequest: (req) => {
        const { body, ip } = bodies[next++ % bodies.length];
        return { ...req, body, headers: { 'content-type': 'text/plain', 'cf-connecting-ip': ip } };
      },
    }));
    log(`  ${batch.rps} batches/s, p50 ${batch.p50_ms} ms, p99 ${batch.p99_ms} ms`);
    const perRequest = (cpu: typeof batchCpu, n: number) =>
      Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, Math.round((v / n) * 100) / 100])) as typeof batchCpu;
    const cpu = { ping: perRequest(pingCpu, ping.requests), batch: perRequest(batchCpu, batch.requests), ping_total: pingCpu, batch_total: batchCpu };
    log(`  CPU per request: /ping worker ${cpu.ping.worker_ms} ms; batch worker ${cpu.batch.worker_ms} ms (workerd ${cpu.batch.workerd_ms}), postgres ${cpu.batch.postgres_ms} ms`);
    if (batch.non_2xx || batch.errors || batch.timeouts || ping.non_2xx || ping.errors) {
      throw new Error(`failed requests under load: batch ${JSON.stringify(batch)}, ping ${JSON.stringify(ping)}`);
    }
    // Every acknowledged batch was applied once: the aggregates say so.
    // Every acknowledged batch was applied once. autocannon counts only the
    // responses that arrived within the duration; up to one request per
    // connection was still in flight then, and the Worker applied it too.
    const { rows } = await db.query(`SELECT coalesce(sum(event_count), 0)::int AS events FROM sessions WHERE id = ANY($1)`, [sessions.map((s) => s.session_id)]);
    const applied = rows[0].events / EVENTS_PER_BATCH;
    if (!Number.isInteger(applied) || applied < batch.requests || applied > batch.requests + CONNECTIONS) {
      throw new Error(`Postgres counts ${rows[0].events} events for ${batch.requests} acknowledged batches of ${EVENTS_PER_BATCH}`);
    }

    // Replay: a live 500-event session (25 chunks), and a 20,000-event one,
    // ended and compacted into one object.
    log('replay: sending a 500-event and a 20,000-event session');
    const live = await startSession(url);
    await sendSession(url, live, 25, 20, 7, false);
    const long = await startSession(url);
    await sendSession(url, long, 100, 200, 8, true);
    const until = Date.now() + 60_000;
    // Compaction after session/end is done when replay reads one object (the
    // compacted one; its chunks are gone).
    for (;;) {
      const res = await fetch(`${url}/replay/${long.session_id}/events`, { headers: { authorization: `Bearer ${apiToken}` } });
      await res.arrayBuffer();
      if (res.headers.get('x-replay-objects') === '1') break;
      if (Date.now() > until) throw new Error('the 20,000-event session was not compacted within 60 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    const replay500 = await timeReplay(url, apiToken, live.session_id, 500, 25);
    const replay20000 = await timeReplay(url, apiToken, long.session_id, 20_000, 1);
    log(`  500 events (25 chunks): ${replay500.median_ms} ms; 20,000 events compacted: ${replay20000.median_ms} ms`);

    const figures = {
      connections: CONNECTIONS,
      duration_s: DURATION_S,
      events_per_batch: EVENTS_PER_BATCH,
      batch_body_bytes_mean: meanBody,
      ping,
      batch,
      solo,
      cpu_per_request: cpu,
      batch_rps_ratio_vs_ping: Math.round((batch.rps / ping.rps) * 1000) / 1000,
      replay_500: replay500,
      replay_20000_compacted: replay20000,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
    mkdirSync(OUT, { recursive: true });
    writeFileSync(`${OUT}e2e.json`, JSON.stringify(figures, null, 2) + '\n');
    log('wrote bench/out/e2e.json');
  } finally {
    stopChildren();
    await db.end().catch(() => undefined);
    server.destroy();
    rmSync(persist, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
