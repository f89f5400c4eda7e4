// R2, the event store: append-only NDJSON chunks under each session's prefix.
// Keys always come from the core (derived from the signed session start), never
// from the client.
//
// Chunks and segments are stored gzip (customMetadata encoding=gzip, raw_bytes =
// their NDJSON bytes): rrweb JSON shrinks to about a seventh, and gzip is the
// codec both ends have natively (CompressionStream in the browser and in
// workerd, Accept-Encoding for the dashboard), so neither core.wasm nor the
// Worker bundle carries one (bench/RESULTS.md compares brotli and zstd).
// Readers tell gzip by its magic bytes, so objects stored plain by earlier
// versions read as before.
import { gzip, inflateStored } from '../lib/gzip';

export interface ChunkMeta {
  siteId: string;
  sessionId: string;
  seq: number;
  events: number;
}

/**
 * What a conditional chunk put found: `stored` (the key was free), `duplicate`
 * (the key already holds these exact bytes: a retry), `conflict` (it holds
 * different bytes, which are never replaced).
 */
export type ChunkPut = 'stored' | 'duplicate' | 'conflict';

const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
export async function sha256Hex(bytes: Uint8Array | ArrayBuffer): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', bytes));
}

/** R2 writes only when nothing is stored at the key (HTTP If-None-Match: *). */
const IF_ABSENT = () => new Headers({ 'If-None-Match': '*' });

/**
 * Stores a chunk unless its key is taken. A put that loses to an earlier one
 * compares digests, so a retry is a duplicate and different bytes a conflict;
 * nothing already stored is overwritten. Returns null on a put that did not
 * answer (the caller's deadline races it).
 */
export async function putChunk(bucket: R2Bucket, key: string, bytes: Uint8Array, meta: ChunkMeta, stored?: Uint8Array): Promise<ChunkPut> {
  // The digest is of the NDJSON, so a retry compares equal however it was compressed.
  const digest = await sha256Hex(bytes);
  const body = stored ?? (await gzip(bytes));
  const put = await bucket.put(key, body, gzipPutOptions(bytes.length, {
    site_id: meta.siteId,
    session_id: meta.sessionId,
    seq: String(meta.seq),
    events: String(meta.events),
    sha256: digest,
  }));
  if (put) return 'stored';
  const existing = await bucket.head(key);
  if (!existing) return putChunk(bucket, key, bytes, meta, body); // deleted in between (an erase): try again
  // Chunks stored before digests were recorded are compared byte for byte.
  let theirs = existing.customMetadata?.sha256;
  if (!theirs) {
    const ndjson = await getInflated(bucket, key);
    theirs = ndjson ? await sha256Hex(ndjson) : '';
  }
  return theirs === digest ? 'duplicate' : 'conflict';
}

/** No stored object inflates past this (segments hold about 8 MB of NDJSON; this is a guard, not a size). */
export const MAX_OBJECT_RAW_BYTES = 256 * 1024 * 1024;

/** An object's NDJSON bytes: its raw_bytes when stored gzip, else its size. */
export function rawSize(o: R2Object): number {
  const raw = Number(o.customMetadata?.raw_bytes);
  return Number.isFinite(raw) && raw > 0 ? raw : o.size;
}

/** Writes NDJSON gzip under a free key only (If-None-Match: *); null when the key was taken. */
export async function putGzipObject(bucket: R2Bucket, key: string, ndjson: Uint8Array, customMetadata: Record<string, string>): Promise<R2Object | null> {
  return bucket.put(key, await gzip(ndjson), gzipPutOptions(ndjson.length, customMetadata));
}

/** A put of gzip NDJSON under a free key: the metadata every reader uses to tell and size it. */
function gzipPutOptions(rawBytes: number, customMetadata: Record<string, string>): R2PutOptions {
  return {
    onlyIf: IF_ABSENT(),
    httpMetadata: { contentType: 'application/x-ndjson' },
    customMetadata: { ...customMetadata, encoding: 'gzip', raw_bytes: String(rawBytes) },
  };
}

/** getAll, with every object as NDJSON (gzip ones inflated). */
export async function getAllInflated(bucket: R2Bucket, keys: string[]): Promise<Uint8Array[]> {
  const bodies = await getAll(bucket, keys);
  for (let k = 0; k < bodies.length; k++) bodies[k] = await inflateStored(bodies[k], MAX_OBJECT_RAW_BYTES);
  return bodies;
}

/** One object as NDJSON, or null when absent. */
export async function getInflated(bucket: R2Bucket, key: string): Promise<Uint8Array | null> {
  const object = await bucket.get(key);
  return object ? inflateStored(new Uint8Array(await object.arrayBuffer()), MAX_OBJECT_RAW_BYTES) : null;
}

/** Every object under a prefix (R2 lists at most 1,000 keys per call). */
export async function listPrefix(bucket: R2Bucket, prefix: string): Promise<R2Object[]> {
  const objects: R2Object[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor, limit: 1000, include: ['customMetadata'] });
    objects.push(...page.objects);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return objects;
}

/**
 * Fetches objects with bounded parallelism: Workers allow 6 simultaneous
 * open connections, and R2 gets count toward it.
 */
export async function getAll(bucket: R2Bucket, keys: string[], concurrency = 6): Promise<Uint8Array[]> {
  const out: Uint8Array[] = new Array(keys.length);
  let next = 0;
  async function worker() {
    while (next < keys.length) {
      const k = next++;
      const object = await bucket.get(keys[k]);
      out[k] = object ? new Uint8Array(await object.arrayBuffer()) : new Uint8Array(0);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, keys.length) }, worker));
  return out;
}

/**
 * Counts R2 calls against a per-invocation budget: Workers allow a bounded
 * number of subrequests per invocation (1,000 on the paid plan), and every R2
 * call is one.
 */
export class CallBudget {
  constructor(public left: number) {}
  spend(): boolean {
    if (this.left <= 0) return false;
    this.left--;
    return true;
  }
}

/** The "folders" one level below a prefix (R2 groups keys by the delimiter). */
export async function listFolders(bucket: R2Bucket, prefix: string, budget: CallBudget): Promise<string[] | null> {
  const folders: string[] = [];
  let cursor: string | undefined;
  do {
    if (!budget.spend()) return null;
    const page = await bucket.list({ prefix, delimiter: '/', cursor, limit: 1000 });
    folders.push(...page.delimitedPrefixes);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return folders.sort();
}

/**
 * Walks every object under a prefix, a page (up to 1,000 objects) at a time.
 * Returns false when the budget ran out before the end.
 */
export async function scanPrefix(
  bucket: R2Bucket,
  prefix: string,
  budget: CallBudget,
  onPage: (objects: R2Object[]) => Promise<void> | void,
): Promise<boolean> {
  let cursor: string | undefined;
  do {
    if (!budget.spend()) return false;
    const page = await bucket.list({ prefix, cursor, limit: 1000, include: ['customMetadata'] });
    await onPage(page.objects);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return true;
}

export async function putObject(bucket: R2Bucket, key: string, bytes: Uint8Array, customMetadata: Record<string, string>): Promise<void> {
  await bucket.put(key, bytes, { httpMetadata: { contentType: 'application/x-ndjson' }, customMetadata });
}

export async function deleteKeys(bucket: R2Bucket, keys: string[]): Promise<void> {
  // R2 deletes at most 1,000 keys per call.
  for (let i = 0; i < keys.length; i += 1000) await bucket.delete(keys.slice(i, i + 1000));
}

/**
 * A marker per (session, seq) whose aggregates could not be applied after its
 * chunk was stored (Postgres unreachable), or that reconcile gave up on
 * (quarantine). Keys come from the core (er_marker_key).
 */
export interface MarkerMeta {
  site_id: string;
  session_started_at: string;
  /** Failed reconcile attempts so far. */
  attempts?: string;
  /** Why the last attempt failed (an error class and code, never a message with data). */
  reason?: string;
  marked_at?: string;
}

export async function putMarker(bucket: R2Bucket, key: string, meta: MarkerMeta): Promise<void> {
  await bucket.put(key, '', { customMetadata: { marked_at: new Date().toISOString(), ...meta } as unknown as Record<string, string> });
}
