// Bindings that cost almost nothing, inside workerd: wrapped bindings (run in
// the Worker's own isolate) standing in for R2 (a Map) and D1 (the site
// config from memory, writes accepted and dropped). bench/worker-cpu.ts uses
// them to read workerd's CPU for the Worker alone, without wrangler's local
// R2 and D1 simulators.
const objects = new Map();
const enc = new TextEncoder();

async function bytesOf(value) {
  if (value === null || value === undefined) return new Uint8Array(0);
  if (typeof value === 'string') return enc.encode(value);
  if (value instanceof Uint8Array) return value.slice();
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  return new Uint8Array(await new Response(value).arrayBuffer());
}

function objectOf(s, bytes = s.bytes) {
  return {
    key: s.key, size: s.bytes.length, etag: s.etag, httpEtag: `"${s.etag}"`, uploaded: s.uploaded, version: s.etag,
    customMetadata: s.customMetadata, httpMetadata: s.httpMetadata, checksums: {}, storageClass: 'Standard',
    writeHttpMetadata() {},
    get body() { return new Response(bytes).body; },
    bodyUsed: false,
    arrayBuffer: async () => bytes.slice().buffer,
    text: async () => new TextDecoder().decode(bytes),
    json: async () => JSON.parse(new TextDecoder().decode(bytes)),
  };
}

let etags = 0;
export function r2() {
  return {
    async put(key, value, options = {}) {
      const onlyIf = options.onlyIf;
      const existing = objects.get(key);
      if (onlyIf instanceof Headers && onlyIf.get('if-none-match') === '*' && existing) return null;
      if (onlyIf && !(onlyIf instanceof Headers) && onlyIf.etagMatches && existing?.etag !== onlyIf.etagMatches) return null;
      const s = { key, bytes: await bytesOf(value), customMetadata: options.customMetadata ?? {}, httpMetadata: options.httpMetadata ?? {}, uploaded: new Date(), etag: String(++etags) };
      objects.set(key, s);
      return objectOf(s);
    },
    async get(key, options = {}) {
      const s = objects.get(key);
      if (!s) return null;
      const offset = options.range?.offset ?? 0;
      const end = options.range?.length !== undefined ? offset + options.range.length : s.bytes.length;
      return objectOf(s, s.bytes.subarray(offset, end));
    },
    async head(key) {
      const s = objects.get(key);
      return s ? objectOf(s) : null;
    },
    async list(options = {}) {
      const prefix = options.prefix ?? '';
      const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
      const start = options.cursor ? Number(options.cursor) : 0;
      const limit = options.limit ?? 1000;
      const delimited = new Set();
      const page = [];
      let i = start;
      for (; i < keys.length && page.length + delimited.size < limit; i++) {
        const rest = keys[i].slice(prefix.length);
        const cut = options.delimiter ? rest.indexOf(options.delimiter) : -1;
        if (cut >= 0) delimited.add(prefix + rest.slice(0, cut + 1));
        else page.push(objectOf(objects.get(keys[i])));
      }
      const truncated = i < keys.length;
      return { objects: page, delimitedPrefixes: [...delimited], truncated, cursor: truncated ? String(i) : undefined };
    },
    async delete(keys) {
      for (const k of Array.isArray(keys) ? keys : [keys]) objects.delete(k);
    },
  };
}

export function d1(env) {
  const sites = JSON.parse(env.SITES);
  const statement = (query, args = []) => ({
    bind: (...a) => statement(query, a),
    async first() {
      return /FROM sites WHERE id/.test(query) ? sites[String(args[0])] ?? null : null;
    },
    async all() {
      return { results: [], success: true, meta: {} };
    },
    async raw() {
      return [];
    },
    async run() {
      return { results: [], success: true, meta: { changes: 1 } };
    },
  });
  return {
    prepare: (query) => statement(query),
    batch: async (statements) => statements.map(() => ({ results: [], success: true, meta: { changes: 1 } })),
    exec: async () => ({ count: 0, duration: 0 }),
  };
}
