// Bindings that cost (almost) nothing, for timing the Worker's own CPU in
// Node: R2 as a Map, D1 answering the site-config read from memory and
// accepting writes without doing them, rate limiters that always allow.
// They count their calls, so a benchmark can say what a request asked for.

type Bytes = Uint8Array;

function toBytes(value: unknown): Bytes {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (typeof value === 'string') return new TextEncoder().encode(value);
  if (value === null || value === undefined) return new Uint8Array(0);
  throw new Error('free R2: unsupported body');
}

interface Stored {
  key: string;
  bytes: Bytes;
  customMetadata: Record<string, string>;
  httpMetadata: Record<string, string>;
  uploaded: Date;
}

function objectOf(s: Stored, bytes = s.bytes) {
  return {
    key: s.key,
    size: s.bytes.length,
    etag: String(s.bytes.length),
    httpEtag: `"${s.bytes.length}"`,
    uploaded: s.uploaded,
    customMetadata: s.customMetadata,
    httpMetadata: s.httpMetadata,
    version: '1',
    checksums: {},
    storageClass: 'Standard',
    writeHttpMetadata() {},
    body: new Response(bytes).body,
    bodyUsed: false,
    arrayBuffer: async () => bytes.slice().buffer,
    text: async () => new TextDecoder().decode(bytes),
    json: async () => JSON.parse(new TextDecoder().decode(bytes)),
    bytes: async () => bytes.slice(),
  };
}

export function freeR2(calls: Record<string, number>) {
  const objects = new Map<string, Stored>();
  const count = (k: string) => (calls[k] = (calls[k] ?? 0) + 1);
  return {
    objects,
    async put(key: string, value: unknown, options: { onlyIf?: Headers | Record<string, string>; customMetadata?: Record<string, string>; httpMetadata?: Record<string, string> } = {}) {
      count('r2/put');
      const onlyIf = options.onlyIf instanceof Headers ? options.onlyIf.get('if-none-match') : undefined;
      if (onlyIf === '*' && objects.has(key)) return null;
      const s: Stored = { key, bytes: toBytes(value), customMetadata: options.customMetadata ?? {}, httpMetadata: options.httpMetadata ?? {}, uploaded: new Date() };
      objects.set(key, s);
      return objectOf(s);
    },
    async get(key: string, options: { range?: { offset?: number; length?: number } } = {}) {
      count('r2/get');
      const s = objects.get(key);
      if (!s) return null;
      const offset = options.range?.offset ?? 0;
      const end = options.range?.length !== undefined ? offset + options.range.length : s.bytes.length;
      return objectOf(s, s.bytes.subarray(offset, end));
    },
    async head(key: string) {
      count('r2/head');
      const s = objects.get(key);
      return s ? objectOf(s) : null;
    },
    async list(options: { prefix?: string; delimiter?: string; limit?: number; cursor?: string } = {}) {
      count('r2/list');
      const prefix = options.prefix ?? '';
      const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
      const start = options.cursor ? Number(options.cursor) : 0;
      const limit = options.limit ?? 1000;
      const delimited = new Set<string>();
      const page: ReturnType<typeof objectOf>[] = [];
      let i = start;
      for (; i < keys.length && page.length + delimited.size < limit; i++) {
        const rest = keys[i].slice(prefix.length);
        const cut = options.delimiter ? rest.indexOf(options.delimiter) : -1;
        if (cut >= 0) delimited.add(prefix + rest.slice(0, cut + 1));
        else page.push(objectOf(objects.get(keys[i])!));
      }
      const truncated = i < keys.length;
      return { objects: page, delimitedPrefixes: [...delimited], truncated, cursor: truncated ? String(i) : undefined };
    },
    async delete(keys: string | string[]) {
      count('r2/delete');
      for (const k of Array.isArray(keys) ? keys : [keys]) objects.delete(k);
    },
  };
}

/** D1 that answers the site-config read and counts (but drops) every write. */
export function freeD1(calls: Record<string, number>, sites: Record<string, Record<string, unknown>>) {
  const count = (k: string, n = 1) => (calls[k] = (calls[k] ?? 0) + n);
  const statement = (query: string, args: unknown[] = []) => ({
    query,
    args,
    bind: (...a: unknown[]) => statement(query, a),
    async first() {
      count('d1/read');
      if (/FROM sites WHERE id/.test(query)) return sites[String(args[0])] ?? null;
      return null;
    },
    async all() {
      count('d1/read');
      return { results: [], success: true, meta: {} };
    },
    async raw() {
      count('d1/read');
      return [];
    },
    async run() {
      count('d1/write');
      return { results: [], success: true, meta: { changes: 1 } };
    },
  });
  return {
    prepare: (query: string) => statement(query),
    async batch(statements: { query: string }[]) {
      count('d1/batch');
      count('d1/statements', statements.length);
      return statements.map(() => ({ results: [], success: true, meta: { changes: 1 } }));
    },
    async exec() {
      count('d1/exec');
      return { count: 0, duration: 0 };
    },
  };
}

export const allowAll = { limit: async () => ({ success: true }) };
