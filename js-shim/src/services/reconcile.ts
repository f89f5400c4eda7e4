// Reconcile: a batch whose chunk reached R2 but whose aggregates could not be
// applied (Postgres unreachable, or a put that landed after its 503) left a
// pending marker per (session, seq). Here each marked seq's events are read
// back from R2 (its chunk, else the lines of that seq in the segment covering it) and
// applied with the same guarded statement as ingest, so a seq already counted
// changes nothing and a missing one lands exactly once. A marker is deleted
// only after its own seq was applied, so a marker written meanwhile for
// another seq is never lost. A seq that keeps failing for another reason than
// an unreachable database is quarantined with the reason, after
// MAX_ATTEMPTS runs, and never blocks the other sessions.
import type { AppEnv } from '../env';
import { isConnectionError } from '../lib/db';
import { syncSessions } from '../storage/d1-cache-sync';
import type { Sql } from '../storage/pg';
import { applyBatch, SessionErasedError } from '../storage/pg-ingest';
import { forgetKeptDay } from '../storage/pg-storage';
import type { SessionLocation, SessionRow } from '../storage/pg-sessions';
import { inflateStored } from '../lib/gzip';
import { deleteKeys, getInflated, MAX_OBJECT_RAW_BYTES, putMarker, type MarkerMeta } from '../storage/r2';
import { getCore } from '../wasm';
import { chunkKeyOf, segmentHolding, sessionObjects } from './replay';
import { linesWhereSeq } from '../lib/bytes';

export const MAX_ATTEMPTS = 5;
/** Markers handled per run: R2 and Postgres calls stay bounded whatever the backlog. */
const MARKERS_PER_RUN = 200;

/** The lines of one seq in a merged stream. */
function linesOfSeq(ndjson: Uint8Array, seq: number): Uint8Array {
  return linesWhereSeq(ndjson, (n) => n === seq);
}

/**
 * The stored events of one seq, with the bytes R2 holds for them: its chunk
 * (stored gzip, or plain by earlier versions), or its lines in the segment
 * that holds it (one bounded object; counted at their NDJSON size, which
 * compaction replaces with the segments' size once the chunks are gone).
 */
async function storedSeq(bucket: R2Bucket, s: SessionLocation, seq: number): Promise<{ ndjson: Uint8Array; stored: number } | null> {
  const chunk = await bucket.get(chunkKeyOf(s, seq));
  if (chunk) return { ndjson: await inflateStored(new Uint8Array(await chunk.arrayBuffer()), MAX_OBJECT_RAW_BYTES), stored: chunk.size };
  const holder = segmentHolding(await sessionObjects(bucket, s), seq);
  if (!holder) return null;
  const body = await getInflated(bucket, holder.key);
  if (!body) return null;
  const ndjson = linesOfSeq(body, seq);
  return { ndjson, stored: ndjson.length };
}

/** Applies one marked seq; returns the updated row (null when it was already counted or holds nothing). */
export async function reconcileSeq(env: AppEnv, sql: Sql, s: SessionLocation, seq: number): Promise<SessionRow | null> {
  const found = await storedSeq(env.EVENTS, s, seq);
  if (!found || !found.ndjson.length) return null;
  const bytes = found.ndjson;
  const row = await applyBatch(sql, {
    siteId: s.site_id,
    sessionId: s.id,
    startedAtMs: new Date(s.started_at).getTime(),
    seq,
    delta: getCore().aggregateDelta(bytes),
    insights: getCore().batchInsights(bytes),
    steps: getCore().batchSteps(bytes),
    bytes: found.stored,
  });
  // Ingest takes batches only while a session's day is open; a reconciled one
  // may land after it closed, when answers for that day may be kept.
  if (row) await forgetKeptDay(sql, s);
  return row;
}

function errorReason(err: unknown): string {
  const code = (err as { code?: string })?.code;
  return `${(err as Error)?.name ?? 'Error'}${code ? ` ${code}` : ''}`.slice(0, 100);
}

export interface ReconcileRun {
  reconciled: number;
  retried: number;
  quarantined: number;
}

/** Works through the pending markers (a bounded number per run). */
export async function reconcilePending(env: AppEnv, sql: Sql): Promise<ReconcileRun> {
  const core = getCore();
  const run: ReconcileRun = { reconciled: 0, retried: 0, quarantined: 0 };
  const page = await env.EVENTS.list({ prefix: core.rootPrefix('pending'), limit: MARKERS_PER_RUN, include: ['customMetadata'] });
  const rows: SessionRow[] = [];
  for (const marker of page.objects) {
    const parsed = core.parseKey(marker.key);
    const meta = (marker.customMetadata ?? {}) as unknown as MarkerMeta;
    if (!parsed || parsed.kind !== 'pending' || !meta.site_id || !meta.session_started_at) {
      await deleteKeys(env.EVENTS, [marker.key]); // not a marker this code writes
      continue;
    }
    const session = { id: parsed.session_id, site_id: meta.site_id, started_at: meta.session_started_at };
    try {
      const row = await reconcileSeq(env, sql, session, parsed.seq!);
      if (row) rows.push(row);
      await deleteKeys(env.EVENTS, [marker.key]);
      run.reconciled++;
    } catch (err) {
      // Postgres still unreachable: every marker waits for the next run.
      if (isConnectionError(err)) break;
      if (err instanceof SessionErasedError) {
        // Stored after its session was erased: it goes, with the marker.
        await deleteKeys(env.EVENTS, [...(await sessionObjects(env.EVENTS, session)).objects.map((o) => o.key), marker.key]);
        continue;
      }
      // 23503 foreign_key_violation: the site was deleted after the batch was
      // stored, so its events have no home left.
      if ((err as { code?: string }).code === '23503') {
        await deleteKeys(env.EVENTS, [...(await sessionObjects(env.EVENTS, session)).objects.map((o) => o.key), marker.key]);
        continue;
      }
      const attempts = Number(meta.attempts ?? 0) + 1;
      console.warn('reconcile failed', marker.key, attempts, err);
      if (attempts >= MAX_ATTEMPTS) {
        const key = core.markerKey('quarantine', session.id, parsed.seq!);
        if (key.ok) await putMarker(env.EVENTS, key.key, { ...meta, attempts: String(attempts), reason: errorReason(err) });
        await deleteKeys(env.EVENTS, [marker.key]);
        run.quarantined++;
      } else {
        await putMarker(env.EVENTS, marker.key, { ...meta, attempts: String(attempts), reason: errorReason(err) });
        run.retried++;
      }
    }
  }
  if (rows.length) await syncSessions(env, rows);
  return run;
}

/** Quarantined seqs, for the storage view and /health (at most `limit` listed). */
export async function quarantined(bucket: R2Bucket, limit = 100) {
  const core = getCore();
  const page = await bucket.list({ prefix: core.rootPrefix('quarantine'), limit, include: ['customMetadata'] });
  return {
    count: page.objects.length,
    more: page.truncated,
    items: page.objects.map((o) => {
      const parsed = core.parseKey(o.key);
      const meta = (o.customMetadata ?? {}) as unknown as MarkerMeta;
      return {
        session_id: parsed?.session_id ?? null,
        seq: parsed?.seq ?? null,
        site_id: meta.site_id ?? null,
        attempts: Number(meta.attempts ?? 0),
        reason: meta.reason ?? null,
        since: meta.marked_at ?? o.uploaded.toISOString(),
      };
    }),
  };
}
