// Replay: a session's events come from R2 only, merged by the core. Replay
// reads the segments compaction wrote (services/compaction.ts) plus the chunks
// they do not cover, merging a window of at most REPLAY_WINDOW_BYTES at a time
// and streaming each out, so memory per request stays bounded whatever the
// session's size (ARCHITECTURE.md §5 rule 8). This module also owns how a
// session's objects are found: keys from the core, one listing, the seqs each
// segment covers.
// Objects are stored gzip (see storage/r2.ts); sizes here are their NDJSON
// (inflated) bytes, which is what a merge holds in memory. Objects of earlier
// versions, stored plain, are read as they are.
import { getCore } from '../wasm';
import { getAllInflated, listPrefix, rawSize } from '../storage/r2';
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
export const MAX_RANGES_TEXT = 1500;

/** Stored bytes replay merges at once before streaming them out. */
export const REPLAY_WINDOW_BYTES = 8 * 1024 * 1024;

export interface StoredObject {
  key: string;
  /** NDJSON bytes (inflated). */
  size: number;
}

export interface Chunk extends StoredObject {
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

export async function mergeGroup(bucket: R2Bucket, group: StoredObject[]): Promise<{ ndjson: Uint8Array; stats: MergeStats }> {
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
