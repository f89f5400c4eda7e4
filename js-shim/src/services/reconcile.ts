// Reconcile: when Postgres was unreachable after a chunk reached R2, the batch
// was answered 202 with its aggregates deferred and a pending/ marker written.
// Here each marked session's events are re-read from R2, split by seq, and
// every seq's delta is applied with the same guarded statement as ingest, so
// seqs already applied change nothing and missing ones land exactly once.
import type { AppEnv } from '../env';
import { applyBatch, type SessionRow, type Sql } from '../storage/pg';
import { deleteKeys, listPrefix, PENDING_PREFIX } from '../storage/r2';
import { syncSessions } from '../storage/d1-cache-sync';
import { getCore } from '../wasm';
import { loadReplay, prefixOf, type SessionLocation } from './replay';

const NEWLINE = 10;

/** Splits merged NDJSON into per-seq slices (lines start {"ts":…,"seq":N,). */
function linesBySeq(ndjson: Uint8Array): Map<number, Uint8Array[]> {
  const bySeq = new Map<number, Uint8Array[]>();
  const decoder = new TextDecoder();
  let start = 0;
  while (start < ndjson.length) {
    let end = ndjson.indexOf(NEWLINE, start);
    if (end < 0) end = ndjson.length;
    const line = ndjson.subarray(start, end + 1);
    const head = decoder.decode(line.subarray(0, 64));
    const m = /"seq":(\d+)/.exec(head);
    if (m) {
      const seq = Number(m[1]);
      const list = bySeq.get(seq) ?? [];
      list.push(line);
      bySeq.set(seq, list);
    }
    start = end + 1;
  }
  return bySeq;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export async function reconcileSession(env: AppEnv, sql: Sql, s: SessionLocation): Promise<SessionRow[]> {
  const replay = await loadReplay(env.EVENTS, s);
  const rows: SessionRow[] = [];
  const core = getCore();
  for (const [seq, lines] of [...linesBySeq(replay.ndjson)].sort((a, b) => a[0] - b[0])) {
    const bytes = concat(lines);
    const row = await applyBatch(sql, {
      siteId: s.site_id,
      sessionId: s.id,
      startedAtMs: new Date(s.started_at).getTime(),
      seq,
      delta: core.aggregateDelta(bytes),
      insights: core.batchInsights(bytes),
      bytes: bytes.length,
    });
    if (row) rows.push(row);
  }
  return rows;
}

/** Reconciles every session with a pending marker; returns how many. */
export async function reconcilePending(env: AppEnv, sql: Sql): Promise<number> {
  const markers = await listPrefix(env.EVENTS, PENDING_PREFIX);
  let done = 0;
  for (const marker of markers) {
    const meta = marker.customMetadata ?? {};
    const sessionId = marker.key.slice(PENDING_PREFIX.length);
    if (!meta.site_id || !meta.session_started_at) continue;
    const session = { id: sessionId, site_id: meta.site_id, started_at: meta.session_started_at };
    try {
      const rows = await reconcileSession(env, sql, session);
      if (rows.length) await syncSessions(env, [rows[rows.length - 1]]);
    } catch (err) {
      // 23503 foreign_key_violation: the site was deleted after the batch was
      // stored, so its events have no home left; anything else waits for the next run.
      if ((err as { code?: string }).code !== '23503') {
        console.warn('reconcile deferred', sessionId, err);
        continue;
      }
      await deleteKeys(env.EVENTS, (await listPrefix(env.EVENTS, prefixOf(session))).map((o) => o.key));
    }
    await deleteKeys(env.EVENTS, [marker.key]);
    done++;
  }
  return done;
}
