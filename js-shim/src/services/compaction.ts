// Compaction: merges the chunks of a session no segment covers yet into
// numbered segments (segments/{n}.ndjson), each from a group of chunks of at
// most SEGMENT_BYTES, written once with a conditional put and never
// rewritten; each segment's metadata names the seqs it covers.
// Chunks stay while the session can still receive batches (its token and start
// are valid for Limits.maxSessionAgeMs + skew): a chunk key that is taken is
// how ingest tells a retry from a different batch. Once the session is closed
// for writes, compaction deletes the covered chunks, and only after the
// segment holding them is durable.
import { getCore } from '../wasm';
import { deleteKeys, putGzipObject } from '../storage/r2';
import type { SessionLocation } from '../storage/pg-sessions';
import { groupBySize, MAX_RANGES_TEXT, mergeGroup, segmentKeyOf, seqRanges, sessionObjects, type Chunk } from './replay';

/**
 * Stored bytes merged into one segment (at least one chunk each): with the
 * merge's output beside its input, a compaction step holds about twice this,
 * far inside a Worker's 128 MB.
 */
export const SEGMENT_BYTES = 8 * 1024 * 1024;
/** Segments one compaction run writes; the next run carries on (Workers: 1,000 subrequests per invocation). */
export const SEGMENTS_PER_RUN = 8;

/** How long after its start a session may still receive batches (the core's age limit plus clock skew). */
export function writableUntil(s: SessionLocation): number {
  const limits = getCore().getLimits();
  return new Date(s.started_at).getTime() + limits.maxSessionAgeMs + limits.maxSkewMs;
}

export interface CompactionResult {
  /** Chunks merged into new segments by this run. */
  chunks: number;
  lines: number;
  /** Segments this run wrote. */
  segments: number;
  /** Chunks deleted (the session is closed for writes and the segment holding them is durable). */
  deleted: number;
  /** Another compaction wrote the same segment first; this run stopped there. */
  raced: boolean;
  /** Every chunk is covered by a segment now (false: the next run carries on). */
  complete: boolean;
  /** Bytes R2 holds for the session after this run, once its chunks are deleted (null while they stay). */
  storedBytes: number | null;
}

/** Chunks in seq order cut into segment-sized groups whose covered ranges fit a segment's metadata. */
function segmentGroups(fresh: Chunk[]): Chunk[][] {
  const out: Chunk[][] = [];
  for (const group of groupBySize(fresh, SEGMENT_BYTES)) {
    // Scattered seqs can outgrow the metadata: split such a group.
    const stack = [group];
    while (stack.length) {
      const g = stack.shift()!;
      if (g.length > 1 && seqRanges(g.map((c) => c.seq)).length > MAX_RANGES_TEXT) {
        const half = Math.ceil(g.length / 2);
        stack.unshift(g.slice(0, half), g.slice(half));
      } else out.push(g);
    }
  }
  return out;
}

/**
 * Merges the chunks no segment covers yet into new segments, a bounded group
 * at a time. Each segment is put only if its key is free, so of two
 * compactions at once the later one finds the number taken and stops: no
 * object is ever replaced, and no chunk is covered twice. Chunks are deleted
 * only once the session is closed for writes, and only those a durable
 * segment covers.
 */
export async function compactSession(bucket: R2Bucket, s: SessionLocation, now = Date.now()): Promise<CompactionResult> {
  const listed = await sessionObjects(bucket, s);
  const fresh = listed.chunks.filter((c) => !listed.covered.has(c.seq));
  const closed = now > writableUntil(s);
  const result: CompactionResult = { chunks: 0, lines: 0, segments: 0, deleted: 0, raced: false, complete: false, storedBytes: null };
  const storedSize = new Map(listed.objects.map((o) => [o.key, o.size]));
  let segmentBytes = listed.segments.reduce((n, g) => n + (storedSize.get(g.key) ?? 0), 0) + (listed.legacy ? storedSize.get(listed.legacy.key) ?? 0 : 0);
  const covered = new Set(listed.covered);
  let n = listed.segments.length ? listed.segments[listed.segments.length - 1].n + 1 : 0;
  for (const group of segmentGroups(fresh).slice(0, SEGMENTS_PER_RUN)) {
    const merged = await mergeGroup(bucket, group);
    const seqs = seqRanges(group.map((c) => c.seq));
    // Parts stay parts in a segment: aggregates counted each part as an
    // event, and a recount from R2 must find the same (replay joins them).
    const put = await putGzipObject(bucket, segmentKeyOf(s, n), merged.ndjson, {
      site_id: s.site_id,
      session_id: s.id,
      lines: String(merged.stats.lines),
      seqs,
      compacted_at: new Date(now).toISOString(),
    });
    if (!put) {
      result.raced = true;
      break;
    }
    for (const c of group) covered.add(c.seq);
    segmentBytes += put.size;
    result.chunks += group.length;
    result.lines += merged.stats.lines;
    result.segments++;
    n++;
  }
  result.complete = !result.raced && listed.chunks.every((c) => covered.has(c.seq));
  if (closed) {
    const done = listed.chunks.filter((c) => covered.has(c.seq)).map((c) => c.key);
    await deleteKeys(bucket, done);
    result.deleted = done.length;
    const kept = listed.chunks.filter((c) => !covered.has(c.seq)).reduce((n, c) => n + (storedSize.get(c.key) ?? 0), 0);
    result.storedBytes = segmentBytes + kept;
  }
  return result;
}
