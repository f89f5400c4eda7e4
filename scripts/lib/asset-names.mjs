// Content hashes and gzip sizes for the built assets the Worker serves
// (tracker and dashboard): a name changes exactly when its bytes do.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

/** The first 10 hex digits of the SHA-256 of `text`: the `<hash>` in `name.<hash>.js`. */
export const contentHash = (text) => createHash('sha256').update(text).digest('hex').slice(0, 10);

/** Bytes after gzip -9, the size budgets are held to. */
export const gzipBytes = (text) => gzipSync(text, { level: 9 }).length;
