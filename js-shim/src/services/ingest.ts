// Ingest: what a batch the core has validated must do before it may be
// acknowledged (ARCHITECTURE.md §4, §5 rules 1, 3, 4, 7). In order:
//   1. the chunk reaches R2 with a conditional put, so no stored chunk is ever
//      replaced: a retry of the same bytes is a duplicate, a different batch
//      under a used seq is refused (409 seq_conflict);
//   2. one Postgres statement applies the aggregate delta, guarded by seq;
//   3. when Postgres is unreachable, or the statement has not answered within
//      PG_APPLY_TIMEOUT_MS, a pending marker is written to R2 before the 2xx
//      (else 503), and reconcile applies the delta later. A statement that
//      answers after its deadline still applies at most once: both it and
//      reconcile's are guarded by seq in the same row.
// The D1 cache copy of the session row is refreshed off the response path, and
// not per batch: see refreshesCache.
import { DEFAULT_BATCH_INTERVAL_MS, type BatchOutcome, type ErrorCode } from '../contract';
import type { IngestMeta } from '../core';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import { isConnectionError } from '../lib/db';
import { DEFAULT_PG_APPLY_TIMEOUT_MS, DEFAULT_R2_PUT_TIMEOUT_MS, withDeadline } from '../lib/deadline';
import { gzip } from '../lib/gzip';
import { syncSessions } from '../storage/d1-cache-sync';
import type { Sql } from '../storage/pg';
import { applyBatch, SessionErasedError } from '../storage/pg-ingest';
import { deleteKeys, putChunk, putMarker, type ChunkPut } from '../storage/r2';
import { getCore } from '../wasm';

export type BatchKind = 'batch' | 'event' | 'end';

export type IngestOutcome = BatchOutcome;

interface Ctx {
  waitUntil(promise: Promise<unknown>): void;
}

/** How stale the cached session row may get while a session sends batches (README, "How fresh the dashboard is"). */
export const CACHE_REFRESH_MS = 180_000;

/**
 * Whether this batch copies its session row into the D1 cache. session/start
 * and session/end always do; in between, every Kth batch, K being how many
 * batch intervals fit in CACHE_REFRESH_MS (3 at the 60 s default), so a
 * 500-event session writes 4 cache rows, not one per request. Realtime counts
 * visits seen in the last 5 minutes, so a 3-minute refresh keeps them in it. Decided from seq alone: no
 * state, the same answer in every isolate. The cron catch-up (every 5
 * minutes, from a watermark) copies whatever changed since, so a refresh
 * lost with its isolate is late, never missing.
 */
export function refreshesCache(kind: BatchKind, seq: number, batchIntervalMs: number): boolean {
  if (kind === 'end') return true;
  const every = Math.max(1, Math.round(CACHE_REFRESH_MS / Math.max(1, batchIntervalMs || DEFAULT_BATCH_INTERVAL_MS)));
  return seq > 0 && seq % every === 0;
}

const retryLater = (code: ErrorCode, message: string) => new ApiError(503, code, message, { 'Retry-After': '5' });

/** The pending marker for one (session, seq): reconcile's to-do list. */
export function pendingKey(sessionId: string, seq: number): string {
  const r = getCore().markerKey('pending', sessionId, seq);
  if (!r.ok) throw new Error(`no marker key for ${sessionId}/${seq}: ${r.code}`);
  return r.key;
}

async function markPending(env: AppEnv, meta: IngestMeta, siteId: string): Promise<void> {
  await putMarker(env.EVENTS, pendingKey(meta.session_id, meta.seq), { site_id: siteId, session_started_at: meta.session_started_at });
}

/** Step 1: the chunk in R2, or a 503 / 409. */
async function storeChunk(env: AppEnv, ctx: Ctx, meta: IngestMeta, ndjson: Uint8Array, stored: Uint8Array, siteId: string): Promise<ChunkPut> {
  const timeout = Number(env.R2_PUT_TIMEOUT_MS ?? DEFAULT_R2_PUT_TIMEOUT_MS);
  const put = putChunk(env.EVENTS, meta.r2_key, ndjson, { siteId, sessionId: meta.session_id, seq: meta.seq, events: meta.accepted }, stored);
  let outcome: ChunkPut;
  try {
    outcome = await withDeadline(put, timeout, 'R2 put');
  } catch (err) {
    console.error('r2 put failed', err);
    // A put that lands after its 503 holds events nobody counted: mark it for
    // reconcile, which counts it (or finds it already counted by a retry).
    ctx.waitUntil(
      put.then(
        (late) => (late === 'stored' ? markPending(env, meta, siteId) : undefined),
        () => undefined,
      ).catch((e) => console.error('late chunk left unmarked', e)),
    );
    throw retryLater('storage_unavailable', 'The batch could not be stored; retry it.');
  }
  if (outcome === 'conflict') {
    throw new ApiError(409, 'seq_conflict', `seq ${meta.seq} of this session already holds a different batch; send new events under a new seq.`);
  }
  return outcome;
}

export async function ingestBatch(
  env: AppEnv,
  ctx: Ctx,
  sql: () => Sql,
  kind: BatchKind,
  meta: IngestMeta,
  ndjson: Uint8Array,
  siteId: string,
  now: number,
): Promise<IngestOutcome> {
  const outcome: IngestOutcome = { accepted: meta.accepted, rejected: meta.rejected, reasons: meta.reasons, duplicate: false, deferred: false };
  // A chunk already stored with these bytes (a retry) still goes through the
  // guarded apply: the first attempt may have been deferred.
  // Stored gzip (storage/r2.ts); bytes_stored counts what R2 holds.
  const stored = meta.accepted > 0 ? await gzip(ndjson) : new Uint8Array(0);
  if (meta.accepted > 0) await storeChunk(env, ctx, meta, ndjson, stored, siteId);
  if (meta.accepted === 0 && kind !== 'end') return outcome;
  const applyTimeout = Number(env.PG_APPLY_TIMEOUT_MS ?? DEFAULT_PG_APPLY_TIMEOUT_MS);
  try {
    const apply = applyBatch(sql(), {
      siteId,
      sessionId: meta.session_id,
      startedAtMs: meta.started_at_ms,
      seq: meta.seq,
      delta: meta.delta,
      insights: meta.insights,
      steps: meta.steps,
      bytes: stored.length,
      endedAtMs: kind === 'end' ? meta.ended_at_ms ?? now : undefined,
    });
    // A late answer is nobody's to handle: reconcile finds its seq applied.
    apply.catch(() => undefined);
    const row = await withDeadline(apply, applyTimeout, 'aggregate statement');
    if (!row) outcome.duplicate = true;
    else if (refreshesCache(kind, meta.seq, Number(env.BATCH_INTERVAL_MS))) ctx.waitUntil(syncSessions(env, [row]));
  } catch (err) {
    if (err instanceof SessionErasedError) {
      // Erased while this batch was on its way: what it just stored goes too.
      if (meta.accepted > 0) await deleteKeys(env.EVENTS, [meta.r2_key]);
      throw new ApiError(410, 'session_erased', 'This session was erased; start a new one.');
    }
    // The events are safe in R2; the marker must be too before any 2xx.
    console.error('aggregate apply failed', err);
    try {
      await markPending(env, meta, siteId);
    } catch (markErr) {
      console.error('pending marker not written', markErr);
      throw retryLater('storage_unavailable', 'The batch was stored but could not be queued for counting; retry it.');
    }
    if (!isConnectionError(err)) throw err; // a 500; reconcile retries, then quarantines
    outcome.deferred = true;
  }
  return outcome;
}
