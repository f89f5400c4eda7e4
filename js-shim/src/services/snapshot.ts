// The recorded page a heatmap is drawn over: one full DOM snapshot (rrweb
// type 2) read from R2 with one object read. page_snapshots says which line of
// which batch holds it; that batch's chunk holds it until the session is
// compacted, then compacted.ndjson does, read as a stream only up to the line.
import { getCore } from '../wasm';
import type { SnapshotRef } from '../storage/pg-insights';
import { startedAtText } from './replay';

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
 * object read; two only when the session was compacted between the query and
 * the read.
 */
export async function loadSnapshotLine(bucket: R2Bucket, ref: SnapshotRef): Promise<Uint8Array | null> {
  const core = getCore();
  const started = startedAtText(ref.started_at);
  const prefix = new TextEncoder().encode(`{"ts":${ref.ts},"seq":${ref.seq},"i":${ref.i},`);
  const read = async (compacted: boolean) => {
    const key = compacted ? core.compactedKey(ref.session_id, started) : core.deriveR2Key(ref.session_id, started, ref.seq);
    if (!key.ok) return null;
    const object = await bucket.get(key.key);
    return object ? findLine(object.body, prefix) : null;
  };
  return (await read(ref.compacted)) ?? (ref.compacted ? null : read(true));
}
