// Replay and compaction: a session's events come from R2 only, merged by the
// core. Compaction writes the merged stream as one object (compacted.ndjson)
// whose metadata names the seqs it covers; replay reads it plus the chunks it
// does not cover. Chunks stay while the session can still receive batches
// (its token and start are valid for Limits.maxSessionAgeMs + skew): a chunk
// key that is taken is how ingest tells a retry from a different batch. Once
// the session is closed for writes, compaction deletes the covered chunks,
// and only after the compacted object holding them is durable.
import { getCore } from '../wasm';
import { deleteKeys, getAll, listPrefix } from '../storage/r2';
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

export function chunkKeyOf(s: SessionLocation, seq: number): string {
  const r = getCore().deriveR2Key(s.id, startedAtText(s.started_at), seq);
  if (!r.ok) throw new Error(`cannot derive chunk key for ${s.id}/${seq}: ${r.code}`);
  return r.key;
}

/** Seq sets as compact ranges ("0-23,25"), the form compacted.ndjson's metadata carries. */
export function seqRanges(seqs: Iterable<number>): string {
  const sorted = [...new Set(seqs)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let k = 0; k < sorted.length; ) {
    let j = k;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j === k ? String(sorted[k]) : `${sorted[k]}-${sorted[j]}`);
    k = j + 1;
  }
  return parts.join(',');
}

export function inRanges(ranges: string, seq: number): boolean {
  if (!ranges) return false;
  for (const part of ranges.split(',')) {
    const [lo, hi = lo] = part.split('-').map(Number);
    if (seq >= lo && seq <= hi) return true;
  }
  return false;
}

function rangeSeqs(ranges: string): number[] {
  const out: number[] = [];
  if (!ranges) return out;
  for (const part of ranges.split(',')) {
    const [lo, hi = lo] = part.split('-').map(Number);
    for (let s = lo; s <= hi; s++) out.push(s);
  }
  return out;
}

/** R2 custom metadata is limited to 2,048 bytes; the covered ranges stay well inside it. */
const MAX_RANGES_TEXT = 1500;

interface Chunk {
  key: string;
  seq: number;
  size: number;
}

/** The session's chunks (by seq) and its compacted object, if any, from one listing. */
export async function sessionObjects(bucket: R2Bucket, s: SessionLocation) {
  const core = getCore();
  const prefix = prefixOf(s);
  const objects = await listPrefix(bucket, prefix);
  const chunks: Chunk[] = [];
  let compacted: R2Object | undefined;
  for (const o of objects) {
    const parsed = core.parseKey(o.key);
    if (parsed?.kind === 'chunk' && parsed.session_id === s.id) chunks.push({ key: o.key, seq: parsed.seq!, size: o.size });
    else if (parsed?.kind === 'compacted' && parsed.session_id === s.id) compacted = o;
  }
  chunks.sort((a, b) => a.seq - b.seq);
  const covered = compacted?.customMetadata?.seqs ?? '';
  return { prefix, chunks, compacted, covered, objects };
}

export async function loadReplay(bucket: R2Bucket, s: SessionLocation): Promise<{ ndjson: Uint8Array; stats: MergeStats; objects: number }> {
  const { chunks, compacted, covered } = await sessionObjects(bucket, s);
  const keys = [...(compacted ? [compacted.key] : []), ...chunks.filter((c) => !inRanges(covered, c.seq)).map((c) => c.key)];
  const bodies = await getAll(bucket, keys);
  const merged = getCore().mergeReplay(bodies);
  if (!merged.ok) throw new Error(`merge failed: ${merged.code}`);
  return { ndjson: merged.ndjson, stats: merged.stats, objects: keys.length };
}

/** How long after its start a session may still receive batches (the core's age limit plus clock skew). */
export function writableUntil(s: SessionLocation): number {
  const limits = getCore().getLimits();
  return new Date(s.started_at).getTime() + limits.maxSessionAgeMs + limits.maxSkewMs;
}

export interface CompactionResult {
  /** Chunks merged into the compacted object by this run. */
  chunks: number;
  lines: number;
  /** Chunks deleted (the session is closed for writes and the object holding them is durable). */
  deleted: number;
  /** Another compaction replaced the object first; nothing was written. */
  raced: boolean;
}

/**
 * Merges the chunks the compacted object does not cover yet into it. The put
 * is conditional on the object read (its etag, or its absence), so of two
 * compactions at once the later-starting one can never replace a newer
 * object with an older merge. Chunks are deleted only once the session is
 * closed for writes, and only those the durable object covers.
 */
export async function compactSession(bucket: R2Bucket, s: SessionLocation, now = Date.now()): Promise<CompactionResult> {
  const { prefix, chunks, compacted, covered } = await sessionObjects(bucket, s);
  const fresh = chunks.filter((c) => !inRanges(covered, c.seq));
  const closed = now > writableUntil(s);
  const result: CompactionResult = { chunks: 0, lines: 0, deleted: 0, raced: false };
  let coveredNow = covered;
  if (fresh.length) {
    let take = fresh;
    let ranges = seqRanges([...rangeSeqs(covered), ...take.map((c) => c.seq)]);
    // Scattered seqs can outgrow the metadata: fold in fewer this run.
    while (ranges.length > MAX_RANGES_TEXT && take.length > 1) {
      take = take.slice(0, Math.ceil(take.length / 2));
      ranges = seqRanges([...rangeSeqs(covered), ...take.map((c) => c.seq)]);
    }
    if (ranges.length > MAX_RANGES_TEXT) return result;
    const current = compacted ? await bucket.get(compacted.key) : null;
    if (compacted && !current) return { ...result, raced: true };
    const bodies = await getAll(bucket, take.map((c) => c.key));
    const base = current ? new Uint8Array(await current.arrayBuffer()) : null;
    const merged = getCore().mergeReplay(base ? [base, ...bodies] : bodies);
    if (!merged.ok) throw new Error(`merge failed: ${merged.code}`);
    const put = await bucket.put(`${prefix}compacted.ndjson`, merged.ndjson, {
      onlyIf: current ? { etagMatches: current.etag } : new Headers({ 'If-None-Match': '*' }),
      httpMetadata: { contentType: 'application/x-ndjson' },
      customMetadata: {
        site_id: s.site_id,
        session_id: s.id,
        lines: String(merged.stats.lines),
        seqs: ranges,
        compacted_at: new Date(now).toISOString(),
      },
    });
    if (!put) return { ...result, raced: true };
    result.chunks = take.length;
    result.lines = merged.stats.lines;
    coveredNow = ranges;
  }
  if (closed) {
    const done = chunks.filter((c) => inRanges(coveredNow, c.seq)).map((c) => c.key);
    await deleteKeys(bucket, done);
    result.deleted = done.length;
  }
  return result;
}
