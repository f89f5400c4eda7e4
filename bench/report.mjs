// Turns the figures of one `npm run bench` into bench/results.json (flat
// numbers, for tools) and bench/RESULTS.md (for people): every figure with its
// target, pass or miss, and the monthly cost model.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ASSUMPTIONS, DEFAULT_RETENTION_MONTHS, monthlyCost, PRICES, PRICES_READ } from './prices.mjs';

const BENCH = fileURLToPath(new URL('./', import.meta.url));

const fmt = (n, digits = 0) => Number(n).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const usd = (n) => `$${fmt(n, 2)}`;

export function writeReport({ machine, core, callgrind, cost, e2e, dashboard, dashboardScale, heatmap, sizes, seconds }) {
  const results = {
    ingest_speedup_vs_js: core.ingest_speedup_vs_js,
    ingest_us_per_batch_200: core.ingest_us_per_batch_200_wasm,
    merge_speedup_vs_js: core.merge_speedup_vs_js,
    merge_mb_per_s: core.merge_mb_per_s,
    e2e_batch_rps_ratio_vs_empty_worker: e2e.batch_rps_ratio_vs_ping,
    e2e_p99_ms: e2e.batch.p99_ms,
    pg_reads_ingest_500_event_session: cost.pg_reads,
    pg_writes_500_event_session: cost.pg_writes,
    d1_writes_500_event_session: cost.d1_write_statements,
    r2_class_a_ops_500_event_session: cost.r2_class_a,
    replay_ms_500_events: e2e.replay_500.median_ms,
    replay_ms_20000_events_compacted: e2e.replay_20000_compacted.median_ms,
    core_wasm_gzip_bytes: sizes.core_wasm_gzip_bytes,
    worker_bundle_gzip_bytes: sizes.worker_bundle_gzip_bytes,
    tracker_gzip_bytes: sizes.tracker_gzip_bytes,
    analytics_p95_ms_1m_sessions_30d: dashboard.analytics_p95_ms,
    dashboard_overview_ms_1m_sessions_30d: dashboard.overview_page_30d.median_ms,
    ...(dashboardScale ? { dashboard_overview_ms_10m_sessions_12mo: dashboardScale.overview_page_12mo.median_ms } : {}),
    heatmap_ms_30_days: heatmap.heatmap.p50_ms,
  };
  const model = monthlyCost(cost, DEFAULT_RETENTION_MONTHS);
  const firstMonth = monthlyCost(cost, 1);
  const extra = {
    ingest_us_per_batch_200_js: core.ingest_us_per_batch_200_js,
    merge_500_speedup_vs_js: core.merge_500_speedup_vs_js,
    merge_500_mb_per_s: core.merge_500_mb_per_s_wasm,
    merge_10000_shuffled_speedup_vs_js: core.merge_10000_shuffled_speedup_vs_js,
    merge_100000_speedup_vs_js: core.merge_100000_speedup_vs_js,
    merge_100000_mb_per_s: core.merge_100000_mb_per_s_wasm,
    merge_100000_shuffled_speedup_vs_js: core.merge_100000_shuffled_speedup_vs_js,
    callgrind_ingest_200_ir: callgrind.ingest_200_ir,
    callgrind_merge_10000_ir: callgrind.merge_10000_ir,
    e2e_batch_rps: e2e.batch.rps,
    e2e_ping_rps: e2e.ping.rps,
    e2e_p50_ms: e2e.batch.p50_ms,
    e2e_ping_p50_ms: e2e.ping.p50_ms,
    e2e_ping_p99_ms: e2e.ping.p99_ms,
    e2e_solo_batch_ms: e2e.solo.batch_p50_ms,
    e2e_solo_ping_ms: e2e.solo.ping_p50_ms,
    e2e_cpu_ms_per_batch: Math.round((e2e.cpu_per_request.batch.worker_ms + e2e.cpu_per_request.batch.postgres_ms) * 100) / 100,
    e2e_cpu_ms_per_ping: Math.round((e2e.cpu_per_request.ping.worker_ms + e2e.cpu_per_request.ping.postgres_ms) * 100) / 100,
    pg_writes_500_event_session_requests: cost.pg_writes_requests,
    pg_writes_500_event_session_compaction: cost.pg_writes_compaction,
    r2_class_b_ops_500_event_session: cost.r2_class_b,
    r2_bytes_500_event_session: cost.r2_bytes_stored,
    core_wasm_bytes: sizes.core_wasm_bytes,
    worker_bundle_bytes: sizes.worker_bundle_bytes,
    monthly_usd_per_million_sessions: model.edgereplay.total_usd,
    monthly_usd_per_million_sessions_first_month: firstMonth.edgereplay.total_usd,
    monthly_usd_per_million_sessions_event_rows_d1: model.legacy_d1.total_usd,
    monthly_usd_per_million_sessions_event_rows_neon: model.legacy_neon.total_usd,
    monthly_usd_per_million_sessions_event_rows_neon_first_month: firstMonth.legacy_neon.total_usd,
    dashboard_overview_ms_1m_sessions_7d: dashboard.overview_page_7d.median_ms,
    rollups_rebuild_s_1m_sessions: dashboard.rebuild_s,
    analytics_scan_p50_ms_1m_sessions_30d_overview: Number(dashboard.scanned_p50_ms.overview) || null,
    analytics_scan_p50_ms_1m_sessions_30d_devices: Number(dashboard.scanned_p50_ms.devices) || null,
    heatmap_p95_ms_30_days: heatmap.heatmap.p95_ms,
    heatmap_scroll_ms_30_days: heatmap.scroll.p50_ms,
    heatmap_click_issues_ms_30_days: heatmap.clicks.p50_ms,
    bench_seconds: seconds.total,
  };
  writeFileSync(`${BENCH}results.json`, JSON.stringify({ ...results, ...extra, machine }, null, 2) + '\n');
  writeFileSync(`${BENCH}RESULTS.md`, markdown({ machine, core, callgrind, cost, e2e, dashboard, dashboardScale, heatmap, sizes, seconds, results, model, firstMonth }));
}

function targets(r, cost, e2e) {
  const ratio = (v, t) => `${fmt(v / t, 2)}× the target`;
  const t = (name, value, target, pass, missBy, why = '') => ({ name, value, target, pass, note: pass ? '' : `missed: ${missBy}${why ? `. ${why}` : ''}` });
  return [
    t('ingest, wasm vs JS (200-event batch)', `${fmt(r.ingest_speedup_vs_js, 2)}×`, '≥ 1.5×', r.ingest_speedup_vs_js >= 1.5, ratio(r.ingest_speedup_vs_js, 1.5)),
    t('ingest time per 200-event batch', `${fmt(r.ingest_us_per_batch_200, 1)} µs`, '< 500 µs', r.ingest_us_per_batch_200 < 500, `${fmt(r.ingest_us_per_batch_200 - 500, 1)} µs over`),
    t('merge, wasm vs JS (10,000 events)', `${fmt(r.merge_speedup_vs_js, 2)}×`, '≥ 4×', r.merge_speedup_vs_js >= 4, ratio(r.merge_speedup_vs_js, 4)),
    t('merge throughput (10,000 events)', `${fmt(r.merge_mb_per_s)} MB/s`, '≥ 1,000 MB/s', r.merge_mb_per_s >= 1000, `${fmt(1000 - r.merge_mb_per_s)} MB/s short`),
    t(
      'batch route rate vs GET /ping',
      `${fmt(r.e2e_batch_rps_ratio_vs_empty_worker, 3)} (${fmt(e2e.batch.rps, 1)} vs ${fmt(e2e.ping.rps, 1)} req/s)`,
      '≥ 0.5',
      r.e2e_batch_rps_ratio_vs_empty_worker >= 0.5,
      `${fmt(0.5 / r.e2e_batch_rps_ratio_vs_empty_worker, 1)}× below the target`,
      'See "Where the end-to-end time goes"',
    ),
    t('Postgres reads after start, 500-event session', String(r.pg_reads_ingest_500_event_session), '0', r.pg_reads_ingest_500_event_session === 0, `${r.pg_reads_ingest_500_event_session} reads`),
    t(
      'Postgres writes, 500-event session (compaction included)',
      `${r.pg_writes_500_event_session} (${cost.pg_writes_requests} by the 26 requests + ${cost.pg_writes_compaction} by compaction)`,
      '≤ 26',
      r.pg_writes_500_event_session <= 26,
      `by ${r.pg_writes_500_event_session - 26}`,
      `The 26 requests make exactly 26 writes (ARCHITECTURE.md §5.2 holds); compaction adds one \`UPDATE sessions SET compacted_at\` after session/end. Folding that mark into the next write, or keeping it in R2, would remove it`,
    ),
    t('Worker bundle, gzip', `${fmt(r.worker_bundle_gzip_bytes)} bytes`, '≤ 1,000,000 bytes', r.worker_bundle_gzip_bytes <= 1_000_000, `${fmt(r.worker_bundle_gzip_bytes - 1_000_000)} bytes over`),
    t('tracker.js, gzip', `${fmt(r.tracker_gzip_bytes)} bytes`, '≤ 2,048 bytes', r.tracker_gzip_bytes <= 2048, `${fmt(r.tracker_gzip_bytes - 2048)} bytes over`),
    t('analytics endpoints, p95, 1M sessions over 30 days', `${fmt(r.analytics_p95_ms_1m_sessions_30d, 1)} ms`, '≤ 150 ms', r.analytics_p95_ms_1m_sessions_30d <= 150, `${fmt(r.analytics_p95_ms_1m_sessions_30d - 150, 1)} ms over`, 'See "Dashboards at scale"'),
    t('overview page in Chromium, 1M sessions, 30 days', `${fmt(r.dashboard_overview_ms_1m_sessions_30d)} ms`, '≤ 1,000 ms', r.dashboard_overview_ms_1m_sessions_30d <= 1000, `${fmt(r.dashboard_overview_ms_1m_sessions_30d - 1000)} ms over`),
    ...(r.dashboard_overview_ms_10m_sessions_12mo !== undefined
      ? [t('overview page in Chromium, 10M sessions, 12 months', `${fmt(r.dashboard_overview_ms_10m_sessions_12mo)} ms`, '≤ 2,000 ms', r.dashboard_overview_ms_10m_sessions_12mo <= 2000, `${fmt(r.dashboard_overview_ms_10m_sessions_12mo - 2000)} ms over`)]
      : []),
    t('heatmap of a busy page over 30 days (GET /api/insights/heatmap, p50)', `${fmt(r.heatmap_ms_30_days, 1)} ms`, '< 300 ms', r.heatmap_ms_30_days < 300, `${fmt(r.heatmap_ms_30_days - 300, 1)} ms over`),
  ];
}

/** Requests/s the measured CPU per request allows on `cores` cores. */
function capOf(e2e, route, cores) {
  const c = e2e.cpu_per_request[route];
  return (cores * 1000) / (c.worker_ms + c.postgres_ms + c.load_generator_ms);
}

/** The first month of held sessions in which one row per event in Neon costs more than edgereplay. */
function crossover(cost) {
  for (let m = 1; m <= DEFAULT_RETENTION_MONTHS * 10; m++) {
    const c = monthlyCost(cost, m);
    if (c.legacy_neon.total_usd > c.edgereplay.total_usd) return m;
  }
  return 'never';
}

function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function markdown({ machine, core, callgrind, cost, e2e, dashboard, dashboardScale, heatmap, sizes, seconds, results: r, model, firstMonth }) {
  const checks = targets(r, cost, e2e);
  const met = checks.filter((c) => c.pass).length;
  const merges = ['500', '500_shuffled', '10000', '10000_shuffled', '100000', '100000_shuffled'];
  const kb = (n) => `${fmt(n / 1024, 1)} KB`;
  const costTable = (m) =>
    table(
      ['item', 'per million sessions', 'USD / month'],
      [...m.rows.map((row) => [row.item, row.quantity, usd(row.usd)]), ['**total**', '', `**${usd(m.total_usd)}**`]],
    );
  return `# Benchmark results

\`npm run bench\` on ${machine.date.slice(0, 10)} (${machine.date}): ${machine.cpus} × ${machine.cpu}, Node ${machine.node}.
The machine is shared with other engineers' builds and tests: the 1-minute load average was
${machine.load_average_start} when the run started and ${machine.load_average_end} when it ended, on ${machine.cpus} cores. Absolute
times are noisy; the ratios are measured side by side in one process or one run, and the
instruction counts do not depend on load. The whole run took ${seconds.total} s.${
  machine.load_average_start > machine.cpus
    ? `\n\n**This run shared ${machine.cpus} cores with a load of ${machine.load_average_start}**: every timed figure is several times
slower than on an idle machine (the JavaScript baseline's ingest, ${fmt(core.ingest_us_per_batch_200_js)} µs, against 583 µs on a quiet machine on 2026-11-23), while the
instruction counts below, which load does not change, show the code is what it was.`
    : ''
}

**Targets: ${met} of ${checks.length} met.**

${table(
  ['target', 'measured', 'goal', ''],
  checks.map((c) => [c.name, c.value, c.target, c.pass ? 'met' : `**${c.note}**`]),
)}

![End-to-end throughput and latency](e2e-throughput.png)

## Reproduce

\`\`\`sh
npm test          # builds core.wasm, the Worker bundle and the tracker (or: npm run build)
npm run bench     # ~${Math.round(seconds.total / 60)} min; writes bench/results.json, bench/RESULTS.md, bench/e2e-throughput.png
npm run bench:core   # the core comparison alone
\`\`\`

Valgrind, Debian's Chromium and PostgreSQL 15 are what \`npm test\` already uses. Intermediate
figures, the callgrind profiles and the chart's HTML are in \`bench/out/\`.

## Core: core.wasm against plain JavaScript

Same process, same bytes, outputs compared byte for byte before anything is timed
(\`bench/core.bench.ts\` against \`bench/js-core.ts\`, a plain-JS implementation of the same contract).
Each figure is the median of ${core.rounds} interleaved rounds of ~${core.round_ms} ms. Ingest is a
${kb(core.ingest_batch_bytes)} tracker batch of 200 events (clicks, scrolls, custom events, page
views and ~1 KB rrweb mutations; two invalid); merges are sessions' chunks as ingest stored them,
in listing order and shuffled. Times include copying bytes into wasm memory and out again.

${table(
  ['work', 'input', 'wasm', 'JS', 'speed-up', 'wasm MB/s'],
  [
    ['ingest 200 events', kb(core.ingest_batch_bytes), `${fmt(core.ingest_us_per_batch_200_wasm, 1)} µs`, `${fmt(core.ingest_us_per_batch_200_js, 1)} µs`, `${fmt(core.ingest_speedup_vs_js, 2)}×`, fmt(core.ingest_mb_per_s_wasm)],
    ...merges.map((id) => [
      `merge ${id.replace('_shuffled', ' shuffled').replace(/^(\d+)/, (n) => fmt(Number(n)))} events`,
      kb(core[`merge_${id}_input_bytes`]),
      `${fmt(core[`merge_${id}_ms_wasm`], 3)} ms`,
      `${fmt(core[`merge_${id}_ms_js`], 3)} ms`,
      `${fmt(core[`merge_${id}_speedup_vs_js`], 2)}×`,
      fmt(core[`merge_${id}_mb_per_s_wasm`]),
    ]),
  ],
)}

The headline merge figures are the 10,000-event session in listing order, the order replay and
compaction read chunks in.

### Instruction counts (the figure to watch for regressions)

One warm call each, natively (${callgrind.compiler}), under \`valgrind --tool=callgrind\` on the
same bytes (\`bench/native/driver.cpp\`):

${table(
  ['work', 'instructions (Ir)', 'per event'],
  [
    ['ingest 200-event batch', fmt(callgrind.ingest_200_ir), fmt(callgrind.ingest_200_ir / 200)],
    ['merge 10,000 events (50 chunks)', fmt(callgrind.merge_10000_ir), fmt(callgrind.merge_10000_ir / 10000)],
  ],
)}

### What was changed for speed

- **Merge reads each line's key with constant-length comparisons.** \`read_number\` took a runtime
  name length, so every line cost three \`memcmp\` calls; a template on the literal lets the compiler
  compare a few bytes inline. Native merge of 10,000 events: 7.65M → 6.43M instructions.
- **Merge copies lines that lie back to back as one span.** In the usual case (a chunk in order,
  chunks in seq order) the output is the input's bytes, so one append per chunk replaces one per line.
- **SIMD line splitting.** core.wasm is built with \`-msimd128\` (Workers run wasm SIMD) and merge finds
  line ends 16 bytes at a time instead of wasi-libc's 4-byte \`memchr\`. The Catch2 suite runs the same
  SIMD path as wasm32 (Emscripten build) and a test puts line ends at every offset of a 16-byte block.
- Together, in one process against the previous core.wasm: merge of 10,000 events 1.45 ms → 0.98 ms
  (about 1.3 → 1.9 GB/s); ingest unchanged. Outputs are byte-identical (the JS comparison above and
  the Catch2, ABI and Worker suites).
- Tried and not kept: \`-mbulk-memory\` (memcpy as \`memory.copy\`) measured no faster once lines are
  copied as spans, and needs a clang-14 TLS workaround.

${dashboardSection(dashboard, dashboardScale)}

${heatmapSection(heatmap)}

## End to end on wrangler dev

\`bench/e2e.ts\`: PostgreSQL 15 on 127.0.0.1 (migrated, one site, one API token), \`wrangler dev\` with
local R2 and D1 and Hyperdrive pointed at that Postgres — the Worker as \`npm start\` runs it — loaded
with autocannon over loopback: ${e2e.connections} connections, ${e2e.duration_s} s per route, at most 4,000
batches and 60,000 pings. Every batch request is a new ${e2e.events_per_batch}-event batch (${fmt(e2e.batch_body_bytes_mean)} bytes on
average) of one of 167 sessions started beforehand, each session from its own client address (the
Worker rate-limits per site and address); afterwards Postgres is checked to hold every
acknowledged batch exactly once.

${table(
  ['route', 'requests', 'req/s', 'p50', 'p90', 'p99', 'max', 'alone (p50)'],
  [
    ['GET /ping', fmt(e2e.ping.requests), fmt(e2e.ping.rps, 1), `${e2e.ping.p50_ms} ms`, `${e2e.ping.p90_ms} ms`, `${e2e.ping.p99_ms} ms`, `${e2e.ping.max_ms} ms`, `${e2e.solo.ping_p50_ms} ms`],
    ['POST /track/events/batch', fmt(e2e.batch.requests), fmt(e2e.batch.rps, 1), `${e2e.batch.p50_ms} ms`, `${e2e.batch.p90_ms} ms`, `${e2e.batch.p99_ms} ms`, `${e2e.batch.max_ms} ms`, `${e2e.solo.batch_p50_ms} ms`],
  ],
)}

Replay (\`GET /replay/:id/events\` with an API token, median of ${e2e.replay_500.runs} after one warm-up; includes
the token check and session lookup in Postgres, the R2 reads and the merge):

${table(
  ['session', 'objects read', 'NDJSON returned', 'median', 'fastest'],
  [
    ['500 events, live (not yet compacted)', '25 chunks', kb(e2e.replay_500.bytes), `${e2e.replay_500.median_ms} ms`, `${e2e.replay_500.min_ms} ms`],
    ['20,000 events, ended and compacted', '1 object', kb(e2e.replay_20000_compacted.bytes), `${e2e.replay_20000_compacted.median_ms} ms`, `${e2e.replay_20000_compacted.min_ms} ms`],
  ],
)}

### Where the end-to-end time goes

The batch route reaches ${fmt(e2e.batch_rps_ratio_vs_ping * 100, 1)}% of the trivial route's rate, short of the 50% target.
On this machine the run is CPU-bound, and a batch needs far more CPU than a ping. CPU per request,
read from \`/proc\` for the process trees during each load phase:

${table(
  ['per request', 'wrangler dev: workerd', 'wrangler dev: node', 'PostgreSQL', 'load generator', 'total'],
  ['ping', 'batch'].map((route) => {
    const c = e2e.cpu_per_request[route];
    return [
      route === 'ping' ? 'GET /ping' : 'POST /track/events/batch',
      `${fmt(c.workerd_ms, 2)} ms`,
      `${fmt(c.worker_ms - c.workerd_ms, 2)} ms`,
      `${fmt(c.postgres_ms, 2)} ms`,
      `${fmt(c.load_generator_ms, 2)} ms`,
      `${fmt(c.worker_ms + c.postgres_ms + c.load_generator_ms, 2)} ms`,
    ];
  }),
)}

On ${machine.cpus} cores those totals cap the batch route at about ${fmt(capOf(e2e, 'batch', machine.cpus))} requests/s and /ping at
about ${fmt(capOf(e2e, 'ping', machine.cpus))}/s, before other engineers' work takes its share (load average
${machine.load_average_start}–${machine.load_average_end}); the ratio of the two caps, ${fmt(capOf(e2e, 'batch', 1) / capOf(e2e, 'ping', 1), 3)}, is about the ratio measured. The core is not where it goes: ingest of a ${e2e.events_per_batch}-event batch is about a
tenth of the 200-event figure above (~${fmt(core.ingest_us_per_batch_200_wasm / 10)} µs). The batch's CPU is the work the
route exists to do, run by local stand-ins:

- workerd runs the Worker (HMAC check, postgres.js opening a connection and running one statement,
  the rate limiter) and wrangler's R2 and D1 simulators, which write the chunk and the cache row
  through SQLite and files;
- wrangler's node process carries every byte of the Worker's Postgres connections: Miniflare's local
  stand-in for Hyperdrive is a TCP proxy in that process;
- PostgreSQL forks and authenticates a new backend for every request (connect, query and close cost
  ~6 ms here), because wrangler dev connects straight to the database where Hyperdrive keeps warm
  pooled connections. A session-mode pool (pgbouncer) in front of Postgres was tried and raised the
  rate by only ~5%: the workerd and node shares remain.

Alone, a batch takes ${e2e.solo.batch_p50_ms} ms and /ping ${e2e.solo.ping_p50_ms} ms. On Cloudflare, R2 and Hyperdrive are
network services: their work is not on the Worker's CPU, and a request waiting on them costs
wall time, not CPU. What the Worker itself spends per batch is bounded by the workerd figure above,
which still includes the local simulators. The rate measured here is a floor set by simulators on
two shared cores, not an edge figure; the target compares a no-op with three storage round trips.

## Cost per 500-event session

\`bench/cost.ts\` on the integration stack (the built Worker in Miniflare, real local R2 and D1,
PostgreSQL with \`pg_stat_statements\` counting the Worker role's statements, and every R2 and D1 call
counted by wrapped bindings): session/start, 24 batches of 20 events and session/end carrying the
last 20, as the tracker sends a 500-event visit, **plus the compaction session/end starts**.

${table(
  ['operation', 'count', 'of which compaction'],
  [
    ['Worker requests', String(cost.requests), '0'],
    ['Postgres reads', String(cost.pg_reads), '0'],
    ['Postgres writes', String(cost.pg_writes), String(cost.pg_writes_compaction)],
    ['D1 write statements (cache sync, off the response path)', String(cost.d1_write_statements), '0'],
    ['D1 reads', String(cost.d1_reads), '0'],
    ['R2 class A (put, list, delete)', `${cost.r2_class_a} (${cost.r2_put} put, ${cost.r2_list} list, ${cost.r2_delete} delete)`, String(cost.r2_class_a_compaction)],
    ['R2 class B (get, head)', String(cost.r2_class_b), String(cost.r2_get)],
    ['R2 objects / bytes kept', `${cost.r2_objects_after_compaction} / ${fmt(cost.r2_bytes_stored)}`, ''],
  ],
)}

Postgres statements by text: ${cost.pg_statements.map((q) => `\`${q.query.replace(/\s+/g, ' ').slice(0, 60)}…\` × ${q.calls}`).join('; ')}.

### Monthly cost per million 500-event sessions

A million 500-event sessions a month, at marginal prices (usage beyond what the plans include; add
the Workers Paid plan's ${usd(PRICES.workers_paid_plan_month.usd)} per account). Storage grows with retention, so totals are given for
the first month and for the steady state at the default retention of 365 days, when twelve months
of sessions are held. Prices as published on ${PRICES_READ}:

${table(
  ['price', 'USD', 'source'],
  Object.entries(PRICES).map(([k, v]) => [k, String(v.usd), v.source]),
)}

${table(
  ['design', 'database writes per session', 'first month', `steady state (${DEFAULT_RETENTION_MONTHS} months held)`],
  [
    ['edgereplay: events in R2, aggregates in Neon, D1 cache', String(cost.pg_writes + cost.d1_write_statements), usd(firstMonth.edgereplay.total_usd), `**${usd(model.edgereplay.total_usd)}**`],
    ['one row per event in D1', String(model.legacy_d1.database_operations_per_session), usd(firstMonth.legacy_d1.total_usd), `${usd(model.legacy_d1.total_usd)} (does not fit: see below)`],
    ['one row per event in Neon', String(model.legacy_neon.database_operations_per_session), usd(firstMonth.legacy_neon.total_usd), usd(model.legacy_neon.total_usd)],
  ],
)}

edgereplay at steady state, from the counts above:

${costTable(model.edgereplay)}

R2 class A operations dominate: one put per batch, then compaction's put, list and delete. In the
first month a row-per-event design on Neon is cheaper (${usd(firstMonth.legacy_neon.total_usd)} against ${usd(firstMonth.edgereplay.total_usd)}): 500
inserts cost Neon compute time, not per-operation fees. It loses as its storage accumulates at
Neon's $0.35 per GB-month against R2's $0.015 (it costs more than edgereplay from month
${crossover(cost)} of retention on), and its
compute has to absorb ~190 inserts/s on average (far more at peaks) where edgereplay's needs ~10
statements/s. Fewer, larger batches would lower edgereplay's R2 line in proportion.

One row per event in D1, at steady state:

${costTable(model.legacy_d1)}

A D1 database also stops at 10 GB: at ${ASSUMPTIONS.legacy_event_row_bytes.value} bytes per event row, a million such sessions a month fill
one in about ${fmt((10e9 / (1e6 * cost.events * ASSUMPTIONS.legacy_event_row_bytes.value)) * 30, 0)} days, so this design needs sharding across databases long before a year.

One row per event in Neon, at steady state:

${costTable(model.legacy_neon)}

What is assumed, not measured:

${Object.entries(ASSUMPTIONS)
  .map(([k, v]) => `- \`${k}\` = ${v.value}: ${v.why}`)
  .join('\n')}

## Sizes (gzip level 9)

${table(
  ['artifact', 'bytes', 'gzip -9', 'budget'],
  [
    ['js-shim/generated/core.wasm', fmt(sizes.core_wasm_bytes), fmt(sizes.core_wasm_gzip_bytes), '(part of the Worker)'],
    ['Worker bundle (build/worker/index.js + core.wasm)', fmt(sizes.worker_bundle_bytes), fmt(sizes.worker_bundle_gzip_bytes), '≤ 1,000,000'],
    ['dist/tracker/tracker.js', fmt(sizes.tracker_bytes), fmt(sizes.tracker_gzip_bytes), '≤ 2,048'],
  ],
)}

Compressed with zlib at level 9, as \`scripts/build-tracker.mjs\` measures the tracker's budget. GNU
\`gzip -9 -n\` makes tracker.js ${fmt(sizes.tracker_gnu_gzip_bytes)} bytes: its deflate differs by a few bytes, and the tracker
sits at the edge of its budget. Browsers get whatever Cloudflare's compression produces.

## Run time

${table(
  ['step', 'seconds'],
  [
    ['core: wasm vs JS', String(seconds.core)],
    ['callgrind', String(seconds.callgrind)],
    ['cost counts', String(seconds.cost)],
    ['end to end', String(seconds.e2e)],
    ...(seconds.heatmap !== undefined ? [['heatmaps', String(seconds.heatmap)]] : []),
    ['**total** (with sizes, chart and report)', `**${seconds.total}**`],
  ],
)}
`;
}

function heatmapSection(h) {
  return `${HEATMAP_HEADING}

\`bench/heatmap.ts\`: ${h.days} days of a busy page's click cells (about half of each 24 × 200 grid filled, at each
of the three widths, every day: ${fmt(h.page_cell_rows)} rows) among 100 other pages (${fmt(h.cell_rows)} cell rows in all),
with their per-page totals, scroll-depth and rage/dead click rollups, in PostgreSQL; read through the built
Worker in Miniflare with an API token, one request at a time (p50 and p95 of 20 after two warm-ups).
The heatmap answers ${fmt(h.cells_answered)} cells in one statement.

${table(
  ['request', 'p50', 'p95'],
  [
    ['GET /api/insights/heatmap (desktop, 30 days)', `${fmt(h.heatmap.p50_ms, 1)} ms`, `${fmt(h.heatmap.p95_ms, 1)} ms`],
    ['GET /api/insights/scroll', `${fmt(h.scroll.p50_ms, 1)} ms`, `${fmt(h.scroll.p95_ms, 1)} ms`],
    ['GET /api/insights/clicks', `${fmt(h.clicks.p50_ms, 1)} ms`, `${fmt(h.clicks.p95_ms, 1)} ms`],
  ],
)}`;
}
const HEATMAP_HEADING = '## Heatmaps over 30 days';

/** Before: the same views in the issue that asked for rollups, when every read scanned session rows. */
const BEFORE_S = { overview: 0.75, 'sessions/daily': 1.8, sources: 1.0, geo: 1.6, engagement: 1.05, devices: 4.2 };

function dashboardSection(d, scale) {
  const ms = (n) => (n === null || n === undefined ? '–' : typeof n === 'string' ? `\`${n}\` (past the 5 s bound)` : `${fmt(n, n < 100 ? 1 : 0)} ms`);
  const mb = (n) => `${fmt(n / 1048576)} MB`;
  return `## Dashboards at scale

\`bench/dashboard.ts\`: ${fmt(d.sessions)} sessions of one site over ${d.days} days (about ${fmt(d.sessions / d.days)} a day)
generated into PostgreSQL 15 with \`generate_series\` (${d.generate_s} s), their rollups built the way an upgraded
installation builds them, \`rollups:rebuild\` (${d.rebuild_s} s: ${fmt(d.rollup_rows)} rollup rows, ${mb(d.bytes.rollups)} beside
${mb(d.bytes.sessions)} of sessions, ${mb(d.bytes.visitors)} of daily visitor counts), then read through \`wrangler dev\` with an API
token, one request at a time (${d.days}-day range, whole days; p50 and p95 of 20 requests after two
warm-ups). Before: the figures measured on the same kind of database when every view scanned the
range's session rows. "Scan" is the same range ending a millisecond before midnight, which rollups
cannot answer (the fallback, and how every read was answered before).

${table(
  ['endpoint', 'before', 'rollups p50', 'rollups p95', 'scan p50'],
  Object.entries(d.endpoints).map(([name, e]) => [
    name,
    BEFORE_S[name] ? `${fmt(BEFORE_S[name], 2)} s` : '',
    ms(e.p50_ms),
    ms(e.p95_ms),
    ms(d.scanned_p50_ms[name]),
  ]),
)}

Filters: one filter on country, device, browser or OS reads totals and days from rollups; breakdowns
under any filter, and filters on the entry page or the source, scan the range's sessions (p50; the
bench lifts the 5 s bound on each scanning statement so that scans are measured to the end):

${table(['request', 'p50'], Object.entries(d.filtered_p50_ms).map(([k, v]) => [k, ms(v)]))}

The overview page in Chromium (a person's browser, logged in), from navigation until the six totals,
the chart and all four lists are drawn, median of 5 loads after a first visit: **${ms(d.overview_page_30d?.median_ms)}** for 30
days (before: 14.6 s), **${ms(d.overview_page_7d.median_ms)}** for 7 days (before: 8.9 s). It makes two API calls: the totals
and days with the comparison period, and the top lists, which fill their panels when they arrive.
${scale ? `
\`npm run bench:scale\` (${scale.date ?? 'an earlier run'}): ${fmt(scale.sessions)} sessions over ${scale.days} days, rebuilt in ${scale.rebuild_s} s;
overview page for 12 months **${ms(scale.overview_page_12mo?.median_ms)}**, 30 days ${ms(scale.overview_page_30d?.median_ms)}; analytics p95 over every
endpoint ${ms(scale.analytics_p95_ms)}.
` : `
\`npm run bench:scale\` (10,000,000 sessions over 12 months) has not been run on this machine yet.
`}`;
}
