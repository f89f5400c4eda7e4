// Published prices (USD) the monthly cost model uses, each with where it was
// read and when. Marginal prices: usage beyond what a plan includes. Update the
// numbers here when a provider changes them; RESULTS.md prints this table.
export const PRICES_READ = '2026-12-02';

export const PRICES = {
  workers_request_per_million: { usd: 0.3, source: 'Cloudflare Workers pricing (Standard: 10M requests/month included, then $0.30/M)' },
  workers_cpu_ms_per_million: { usd: 0.02, source: 'Cloudflare Workers pricing (30M CPU-ms/month included, then $0.02/M CPU-ms)' },
  workers_paid_plan_month: { usd: 5, source: 'Cloudflare Workers pricing (Workers Paid minimum, per account)' },
  r2_class_a_per_million: { usd: 4.5, source: 'Cloudflare R2 pricing, Standard storage (1M/month free): PutObject, ListObjects, ...; DeleteObject is free' },
  r2_class_b_per_million: { usd: 0.36, source: 'Cloudflare R2 pricing, Standard storage (10M/month free)' },
  r2_storage_gb_month: { usd: 0.015, source: 'Cloudflare R2 pricing, Standard storage (10 GB-month free)' },
  d1_rows_written_per_million: { usd: 1.0, source: 'Cloudflare D1 pricing, Workers Paid (50M/month included)' },
  d1_rows_read_per_million: { usd: 0.001, source: 'Cloudflare D1 pricing, Workers Paid (25B/month included)' },
  d1_storage_gb_month: { usd: 0.75, source: 'Cloudflare D1 pricing, Workers Paid (5 GB included); 10 GB per database at most' },
  hyperdrive: { usd: 0, source: 'Cloudflare Hyperdrive pricing: included in Workers Paid, unlimited queries, no charge for pooling' },
  neon_cu_hour: { usd: 0.14, source: 'Neon plans (usage-based since 2025-08-14), Launch: $0.14 per CU-hour (1 CU ≈ 4 GB RAM); was $0.106' },
  neon_storage_gb_month: { usd: 0.35, source: 'Neon plans, Launch and Scale: $0.35 per GB-month' },
  // Priced for the buffering options RESULTS.md compares; edgereplay uses neither yet.
  queues_operations_per_million: { usd: 0.4, source: 'Cloudflare Queues pricing (1M/month included): per 64 KB written, read or deleted; a delivered message is 3 operations' },
  durable_objects_requests_per_million: { usd: 0.15, source: 'Cloudflare Durable Objects pricing (1M/month included): requests, RPC calls and alarms' },
  durable_objects_gb_s_per_million: { usd: 12.5, source: 'Cloudflare Durable Objects pricing (400,000 GB-s/month included): wall-clock duration while in memory and not hibernatable, at 128 MB' },
  durable_objects_rows_written_per_million: { usd: 1.0, source: 'Cloudflare Durable Objects pricing, SQLite storage: rows written (as D1)' },
};

// What the model assumes where nothing was measured; RESULTS.md lists these.
export const ASSUMPTIONS = {
  cpu_ms_per_request: { value: 2, why: 'Used only when bench/worker-cpu.ts has not measured the Worker\'s CPU (it normally has: session/start + each batch, measured on the built bundle with free bindings, an upper bound that includes Node\'s JavaScript sockets and streams).' },
  d1_rows_per_write: { value: 2, why: 'D1 counts each index entry it updates as a row written: the session row plus sessions_site_last_seen, which every batch moves.' },
  d1_cron_copies_per_session: { value: 2, why: 'The 5-minute cron catch-up copies every session row changed since its watermark into D1; a visit of several minutes is open during about two runs, each of which finds the cached row behind by the batches since the last throttled refresh. A copy of a row that is already current (after session/end or a refresh) writes nothing (the upsert needs a newer updated_at; tests/worker/background-jobs.test.ts). A visit the tracker leaves to the 30-minute idle end gets that end copied instead of a session/end. The bench does not run the cron, so this is added, not counted.' },
  neon_cu_always_on: { value: 0.25, why: 'A million sessions a month is ~10 Postgres statements/s on average; one 0.25 CU compute (the smallest) runs them with room to spare, and traffic around the clock keeps it from scaling to zero.' },
  pg_bytes_per_session: { value: 1024, why: 'One sessions row with its indexes, plus its share of page_daily rows.' },
  legacy_event_row_bytes: { value: 200, why: 'One event row (ids, ts, type, JSON payload) with its index entry, for this benchmark\'s small events; rrweb events are larger.' },
  legacy_neon_cu_always_on: { value: 1, why: '500M inserts a month is ~190/s on average with peaks several times higher: a 1 CU compute at least.' },
};

const HOURS_PER_MONTH = 730;

/** Sites keep data 365 days unless they say otherwise (sites.retention_days). */
export const DEFAULT_RETENTION_MONTHS = 12;

/**
 * Monthly cost of a million 500-event sessions a month, marginal (beyond
 * included usage), from the measured per-session counts, with `months` of
 * sessions held in storage (1: the first month; 12: steady state at the
 * default retention).
 */
export function monthlyCost(counts, months = 1) {
  const p = Object.fromEntries(Object.entries(PRICES).map(([k, v]) => [k, v.usd]));
  const a = Object.fromEntries(Object.entries(ASSUMPTIONS).map(([k, v]) => [k, v.value]));
  // Counts are per session, so per million sessions they multiply "per million" prices directly.
  const lines = (rows) => {
    const total = rows.reduce((n, r) => n + r.usd, 0);
    return { rows: rows.map((r) => ({ ...r, usd: Math.round(r.usd * 100) / 100 })), total_usd: Math.round(total * 100) / 100 };
  };
  const gb = (bytes) => (bytes * 1e6 * months) / 1e9;
  const held = months === 1 ? '1 month' : `${months} months`;

  const cpuMs = counts.cpu_ms_per_session ?? counts.requests * a.cpu_ms_per_request;
  const d1Rows = (counts.d1_write_statements + a.d1_cron_copies_per_session) * a.d1_rows_per_write;
  const edgereplay = lines([
    { item: 'Workers requests', quantity: `${counts.requests}M`, usd: counts.requests * p.workers_request_per_million },
    { item: `Workers CPU${counts.cpu_ms_per_session === undefined ? ' (assumed)' : ' (measured)'}`, quantity: `${Math.round(cpuMs)}M CPU-ms`, usd: cpuMs * p.workers_cpu_ms_per_million },
    { item: 'R2 class A (put, list)', quantity: `${counts.r2_class_a}M`, usd: counts.r2_class_a * p.r2_class_a_per_million },
    { item: 'R2 class B (get, compaction)', quantity: `${counts.r2_class_b}M`, usd: counts.r2_class_b * p.r2_class_b_per_million },
    { item: `R2 storage (${held} of sessions)`, quantity: `${gb(counts.r2_bytes_stored).toFixed(0)} GB`, usd: gb(counts.r2_bytes_stored) * p.r2_storage_gb_month },
    { item: 'D1 rows written (cache, cron copies included)', quantity: `${d1Rows}M`, usd: d1Rows * p.d1_rows_written_per_million },
    { item: 'Hyperdrive', quantity: `${counts.pg_reads + counts.pg_writes}M queries`, usd: 0 },
    { item: 'Neon compute', quantity: `${a.neon_cu_always_on} CU × ${HOURS_PER_MONTH} h`, usd: a.neon_cu_always_on * HOURS_PER_MONTH * p.neon_cu_hour },
    { item: `Neon storage (${held} of sessions)`, quantity: `${gb(a.pg_bytes_per_session).toFixed(0)} GB`, usd: gb(a.pg_bytes_per_session) * p.neon_storage_gb_month },
  ]);

  // The replaced design: a database row per event, the session row updated
  // per batch, the same Worker requests; no R2.
  const eventRows = counts.events;
  const legacyD1 = lines([
    { item: 'Workers requests and CPU', quantity: `${counts.requests}M`, usd: counts.requests * p.workers_request_per_million + counts.requests * a.cpu_ms_per_request * p.workers_cpu_ms_per_million },
    { item: 'D1 rows written (events + sessions)', quantity: `${eventRows * 2 + counts.requests * a.d1_rows_per_write}M`, usd: (eventRows * 2 + counts.requests * a.d1_rows_per_write) * p.d1_rows_written_per_million },
    { item: `D1 storage (${held} of sessions)`, quantity: `${gb(eventRows * a.legacy_event_row_bytes).toFixed(0)} GB`, usd: gb(eventRows * a.legacy_event_row_bytes) * p.d1_storage_gb_month },
  ]);
  const legacyNeon = lines([
    { item: 'Workers requests and CPU', quantity: `${counts.requests}M`, usd: counts.requests * p.workers_request_per_million + counts.requests * a.cpu_ms_per_request * p.workers_cpu_ms_per_million },
    { item: 'Neon compute', quantity: `${a.legacy_neon_cu_always_on} CU × ${HOURS_PER_MONTH} h`, usd: a.legacy_neon_cu_always_on * HOURS_PER_MONTH * p.neon_cu_hour },
    { item: `Neon storage (${held} of sessions)`, quantity: `${gb(eventRows * a.legacy_event_row_bytes + a.pg_bytes_per_session).toFixed(0)} GB`, usd: gb(eventRows * a.legacy_event_row_bytes + a.pg_bytes_per_session) * p.neon_storage_gb_month },
  ]);
  return {
    edgereplay,
    legacy_d1: { ...legacyD1, database_operations_per_session: eventRows + counts.requests },
    legacy_neon: { ...legacyNeon, database_operations_per_session: eventRows + counts.requests },
  };
}
