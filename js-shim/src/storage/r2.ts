// R2, the event store: append-only NDJSON chunks under each session's prefix.
// Keys always come from the core (derived from the signed session start), never
// from the client.

export interface ChunkMeta {
  siteId: string;
  sessionId: string;
  seq: number;
  events: number;
}

export async function putChunk(bucket: R2Bucket, key: string, bytes: Uint8Array, meta: ChunkMeta): Promise<void> {
  await bucket.put(key, bytes, {
    httpMetadata: { contentType: 'application/x-ndjson' },
    customMetadata: { site_id: meta.siteId, session_id: meta.sessionId, seq: String(meta.seq), events: String(meta.events) },
  });
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
 * A marker that a session's aggregates could not be applied (Postgres was
 * unreachable after the chunk was stored). Reconcile recounts these sessions
 * from R2 and removes the marker.
 */
export const PENDING_PREFIX = 'pending/';

export async function markPending(bucket: R2Bucket, sessionPrefix: string, siteId: string, startedAt: string): Promise<void> {
  const sessionId = sessionPrefix.split('/')[4];
  await bucket.put(`${PENDING_PREFIX}${sessionId}`, sessionPrefix, {
    customMetadata: { site_id: siteId, session_started_at: startedAt, prefix: sessionPrefix },
  });
}
