// Typed wrappers over core.wasm's C ABI (wasm/abi/exports.cpp documents it).
// Bytes go in with one copy into wasm memory and come out as one copy of a
// view of it; event bytes are never decoded to strings or JSON here.

import { CORE_ERRORS, MAX_BATCH, MAX_BATCH_BYTES, type CoreErrorCode, type EventCounts } from './contract';

type CoreFailureCode = Exclude<CoreErrorCode, 'ok'>;

export interface PageCount {
  day: string; // YYYY-MM-DD (UTC day of the page_view)
  path: string;
  views: number;
}

/** Aggregate delta of a batch (or a recount). Keys [ts, seq, i] order events. */
export interface Delta extends EventCounts {
  first_ts?: number;
  last_ts?: number;
  duration_ms?: number;
  first?: [number, number, number];
  last?: [number, number, number];
  entry_page?: string;
  exit_page?: string;
  entry?: [number, number, number];
  exit?: [number, number, number];
  pages: PageCount[];
}

export type WidthBucket = 'phone' | 'tablet' | 'desktop';
export const WIDTH_BUCKETS: readonly WidthBucket[] = ['phone', 'tablet', 'desktop'];

/**
 * Page insights of a batch (wasm/include/edgereplay/insights.hpp). A path ""
 * means the page already open when the batch began, which the batch's SQL
 * resolves to the session's exit page.
 */
export interface Insights {
  cells: { day: string; path: string; width: WidthBucket; x: number; y: number; clicks: number }[];
  /** One page view reached scroll buckets from+1..to (from -2: continue the session's open page). */
  scroll: { day: string; path: string; from: number; to: number }[];
  issues: { kind: 'rage' | 'dead'; day: string; path: string; selector: string; width: WidthBucket; x: number; y: number; ts: number; count: number }[];
  errors: { fingerprint: string; message: string; sample: string; source: string; path: string; count: number; first_ts: number; last_ts: number }[];
  snapshot?: { path: string; width: WidthBucket; viewport_width: number; viewport_height: number; ts: number; seq: number; i: number };
  page_view: boolean;
  scroll_tail: number;
  scroll_lead: number;
}

/**
 * A batch's path steps and custom-event properties (wasm/include/edgereplay/steps.hpp).
 * A step is 'p' + page path or 'e' + event name, then "\x1d" key "\x1e" value per property.
 */
export interface Steps {
  steps: { ts: number; step: string }[];
  /** Steps past the session cap in this batch. */
  dropped: number;
  props: { day: string; event: string; key: string; value: string; count: number }[];
}

/** Steps a session keeps (kMaxSessionSteps): the cap the API reports. */
export const MAX_SESSION_STEPS = 32;

export interface IngestMeta {
  r2_key: string;
  session_id: string;
  session_started_at: string;
  started_at_ms: number;
  seq: number;
  ended_at_ms?: number;
  token: string;
  site_id: string;
  accepted: number;
  rejected: number;
  reasons: Record<string, number>;
  delta: Delta;
  insights: Insights;
  steps: Steps;
}

export const MARKER_KINDS = ['pending', 'quarantine'] as const;
export type MarkerKind = (typeof MARKER_KINDS)[number];
/** The top-level R2 folders (er_root_prefix): the sessions' objects and each marker kind. */
export const ROOTS = ['sessions', ...MARKER_KINDS] as const;
export type Root = (typeof ROOTS)[number];

export interface ParsedKey {
  kind: 'chunk' | 'compacted' | 'segment' | MarkerKind;
  session_id: string;
  /** A chunk's or marker's seq; a segment's number. */
  seq?: number;
  /** YYYY-MM-DD of the session start, for objects under sessions/. */
  day?: string;
}

export interface MergeStats {
  lines: number;
  duplicates: number;
  skipped: number;
  truncated: number;
}

export interface Limits {
  maxSkewMs: number;
  maxSessionAgeMs: number;
  maxEvents: number;
  maxEventBytes: number;
  maxBatchBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxSkewMs: 5 * 60 * 1000,
  maxSessionAgeMs: 24 * 3600 * 1000,
  maxEvents: MAX_BATCH,
  maxEventBytes: 64 * 1024,
  maxBatchBytes: MAX_BATCH_BYTES,
};

export interface CoreFailure {
  ok: false;
  code: CoreFailureCode;
  message: string;
  /** The HTTP status this failure deserves. */
  status: number;
}
export type CoreResult<T> = ({ ok: true } & T) | CoreFailure;

interface Exports {
  memory: WebAssembly.Memory;
  _initialize(): void;
  er_abi_version(): number;
  er_alloc(len: number): number;
  er_free(ptr: number): void;
  er_result_ptr(part: number): number;
  er_result_len(part: number): number;
  er_set_limits(skew: number, age: number, events: number, eventBytes: number, batchBytes: number): number;
  er_ingest_batch(ptr: number, len: number, nowMs: number, minEvents: number, allowRrweb: number): number;
  er_derive_r2_key(sid: number, sidLen: number, started: number, startedLen: number, seq: number): number;
  er_session_prefix(sid: number, sidLen: number, started: number, startedLen: number): number;
  er_compacted_key(sid: number, sidLen: number, started: number, startedLen: number): number;
  er_segment_key(sid: number, sidLen: number, started: number, startedLen: number, segment: number): number;
  er_day_prefix(epochMs: number): number;
  er_marker_key(kind: number, sid: number, sidLen: number, seq: number): number;
  er_root_prefix(which: number): number;
  er_parse_key(ptr: number, len: number): number;
  er_aggregate_delta(ptr: number, len: number): number;
  er_batch_insights(ptr: number, len: number): number;
  er_batch_steps(ptr: number, len: number): number;
  er_merge_delta(a: number, aLen: number, b: number, bLen: number): number;
  er_merge_replay(ptr: number, len: number, lengths: number, count: number): number;
}

export const ABI_VERSION = 1;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// core.wasm imports a few WASI functions that only libc's error paths reach;
// it does no I/O, so each answers ENOSYS.
const ENOSYS = 52;
const wasiStubs = new Proxy({} as Record<string, () => number>, { get: () => () => ENOSYS });

function statusOf(code: string): number {
  if (code === 'payload_too_large' || code === 'session_too_large') return 413;
  if (code === 'out_of_memory' || code === 'bad_argument') return 500;
  return 400;
}

type Input = Uint8Array | ArrayBuffer | string;

function toBytes(input: Input): Uint8Array {
  if (typeof input === 'string') return encoder.encode(input);
  return input instanceof Uint8Array ? input : new Uint8Array(input);
}

/**
 * One instance of core.wasm. Not re-entrant: each call finishes (and its
 * results are copied out) before the next starts, which a Worker isolate's
 * single thread guarantees. A trap poisons the instance; the next call gets a
 * fresh one (see withInstance).
 */
export class Core {
  private exports!: Exports;
  private limits: Limits = DEFAULT_LIMITS;

  constructor(private readonly module: WebAssembly.Module) {
    this.instantiate();
  }

  private instantiate(): void {
    const instance = new WebAssembly.Instance(this.module, { wasi_snapshot_preview1: wasiStubs });
    this.exports = instance.exports as unknown as Exports;
    this.exports._initialize();
    const version = this.exports.er_abi_version();
    if (version !== ABI_VERSION) throw new Error(`core.wasm ABI ${version}, shim expects ${ABI_VERSION}`);
    this.applyLimits();
  }

  /** Runs fn; on a wasm trap, replaces the instance before rethrowing. */
  private withInstance<T>(fn: (x: Exports) => T): T {
    try {
      return fn(this.exports);
    } catch (err) {
      if (err instanceof WebAssembly.RuntimeError) this.instantiate();
      throw err;
    }
  }

  private applyLimits(): void {
    const l = this.limits;
    const status = this.exports.er_set_limits(l.maxSkewMs, l.maxSessionAgeMs, l.maxEvents, l.maxEventBytes, l.maxBatchBytes);
    if (status !== 0) throw new Error(this.failure(status).message);
  }

  setLimits(limits: Partial<Limits>): void {
    this.limits = { ...this.limits, ...limits };
    this.withInstance(() => this.applyLimits());
  }

  getLimits(): Limits {
    return { ...this.limits };
  }

  /** Copies inputs into wasm memory, runs op, frees them. */
  private call(inputs: Uint8Array[], op: (x: Exports, ptrs: number[]) => number): number {
    return this.withInstance((x) => {
      const ptrs: number[] = [];
      try {
        for (const bytes of inputs) {
          const ptr = x.er_alloc(bytes.length);
          if (ptr === 0) return CORE_ERRORS.indexOf('out_of_memory');
          new Uint8Array(x.memory.buffer, ptr, bytes.length).set(bytes);
          ptrs.push(ptr);
        }
        return op(x, ptrs);
      } finally {
        for (const ptr of ptrs) x.er_free(ptr);
      }
    });
  }

  private part(index: 0 | 1): Uint8Array {
    const x = this.exports;
    const ptr = x.er_result_ptr(index);
    const len = x.er_result_len(index);
    return len === 0 ? new Uint8Array(0) : new Uint8Array(x.memory.buffer, ptr, len);
  }

  private meta<T>(): T {
    return JSON.parse(decoder.decode(this.part(0))) as T;
  }

  private failure(status: number): CoreFailure {
    // error_code() names every Error value (tests/core/abi.test.ts holds CORE_ERRORS to error.hpp).
    const { code, message } = this.meta<{ code: CoreFailureCode; message: string }>();
    return { ok: false, code: code ?? (CORE_ERRORS[status] as CoreFailureCode), message, status: statusOf(code) };
  }

  /**
   * Validates and normalises a tracker batch (`allowRrweb: false` refuses
   * rrweb events as replay_off). `minEvents` is 0 for
   * session/end, whose final batch may be empty.
   */
  ingestBatch(body: Input, nowMs: number, opts: { minEvents?: number; allowRrweb?: boolean } = {}): CoreResult<{ meta: IngestMeta; ndjson: Uint8Array }> {
    const bytes = toBytes(body);
    const status = this.call([bytes], (x, [p]) => x.er_ingest_batch(p, bytes.length, Math.floor(nowMs), opts.minEvents ?? 1, opts.allowRrweb === false ? 0 : 1));
    if (status !== 0) return this.failure(status);
    return { ok: true, meta: this.meta<IngestMeta>(), ndjson: this.part(1).slice() };
  }

  private keyOp(
    sessionId: string,
    startedAt: string,
    op: (x: Exports, sid: number, sidLen: number, st: number, stLen: number) => number,
  ): CoreResult<{ key: string }> {
    const sid = encoder.encode(sessionId);
    const started = encoder.encode(startedAt);
    const status = this.call([sid, started], (x, [a, b]) => op(x, a, sid.length, b, started.length));
    if (status !== 0) return this.failure(status);
    return { ok: true, key: decoder.decode(this.part(1)) };
  }

  /** sessions/YYYY/MM/DD/{session_id}/events/{seq:010}.ndjson */
  deriveR2Key(sessionId: string, startedAt: string, seq: number): CoreResult<{ key: string }> {
    return this.keyOp(sessionId, startedAt, (x, a, al, b, bl) => x.er_derive_r2_key(a, al, b, bl, seq));
  }

  /** sessions/YYYY/MM/DD/{session_id}/ */
  sessionPrefix(sessionId: string, startedAt: string): CoreResult<{ key: string }> {
    return this.keyOp(sessionId, startedAt, (x, a, al, b, bl) => x.er_session_prefix(a, al, b, bl));
  }

  /** sessions/YYYY/MM/DD/{session_id}/compacted.ndjson: the single object earlier versions compacted into (read, never written). */
  compactedKey(sessionId: string, startedAt: string): CoreResult<{ key: string }> {
    return this.keyOp(sessionId, startedAt, (x, a, al, b, bl) => x.er_compacted_key(a, al, b, bl));
  }

  /** sessions/YYYY/MM/DD/{session_id}/segments/{n:010}.ndjson: compaction's n-th output object. */
  segmentKey(sessionId: string, startedAt: string, segment: number): CoreResult<{ key: string }> {
    return this.keyOp(sessionId, startedAt, (x, a, al, b, bl) => x.er_segment_key(a, al, b, bl, segment));
  }

  /** sessions/YYYY/MM/DD/ for the UTC day of an epoch millisecond. */
  dayPrefix(epochMs: number): CoreResult<{ key: string }> {
    const status = this.withInstance((x) => x.er_day_prefix(Math.floor(epochMs)));
    if (status !== 0) return this.failure(status);
    return { ok: true, key: decoder.decode(this.part(1)) };
  }

  /** sessions/, pending/ or quarantine/. */
  rootPrefix(root: Root): string {
    const status = this.withInstance((x) => x.er_root_prefix(ROOTS.indexOf(root)));
    if (status !== 0) throw new Error(this.failure(status).message);
    return decoder.decode(this.part(1));
  }

  /** pending/{session_id}/{seq:010} or quarantine/{session_id}/{seq:010}; seq -1: the session's marker folder. */
  markerKey(kind: MarkerKind, sessionId: string, seq: number): CoreResult<{ key: string }> {
    const sid = encoder.encode(sessionId);
    const status = this.call([sid], (x, [p]) => x.er_marker_key(MARKER_KINDS.indexOf(kind), p, sid.length, seq));
    if (status !== 0) return this.failure(status);
    return { ok: true, key: decoder.decode(this.part(1)) };
  }

  /** What an R2 key names (chunk, compacted object, marker), or null when the layout never produces it. */
  parseKey(key: string): ParsedKey | null {
    const bytes = encoder.encode(key);
    const status = this.call([bytes], (x, [p]) => x.er_parse_key(p, bytes.length));
    return status === 0 ? this.meta<ParsedKey>() : null;
  }

  /** Recounts a session's delta from stored NDJSON (reconcile, backfill). */
  aggregateDelta(ndjson: Input): Delta {
    const bytes = toBytes(ndjson);
    this.call([bytes], (x, [p]) => x.er_aggregate_delta(p, bytes.length));
    return this.meta<Delta>();
  }

  /** Page insights of stored NDJSON lines (one batch's, for reconcile). */
  batchInsights(ndjson: Input): Insights {
    const bytes = toBytes(ndjson);
    this.call([bytes], (x, [p]) => x.er_batch_insights(p, bytes.length));
    return this.meta<Insights>();
  }

  /** Path steps and custom-event properties of stored NDJSON lines (one batch's, for reconcile). */
  batchSteps(ndjson: Input): Steps {
    const bytes = toBytes(ndjson);
    this.call([bytes], (x, [p]) => x.er_batch_steps(p, bytes.length));
    return this.meta<Steps>();
  }

  mergeDelta(a: Delta, b: Delta): CoreResult<{ delta: Delta }> {
    const ab = encoder.encode(JSON.stringify(a));
    const bb = encoder.encode(JSON.stringify(b));
    const status = this.call([ab, bb], (x, [pa, pb]) => x.er_merge_delta(pa, ab.length, pb, bb.length));
    if (status !== 0) return this.failure(status);
    return { ok: true, delta: this.meta<Delta>() };
  }

  /**
   * Merges a session's chunks into one NDJSON stream sorted by (ts, seq, i),
   * dropping exact repeats and a truncated last line.
   */
  mergeReplay(chunks: Uint8Array[]): CoreResult<{ ndjson: Uint8Array; stats: MergeStats }> {
    let total = 0;
    for (const c of chunks) total += c.length;
    // Chunks are copied once, straight into wasm memory, back to back.
    const status = this.withInstance((x) => {
      const data = x.er_alloc(total);
      const lengths = x.er_alloc(chunks.length * 4);
      try {
        if (data === 0 || lengths === 0) return CORE_ERRORS.indexOf('out_of_memory');
        const memory = new Uint8Array(x.memory.buffer);
        const lengthView = new DataView(x.memory.buffer, lengths, chunks.length * 4);
        let offset = data;
        chunks.forEach((c, k) => {
          memory.set(c, offset);
          offset += c.length;
          lengthView.setUint32(k * 4, c.length, true);
        });
        return x.er_merge_replay(data, total, lengths, chunks.length);
      } finally {
        x.er_free(data);
        x.er_free(lengths);
      }
    });
    if (status !== 0) return this.failure(status);
    return { ok: true, stats: this.meta<MergeStats>(), ndjson: this.part(1).slice() };
  }
}
