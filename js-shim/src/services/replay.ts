// Replay and compaction: a session's events come from R2 only, merged by the
// core. Compaction merges the chunks it has not covered yet into numbered
// segments (segments/{n}.ndjson), each from a group of chunks of at most
// SEGMENT_BYTES, written once with a conditional put and never rewritten;
// each segment's metadata names the seqs it covers. Replay reads the segments
// plus the chunks they do not cover, merging a window of at most
// REPLAY_WINDOW_BYTES at a time and streaming each out, so memory per request
// stays bounded whatever the session's size (ARCHITECTURE.md §5 rule 8).
// Chunks stay while the session can still receive batches (its token and start
// are valid for Limits.maxSessionAgeMs + skew): a chunk key that is taken is
// how ingest tells a retry from a different batch. Once the session is closed
// for writes, compaction deletes the covered chunks, and only after the
// segment holding them is durable.
// Objects are stored gzip (see storage/r2.ts); sizes here are their NDJSON
// (inflated) bytes, which is what a merge holds in memory. Objects of earlier
// versions, stored plain, are read as they are.
import { getCore } from '../wasm';
import { deleteKeys, getAllInflated, listPrefix, putGzipObject, rawSize } from '../storage/r2';
import type { MergeStats } from '../core';
import { PartJoiner, type JoinStats } from './parts';
import type { SessionLocation } from '../storage/pg-sessions';
import { concatBytes } from '../lib/bytes';

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

export function segmentKeyOf(s: SessionLocation, n: number): string {
  const r = getCore().segmentKey(s.id, startedAtText(s.started_at), n);
  if (!r.ok) throw new Error(`cannot derive segment key for ${s.id}/${n}: ${r.code}`);
  return r.key;
}

/** Seq sets as compact ranges ("0-23,25"), the form a segment's metadata carries. */
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

function addRanges(ranges: string, into: Set<number>): void {
  if (!ranges) return;
  for (const part of ranges.split(',')) {
    const [lo, hi = lo] = part.split('-').map(Number);
    for (let s = lo; s <= hi; s++) into.add(s);
  }
}

/** R2 custom metadata is limited to 2,048 bytes; a segment's covered ranges stay well inside it. */
const MAX_RANGES_TEXT = 1500;

/**
 * Stored bytes merged into one segment (at least one chunk each): with the
 * merge's output beside its input, a compaction step holds about twice this,
 * far inside a Worker's 128 MB.
 */
export const SEGMENT_BYTES = 8 * 1024 * 1024;
/** Segments one compaction run writes; the next run carries on (Workers: 1,000 subrequests per invocation). */
export const SEGMENTS_PER_RUN = 8;
/** Stored bytes replay merges at once before streaming them out. */
export const REPLAY_WINDOW_BYTES = 8 * 1024 * 1024;

export interface StoredObject {
  key: string;
  /** NDJSON bytes (inflated). */
  size: number;
}

interface Chunk extends StoredObject {
  seq: number;
}

interface Segment extends StoredObject {
  n: number;
  seqs: string;
}

export interface SessionObjects {
  prefix: string;
  /** Every chunk, by seq. */
  chunks: Chunk[];
  /** Compaction's segments, by number. */
  segments: Segment[];
  /** The single compacted object of earlier versions, if any (read like a segment). */
  legacy?: Segment;
  /** Every seq a segment (or the legacy object) holds. */
  covered: Set<number>;
  objects: R2Object[];
}

/** The session's chunks and segments from one listing. */
export async function sessionObjects(bucket: R2Bucket, s: SessionLocation): Promise<SessionObjects> {
  const core = getCore();
  const prefix = prefixOf(s);
  const objects = await listPrefix(bucket, prefix);
  const out: SessionObjects = { prefix, chunks: [], segments: [], covered: new Set(), objects };
  for (const o of objects) {
    const parsed = core.parseKey(o.key);
    if (!parsed || parsed.session_id !== s.id) continue;
    const seqs = o.customMetadata?.seqs ?? '';
    const size = rawSize(o);
    if (parsed.kind === 'chunk') out.chunks.push({ key: o.key, seq: parsed.seq!, size });
    else if (parsed.kind === 'segment') out.segments.push({ key: o.key, n: parsed.seq!, size, seqs });
    else if (parsed.kind === 'compacted') out.legacy = { key: o.key, n: -1, size, seqs };
    else continue;
    if (parsed.kind !== 'chunk') addRanges(seqs, out.covered);
  }
  out.chunks.sort((a, b) => a.seq - b.seq);
  out.segments.sort((a, b) => a.n - b.n);
  return out;
}

/** The segment (or legacy object) that holds a seq, if any. */
export function segmentHolding(objects: SessionObjects, seq: number): StoredObject | undefined {
  return [...(objects.legacy ? [objects.legacy] : []), ...objects.segments].find((g) => inRanges(g.seqs, seq));
}

/**
 * Cuts a list of objects into consecutive groups of at most `limit` bytes
 * (an object larger than the limit is a group of its own).
 */
export function groupBySize<T extends StoredObject>(items: T[], limit: number): T[][] {
  const groups: T[][] = [];
  let group: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (group.length && bytes + item.size > limit) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(item);
    bytes += item.size;
  }
  if (group.length) groups.push(group);
  return groups;
}

/** What replay reads, in order: the legacy object, the segments, then the chunks no segment covers. */
export function replayObjects(objects: SessionObjects): StoredObject[] {
  return [
    ...(objects.legacy ? [objects.legacy] : []),
    ...objects.segments,
    ...objects.chunks.filter((c) => !objects.covered.has(c.seq)),
  ];
}

async function mergeGroup(bucket: R2Bucket, group: StoredObject[]): Promise<{ ndjson: Uint8Array; stats: MergeStats }> {
  const merged = getCore().mergeReplay(await getAllInflated(bucket, group.map((o) => o.key)));
  if (!merged.ok) throw new Error(`merge failed: ${merged.code}`);
  return merged;
}

export interface ReplayStream {
  /** Events in order by (ts, seq, i) within each window; windows follow in seq order. */
  body: ReadableStream<Uint8Array>;
  objects: number;
  windows: number;
  /** Counts of the whole replay when it fits one window (known before the first byte is sent). */
  stats: MergeStats | null;
  /** Events recorded in parts, when the replay fits one window. */
  parts: JoinStats | null;
}

function countLines(bytes: Uint8Array): number {
  let n = 0;
  for (let k = bytes.indexOf(10); k >= 0; k = bytes.indexOf(10, k + 1)) n++;
  return n;
}

/**
 * A session's replay as a stream: windows of at most REPLAY_WINDOW_BYTES of
 * stored objects are merged one after the other, so memory does not grow
 * with the session. A session that fits one window (almost every one) is
 * merged exactly as a whole.
 */
export async function streamReplay(bucket: R2Bucket, s: SessionLocation): Promise<ReplayStream> {
  const objects = replayObjects(await sessionObjects(bucket, s));
  const windows = groupBySize(objects, REPLAY_WINDOW_BYTES);
  // Events recorded in parts are joined across windows (see parts.ts).
  const joiner = new PartJoiner();
  const first = windows.length ? await mergeGroup(bucket, windows[0]) : null;
  let next = 1;
  let pendingFirst: Uint8Array | null = first ? joiner.push(first.ndjson) : null;
  let single: { stats: MergeStats; parts: JoinStats } | null = null;
  if (windows.length <= 1) {
    // The whole replay is known now: its stand-ins too, and its exact counts.
    const standIns = joiner.standIns();
    if (standIns.length) pendingFirst = concatBytes([pendingFirst ?? new Uint8Array(0), standIns]);
    const stats = first?.stats ?? { lines: 0, duplicates: 0, skipped: 0, truncated: 0 };
    single = { stats: { ...stats, lines: pendingFirst ? countLines(pendingFirst) : 0 }, parts: { ...joiner.stats } };
  }
  let ended = windows.length <= 1;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (pendingFirst) {
        const bytes = pendingFirst;
        pendingFirst = null;
        if (bytes.length) return controller.enqueue(bytes);
      }
      while (next < windows.length) {
        const ndjson = joiner.push((await mergeGroup(bucket, windows[next++])).ndjson);
        if (ndjson.length) return controller.enqueue(ndjson);
      }
      if (!ended) {
        ended = true;
        const standIns = joiner.standIns();
        if (standIns.length) return controller.enqueue(standIns);
      }
      controller.close();
    },
  });
  return { body, objects: objects.length, windows: windows.length, stats: single?.stats ?? null, parts: single?.parts ?? null };
}

/** Calls `onWindow` with each merged window of a session's replay, in order (bounded memory). */
export async function forEachReplayWindow(
  bucket: R2Bucket,
  s: SessionLocation,
  onWindow: (ndjson: Uint8Array, stats: MergeStats) => Promise<void> | void,
): Promise<void> {
  for (const group of groupBySize(replayObjects(await sessionObjects(bucket, s)), REPLAY_WINDOW_BYTES)) {
    const merged = await mergeGroup(bucket, group);
    await onWindow(merged.ndjson, merged.stats);
  }
}

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
