// Joining byte chunks read from a stream or cut from an object: one copy into
// one buffer, none when there is a single chunk.

/** The chunks as one array (the chunk itself when there is one). */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

const NEWLINE = 10;

/**
 * The lines of a merged NDJSON stream whose batch seq passes `keep` (stored
 * lines start {"ts":…,"seq":N,, so the first 64 bytes name it).
 */
export function linesWhereSeq(ndjson: Uint8Array, keep: (seq: number) => boolean): Uint8Array {
  const decoder = new TextDecoder();
  const parts: Uint8Array[] = [];
  let start = 0;
  while (start < ndjson.length) {
    let end = ndjson.indexOf(NEWLINE, start);
    if (end < 0) end = ndjson.length;
    const m = /"seq":(\d+)/.exec(decoder.decode(ndjson.subarray(start, Math.min(end, start + 64))));
    if (m && keep(Number(m[1]))) parts.push(ndjson.subarray(start, end + 1));
    start = end + 1;
  }
  return concatBytes(parts);
}
