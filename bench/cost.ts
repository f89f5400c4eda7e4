// What one 500-event visit costs in operations, counted on the integration
// stack (the built Worker in Miniflare with real local R2 and D1, PostgreSQL
// with pg_stat_statements, every R2 and D1 call counted by the probe
// bindings), as the tracker sends it with the batch interval the Worker
// answers (wrangler.toml BATCH_INTERVAL_MS, 60 s): a visitor active about
// once a second fills a batch to the tracker's FLUSH_AT (50 events) before
// the interval ends, so session/start, 9 batches of 50 and session/end
// carrying the last 50, then the compaction session/end starts. Compaction
// is included and also reported on its own. Writes bench/out/cost.json.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resetStatements, seedSite, startStack, workerStatements } from '../tests/worker/harness/stack.ts';
import { eventually, runSession, startSession } from '../tests/worker/harness/session.ts';

const OUT = fileURLToPath(new URL('./out/', import.meta.url));

const interval = /BATCH_INTERVAL_MS = "(\d+)"/.exec(readFileSync(new URL('../wrangler.toml', import.meta.url), 'utf8'))![1];
const FLUSH_AT = 50; // tracker/src/outbox.ts
const perBatch = FLUSH_AT;
const stack = await startStack({ probe: true, vars: { BATCH_INTERVAL_MS: interval } });
try {
  const { siteId } = await seedSite(stack);
  // A warm isolate (core.wasm compiled, site config cached), as in production.
  await startSession(stack, siteId);
  await resetStatements(stack);
  stack.probe.reset();

  // session/start, then batches and session/end, 500 events in all.
  const batches = 500 / perBatch;
  const run = await runSession(stack, siteId, batches, perBatch);
  const sessionId = run.session.session_id;
  await eventually(
    async () => (await stack.db.query('SELECT compacted_at IS NOT NULL AS done FROM sessions WHERE id = $1', [sessionId])).rows[0]?.done,
    (done) => done === true,
    30_000,
  );
  // D1 cache writes run in waitUntil: wait until the counts stop moving.
  let last = '';
  await eventually(
    async () => {
      const now = JSON.stringify(stack.probe.calls);
      const settled = now === last;
      last = now;
      return settled;
    },
    (settled) => settled,
    10_000,
  );
  const calls = { ...stack.probe.calls };
  const pgStatements = await workerStatements(stack);
  const compactionWrites = pgStatements.byQuery.filter((q) => /compacted_at\s*=/.test(q.query)).reduce((n, q) => n + q.calls, 0);

  const bucket = await stack.bucket();
  const day = run.session.session_started_at.slice(0, 10).replace(/-/g, '/');
  const stored = (await bucket.list({ prefix: `sessions/${day}/${sessionId}/`, include: ['customMetadata'] })).objects;
  const kept = stored.filter((o) => o.key.includes('/segments/') || o.key.endsWith('/compacted.ndjson'));
  const n = (k: string) => calls[k] ?? 0;

  const figures = {
    batch_interval_ms: Number(interval),
    events_per_batch: perBatch,
    events: run.events.length,
    requests: 1 + batches,
    pg_reads: pgStatements.reads,
    pg_writes: pgStatements.writes,
    pg_writes_requests: pgStatements.writes - compactionWrites,
    pg_writes_compaction: compactionWrites,
    pg_statements: pgStatements.byQuery,
    r2_put: n('r2/put'),
    r2_list: n('r2/list'),
    r2_delete: n('r2/delete'),
    r2_get: n('r2/get'),
    r2_head: n('r2/head'),
    // R2 bills put and list as class A, get and head as class B; deletes are
    // free (R2 pricing, "Free operations"). Compaction's share: one list, one
    // put of a segment, a get per chunk and one (free) delete call.
    // Chunks stay until the session can no longer receive batches; the cron's
    // next compaction then lists once more (class A, added here) and deletes
    // them, keeping the segments alone for the retention period.
    r2_class_a: n('r2/put') + n('r2/list') + 1,
    r2_class_b: n('r2/get') + n('r2/head'),
    r2_class_a_compaction: n('r2/list') + 2,
    r2_objects_after_compaction: stored.length,
    // What retention holds: the segments (or an earlier version's compacted object), once the chunks go.
    r2_bytes_stored: (kept.length ? kept : stored).reduce((sum, o) => sum + o.size, 0),
    r2_bytes_until_closed: stored.reduce((sum, o) => sum + o.size, 0),
    // The same objects' NDJSON bytes (raw_bytes of the gzip objects), to show the compression the model counts.
    r2_ndjson_bytes_stored: (kept.length ? kept : stored).reduce((sum, o) => sum + (Number(o.customMetadata?.raw_bytes) || o.size), 0),
    d1_batches: n('d1/batch'),
    d1_write_statements: n('d1/statements') + n('d1/write') + n('d1/exec'),
    d1_reads: n('d1/read'),
    probe_calls: calls,
  };
  mkdirSync(OUT, { recursive: true });
  writeFileSync(`${OUT}cost.json`, JSON.stringify(figures, null, 2) + '\n');
  console.log(
    `500-event session: Postgres ${figures.pg_reads} reads, ${figures.pg_writes} writes (${figures.pg_writes_compaction} by compaction); ` +
      `R2 ${figures.r2_class_a} class A (${figures.r2_class_a_compaction} by compaction), ${figures.r2_class_b} class B; ` +
      `D1 ${figures.d1_write_statements} write statements in ${figures.d1_batches} batches; ${figures.r2_bytes_stored} bytes stored`,
  );
} finally {
  await stack.close();
}
