// gzip on both ends of the replay path, with the platform's own streams
// (CompressionStream / DecompressionStream: native in workerd and in every
// current browser, so neither the Worker bundle nor core.wasm carries a codec).
// Inflation is always capped: a small body can inflate to gigabytes.
import { ApiError } from '../errors';
import { concatBytes } from './bytes';

/** True when the bytes start with the gzip magic (1f 8b): no JSON text or NDJSON line does. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export class InflateLimitError extends Error {
  constructor(readonly limit: number) {
    super(`inflates past ${limit} bytes`);
  }
}

async function collect(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      // Stop reading the moment the cap is passed: the rest is never inflated.
      if (total > limit) throw new InflateLimitError(limit);
      parts.push(value);
    }
  } catch (err) {
    reader.cancel().catch(() => undefined);
    throw err;
  }
  return concatBytes(parts);
}

const streamOf = (bytes: Uint8Array) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });

/** Inflates gzip bytes, failing with InflateLimitError past `limit` inflated bytes. */
export function gunzip(bytes: Uint8Array, limit: number): Promise<Uint8Array> {
  return collect(streamOf(bytes).pipeThrough(new DecompressionStream('gzip')), limit);
}

/** Stored bytes as NDJSON: gzip objects are inflated, objects stored plain (earlier versions) pass through. */
export async function inflateStored(bytes: Uint8Array, limit: number): Promise<Uint8Array> {
  return isGzip(bytes) ? gunzip(bytes, limit) : bytes;
}

export function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  return collect(streamOf(bytes).pipeThrough(new CompressionStream('gzip')), Number.MAX_SAFE_INTEGER);
}

/**
 * A tracking request body as JSON bytes: gzip bodies (the replay recorder's,
 * told by their magic bytes) are inflated with a
 * hard cap. Past it: 413 inflated_too_large, before anything is parsed or stored.
 */
export async function inflateBody(wire: Uint8Array, limit: number): Promise<Uint8Array> {
  // Told by the magic bytes alone: the tracker sets no Content-Encoding (a
  // header that would cost a CORS preflight), and a body a proxy already
  // inflated is plain JSON again.
  if (!isGzip(wire)) return wire;
  try {
    return await gunzip(wire, limit);
  } catch (err) {
    if (err instanceof InflateLimitError) {
      throw new ApiError(413, 'inflated_too_large', `The gzip body inflates past ${limit} bytes; send smaller batches (the replay recorder splits large events into parts).`);
    }
    throw new ApiError(400, 'bad_encoding', 'The gzip body could not be inflated.');
  }
}
