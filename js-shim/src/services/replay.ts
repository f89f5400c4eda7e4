// Replay and compaction: a session's events come from R2 only, merged by the
// core. Compaction writes the merged stream as one object and deletes the
// chunks it covered; replay reads that object plus any later chunks.
import { getCore } from '../wasm';
import { deleteKeys, getAll, listPrefix, putObject } from '../storage/r2';
import type { MergeStats } from '../core';

export interface SessionLocation {
  id: string;
  site_id: string;
  started_at: Date | string;
}

export function startedAtText(started: Date | string): string {
  return new Date(started).toISOString();
}

/** The R2 prefix every object of the session lives under. */
export function prefixOf(s: SessionLocation): string {
  const r = getCore().sessionPrefix(s.id, startedAtText(s.started_at));
  if (!r.ok) throw new Error(`cannot derive prefix for ${s.id}: ${r.code}`);
  return r.key;
}

/** Keys of the session's stored objects: chunks under events/ and compacted.ndjson. */
async function sessionObjects(bucket: R2Bucket, s: SessionLocation) {
  const prefix = prefixOf(s);
  const objects = await listPrefix(bucket, prefix);
  const chunks = objects.filter((o) => o.key.startsWith(`${prefix}events/`)).sort((a, b) => (a.key < b.key ? -1 : 1));
  const compacted = objects.find((o) => o.key === `${prefix}compacted.ndjson`);
  return { prefix, chunks, compacted };
}

export async function loadReplay(bucket: R2Bucket, s: SessionLocation): Promise<{ ndjson: Uint8Array; stats: MergeStats; objects: number }> {
  const { chunks, compacted } = await sessionObjects(bucket, s);
  const keys = [...(compacted ? [compacted.key] : []), ...chunks.map((c) => c.key)];
  const bodies = await getAll(bucket, keys);
  const merged = getCore().mergeReplay(bodies);
  if (!merged.ok) throw new Error(`merge failed: ${merged.code}`);
  return { ndjson: merged.ndjson, stats: merged.stats, objects: keys.length };
}

/**
 * Merges every chunk (and an earlier compacted object) into compacted.ndjson,
 * then deletes the chunks. Put before delete: a failure in between leaves
 * duplicates, which merge drops, never a gap.
 */
export async function compactSession(bucket: R2Bucket, s: SessionLocation): Promise<{ chunks: number; lines: number }> {
  const { prefix, chunks, compacted } = await sessionObjects(bucket, s);
  if (!chunks.length) return { chunks: 0, lines: 0 };
  const keys = [...(compacted ? [compacted.key] : []), ...chunks.map((c) => c.key)];
  const merged = getCore().mergeReplay(await getAll(bucket, keys));
  if (!merged.ok) throw new Error(`merge failed: ${merged.code}`);
  await putObject(bucket, `${prefix}compacted.ndjson`, merged.ndjson, {
    site_id: s.site_id,
    session_id: s.id,
    lines: String(merged.stats.lines),
    compacted_at: new Date().toISOString(),
  });
  await deleteKeys(bucket, chunks.map((c) => c.key));
  return { chunks: chunks.length, lines: merged.stats.lines };
}

/**
 * Everything reconcile needs to recount a session from R2: the merged events
 * and which seqs are present (from chunk keys and the lines themselves).
 */
export async function recountFromR2(bucket: R2Bucket, s: SessionLocation) {
  const { chunks } = await sessionObjects(bucket, s);
  const replay = await loadReplay(bucket, s);
  const seqs = new Set<number>();
  for (const c of chunks) seqs.add(Number(c.key.slice(-17, -7)));
  const text = new TextDecoder().decode(replay.ndjson);
  for (const m of text.matchAll(/^\{"ts":-?\d+,"seq":(\d+),/gm)) seqs.add(Number(m[1]));
  const delta = getCore().aggregateDelta(replay.ndjson);
  const bytes = chunks.reduce((n, c) => n + c.size, 0);
  return { delta, seqs: [...seqs].sort((a, b) => a - b), bytes: bytes || replay.ndjson.length, chunks: chunks.length };
}
