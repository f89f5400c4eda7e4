// What one 500-event visit costs in operations, counted on the integration
// stack (the built Worker in Miniflare with real local R2 and D1, PostgreSQL
// with pg_stat_statements, every R2 and D1 call counted by the probe bindings):
// session/start, 24 batches and session/end carrying the last 20 events, as
// the tracker sends them, then the compaction session/end starts. Compaction
// is included and also reported on its own. Writes bench/out/cost.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resetStatements, seedSite, startStack, workerStatements } from '../tests/worker/harness/stack.ts';
import { eventually, runSession, startSession } from '../tests/worker/harness/session.ts';

const OUT = fileURLToPath(new URL('./out/', import.meta.url));

const stack = await startStack({ probe: true });
try {
  const { siteId } = await seedSite(stack);
  // A warm isolate (core.wasm compiled, site config cached), as in production.
  await startSession(stack, siteId);
  await resetStatements(stack);
  stack.probe.reset();

  // session/start, then 24 batches and session/end of 20 events each.
  const batches = 25;
  const run = await runSession(stack, siteId, batches, 20);
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
  const stored = (await bucket.list({ prefix: `sessions/${day}/${sessionId}/` })).objects;
  const n = (k: string) => calls[k] ?? 0;

  const figures = {
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
    // R2 bills put, list and delete as class A; get and head as class B.
    // Compaction's share: one list, one put of a segment, one delete
    // call (up to 1,000 keys), and a get per chunk.
    r2_class_a: n('r2/put') + n('r2/list') + n('r2/delete'),
    r2_class_b: n('r2/get') + n('r2/head'),
    r2_class_a_compaction: n('r2/list') + n('r2/delete') + 1,
    r2_objects_after_compaction: stored.length,
    r2_bytes_stored: stored.reduce((sum, o) => sum + o.size, 0),
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
