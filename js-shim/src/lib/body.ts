// Reads a request body with a byte limit enforced before parsing: a declared
// Content-Length over the limit is refused unread, and a streamed body is cut
// off as soon as it passes the limit.
import { ApiError } from '../errors';
import { concatBytes } from './bytes';

export async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) {
    throw new ApiError(413, 'payload_too_large', `The body is larger than ${limit} bytes.`);
  }
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      throw new ApiError(413, 'payload_too_large', `The body is larger than ${limit} bytes.`);
    }
    parts.push(value);
  }
  return concatBytes(parts);
}

/** Small JSON bodies (session/start, admin forms): parsed after the limit check. */
export async function readJson<T>(request: Request, limit: number): Promise<T> {
  const bytes = await readBody(request, limit);
  try {
    const value = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes));
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value as T;
  } catch {
    throw new ApiError(400, 'bad_json', 'The body must be a JSON object.');
  }
}
