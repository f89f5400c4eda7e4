// The recorded page a heatmap is drawn over: one full DOM snapshot (rrweb
// type 2) read from R2 with one object read. page_snapshots says which line of
// which batch holds it; that batch's chunk holds it until the session is
// compacted, then the segment covering that seq does, read as a stream only
// up to the line.
import { getCore } from '../wasm';
import type { SnapshotRef } from '../storage/pg-insights';
import { segmentHolding, sessionObjects, startedAtText } from './replay';

// An event line is at most 64 KB (the ingest limit) plus its sort key; a
// line in progress longer than this is not the one sought.
const MAX_LINE_BYTES = 1024 * 1024;
const NEWLINE = 10;

function startsWith(buf: Uint8Array, at: number, prefix: Uint8Array): boolean {
  for (let j = 0; j < prefix.length; j++) if (buf[at + j] !== prefix[j]) return false;
  return true;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Reads the stored line that begins with `prefix` (its sort key) from a
 * stream, holding at most one line in progress: memory stays bounded however
 * large the object is.
 */
async function findLine(body: ReadableStream<Uint8Array>, prefix: Uint8Array): Promise<Uint8Array | null> {
  const reader = body.getReader();
  let buf: Uint8Array = new Uint8Array(0);
  let inLine = false; // buf begins with the line sought
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (value) buf = concat(buf, value);
      if (!inLine) {
        let start = 0;
        for (;;) {
          if (buf.length - start < prefix.length) break;
          if (startsWith(buf, start, prefix)) {
            inLine = true;
            break;
          }
          const nl = buf.indexOf(NEWLINE, start);
          if (nl < 0) break;
          start = nl + 1;
        }
        buf = buf.slice(start);
      }
      if (inLine) {
        const end = buf.indexOf(NEWLINE);
        if (end >= 0) return buf.slice(0, end);
        if (done) return buf;
      }
      if (done || buf.length > MAX_LINE_BYTES) return null;
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

/**
 * The snapshot's stored NDJSON line, or null when R2 no longer has it. One
 * object read while the session is not compacted; a listing and the one
 * segment holding the seq once it is (and the other way round when it was
 * compacted between the query and the read).
 */
export async function loadSnapshotLine(bucket: R2Bucket, ref: SnapshotRef): Promise<Uint8Array | null> {
  const started = startedAtText(ref.started_at);
  const prefix = new TextEncoder().encode(`{"ts":${ref.ts},"seq":${ref.seq},"i":${ref.i},`);
  const readKey = async (key: string) => {
    const object = await bucket.get(key);
    if (!object) return null;
    // Stored gzip (raw_bytes in its metadata) or, by earlier versions, plain.
    const body = object.customMetadata?.encoding === 'gzip' ? object.body.pipeThrough(new DecompressionStream('gzip')) : object.body;
    return findLine(body, prefix);
  };
  const fromChunk = async () => {
    const key = getCore().deriveR2Key(ref.session_id, started, ref.seq);
    return key.ok ? readKey(key.key) : null;
  };
  const fromSegment = async () => {
    const holder = segmentHolding(await sessionObjects(bucket, { id: ref.session_id, site_id: ref.site_id, started_at: started }), ref.seq);
    return holder ? readKey(holder.key) : null;
  };
  return ref.compacted ? (await fromSegment()) ?? fromChunk() : (await fromChunk()) ?? fromSegment();
}
