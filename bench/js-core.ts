// Baseline for bench/core.bench.ts; the product never imports it.
//
// ingest_batch and merge_replay written the way a JavaScript developer would
// write them in a Worker: TextDecoder + JSON.parse of the body, validation on
// the parsed values, JSON.stringify per event, TextEncoder for the result. It
// follows the contract of wasm/src/batch.cpp and wasm/src/merge.cpp so that
// the benchmark compares the same work, and for bodies produced by
// JSON.stringify its output bytes equal the core's (the benchmark checks).
//
// Corners that a JSON.parse-based reader cannot see are judged differently:
// - duplicate keys: the core refuses them (bad_json in the envelope,
//   duplicate_field in an event); JSON.parse keeps the last one;
// - invalid UTF-8 inside one event: the core drops that event as bad_utf8
//   (as both do for an escaped U+0000 or lone surrogate anywhere in it),
//   here the whole body is refused as bad_utf8; a raw control character in a
//   string is bad_utf8 for the core and bad_json here;
// - spellings JSON.stringify never writes (1.0 or 1E3 for ts/seq, whitespace
//   inside a value) are judged by value and re-serialised compactly;
// - in merge, the core reads the key of a line starting
//   {"ts":T,"seq":S,"i":I, without parsing the rest; here every line goes
//   through JSON.parse and one that is not an event is skipped; chunk bytes
//   that are not UTF-8 come out with U+FFFD.

import { DEFAULT_LIMITS, type Delta, type IngestMeta, type Limits } from '../js-shim/src/core.ts';

const MAX_SEQ = 2147483647;
const MAX_SESSION_SEQ = 49999; // Limits::max_session_seq
const MAX_EPOCH_MS = 253402300799999;
const MAX_DEPTH = 128; // json::kMaxDepth
const MAX_MEMBERS = 64;
const MAX_PATH_BYTES = 512;
const DAY_MS = 86400000;

const REJECT_NAMES = [
  'not_object',
  'unknown_type',
  'missing_field',
  'bad_field',
  'bad_ts',
  'ts_out_of_window',
  'too_large',
  'bad_utf8',
  'reserved_field',
  'duplicate_field',
] as const;
type RejectName = (typeof REJECT_NAMES)[number];

type Kind = 'string' | 'number' | 'object';
type Rule = readonly [name: string, kind: Kind, required: boolean];

// Same table as kRules in batch.cpp. Optional fields may also be null.
const RULES = new Map<string, readonly Rule[]>([
  ['page_view', [['url', 'string', true], ['referrer', 'string', false], ['title', 'string', false]]],
  ['click', [['x', 'number', true], ['y', 'number', true], ['selector', 'string', true]]],
  ['scroll', [['scroll_percent', 'number', true]]],
  ['visibility', [['state', 'string', true]]],
  ['custom', [['name', 'string', true], ['props', 'object', false]]],
  ['error', [['message', 'string', true], ['source', 'string', false]]],
  ['rrweb', [['data', 'object', true]]],
]);

const SESSION_ID = /^[A-Za-z0-9_-]{8,64}$/;
const EPOCH_DIGITS = /^\d+$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):?(\d{2}))$/;
// A key JSON.stringify writes with an escape; the core refuses escaped keys.
const NEEDS_ESCAPE = /["\\\u0000-\u001f]|\p{Cs}/u;
/** U+0000 or a lone surrogate: text the core refuses per event as bad_utf8 (PostgreSQL cannot store it). */
const UNSTORABLE = /\u0000|\p{Cs}/u;
function hasUnstorableText(value: unknown): boolean {
  if (typeof value === 'string') return UNSTORABLE.test(value);
  if (Array.isArray(value)) return value.some(hasUnstorableText);
  if (value !== null && typeof value === 'object') return Object.entries(value).some(([k, v]) => UNSTORABLE.test(k) || hasUnstorableText(v));
  return false;
}

const encoder = new TextEncoder();
// ignoreBOM keeps a leading BOM in the text, so JSON.parse refuses it as the core does.
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenientDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** The core's ingest answer (IngestMeta) without the page insights and steps, which this baseline does not compute. */
export type JsIngestResult =
  | (Omit<IngestMeta, 'insights' | 'steps' | 'reasons'> & { ok: true; reasons: Partial<Record<RejectName, number>>; ndjson: Uint8Array })
  | { ok: false; code: string };

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kindOf(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** True when v nests more than `levels` objects/arrays. */
function tooDeep(v: Json, levels: number): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if (levels === 0) return true;
  if (Array.isArray(v)) {
    for (const item of v) if (tooDeep(item, levels - 1)) return true;
    return false;
  }
  for (const key in v) if (tooDeep(v[key], levels - 1)) return true;
  return false;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** ISO 8601 with a zone, or decimal epoch ms; null when invalid (time.cpp's rules). */
export function parseTimestamp(s: string): number | null {
  if (EPOCH_DIGITS.test(s)) {
    if (s.length > 15) return null;
    const v = Number(s);
    return v > MAX_EPOCH_MS ? null : v;
  }
  const m = ISO.exec(s);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const millis = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  let offsetMinutes = 0;
  if (m[8]) {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (m[8] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60000;
  return ms < 0 || ms > MAX_EPOCH_MS ? null : ms;
}

/**
 * The integer part of a ts, or null when the core would refuse it: JSON.stringify
 * writes |ts| >= 1e21 and tiny fractions with an exponent, and the core reads
 * ts as an int64.
 */
function tsIntPart(ts: number): number | null {
  const abs = Math.abs(ts);
  if (abs >= 1e21 || (abs !== 0 && abs < 1e-6)) return null;
  const t = Math.trunc(ts);
  if (t >= 2 ** 63 || t < -(2 ** 63)) return null; // outside int64
  return t === 0 ? 0 : t;
}

function utf8Length(s: string): number {
  let n = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && k + 1 < s.length && (s.charCodeAt(k + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      k++;
    } else n += 3;
  }
  return n;
}

function twoDigits(n: number): string {
  return String(n).padStart(2, '0');
}

function r2Key(sessionId: string, startedAtMs: number, seq: number): string {
  const d = new Date(startedAtMs);
  const date = `${d.getUTCFullYear()}/${twoDigits(d.getUTCMonth() + 1)}/${twoDigits(d.getUTCDate())}`;
  return `sessions/${date}/${sessionId}/events/${String(seq).padStart(10, '0')}.ndjson`;
}

// ---- aggregate delta (delta.cpp) -------------------------------------------

type Key = [ts: number, seq: number, i: number];

function keyLess(a: Key, b: Key): boolean {
  if (a[0] !== b[0]) return a[0] < b[0];
  if (a[1] !== b[1]) return a[1] < b[1];
  return a[2] < b[2];
}

/** Orders strings as their UTF-8 bytes compare (memcmp), which is code point order. */
function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k++) {
    const x = a.charCodeAt(k);
    const y = b.charCodeAt(k);
    if (x !== y) return utf16Rank(x) - utf16Rank(y);
  }
  return a.length - b.length;
}
// Surrogates encode code points above U+FFFF, so they rank above U+E000..U+FFFF.
function utf16Rank(c: number): number {
  if (c >= 0xd800 && c <= 0xdfff) return c + 0x2000;
  return c >= 0xe000 ? c - 0x800 : c;
}

function indexOfAny(s: string, chars: string, from = 0): number {
  for (let k = from; k < s.length; k++) if (chars.includes(s[k])) return k;
  return -1;
}

/** Path of a page URL: scheme, host, query and fragment dropped; at most 512 UTF-8 bytes. */
export function pagePath(url: string): string {
  let rest = url;
  const scheme = rest.indexOf('://');
  const delimiter = indexOfAny(rest, '/?#');
  if (scheme > 0 && utf8Length(rest.slice(0, scheme)) < 16 && (delimiter < 0 || delimiter > scheme)) {
    rest = rest.slice(scheme + 3);
    const at = indexOfAny(rest, '/?#');
    rest = at < 0 ? '' : rest.slice(at);
  } else if (rest.startsWith('//')) {
    rest = rest.slice(2);
    const at = indexOfAny(rest, '/?#');
    rest = at < 0 ? '' : rest.slice(at);
  }
  const end = indexOfAny(rest, '?#');
  if (end >= 0) rest = rest.slice(0, end);
  let path = rest === '' || rest[0] !== '/' ? '/' + rest : rest;
  if (path.length > MAX_PATH_BYTES / 3) {
    const bytes = encoder.encode(path);
    if (bytes.length > MAX_PATH_BYTES) {
      let cut = MAX_PATH_BYTES;
      while (cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut--;
      path = lenientDecoder.decode(bytes.subarray(0, cut));
    }
  }
  return path;
}

function clampPercent(v: number): number {
  if (!(v > 0)) return 0;
  return v >= 100 ? 100 : Math.round(v * 1000) / 1000;
}

class DeltaBuilder {
  event_count = 0;
  page_views = 0;
  clicks = 0;
  custom_events = 0;
  errors = 0;
  rrweb_events = 0;
  max_scroll_percent = 0;
  first: Key = [0, 0, 0];
  last: Key = [0, 0, 0];
  entry: Key | null = null;
  entry_page = '';
  exit: Key = [0, 0, 0];
  exit_page = '';
  pages = new Map<string, { day: number; path: string; views: number }>();

  add(type: string, key: Key, event: JsonObject): void {
    if (this.event_count === 0) {
      this.first = this.last = key;
    } else {
      if (keyLess(key, this.first)) this.first = key;
      if (keyLess(this.last, key)) this.last = key;
    }
    this.event_count++;
    switch (type) {
      case 'click':
        this.clicks++;
        break;
      case 'custom':
        this.custom_events++;
        break;
      case 'error':
        this.errors++;
        break;
      case 'rrweb':
        this.rrweb_events++;
        break;
      case 'scroll':
        this.max_scroll_percent = Math.max(this.max_scroll_percent, clampPercent(event.scroll_percent as number));
        break;
      case 'page_view': {
        this.page_views++;
        // A lone surrogate decodes to U+FFFD in the core.
        const path = pagePath((event.url as string).toWellFormed());
        const day = Math.floor(key[0] / DAY_MS);
        const id = `${day}\n${path}`;
        const page = this.pages.get(id);
        if (page) page.views++;
        else this.pages.set(id, { day, path, views: 1 });
        const firstView = !this.entry;
        if (firstView || keyLess(key, this.entry as Key)) {
          this.entry = key;
          this.entry_page = path;
        }
        if (firstView || keyLess(this.exit, key)) {
          this.exit = key;
          this.exit_page = path;
        }
        break;
      }
    }
  }

  toJSON(): Delta {
    const d: Delta = {
      event_count: this.event_count,
      page_views: this.page_views,
      clicks: this.clicks,
      custom_events: this.custom_events,
      errors: this.errors,
      rrweb_events: this.rrweb_events,
      max_scroll_percent: this.max_scroll_percent,
      pages: [],
    };
    if (this.event_count) {
      d.first_ts = this.first[0];
      d.last_ts = this.last[0];
      d.duration_ms = this.last[0] - this.first[0];
      d.first = [...this.first];
      d.last = [...this.last];
    }
    if (this.entry) {
      d.entry_page = this.entry_page;
      d.exit_page = this.exit_page;
      d.entry = [...this.entry];
      d.exit = [...this.exit];
    }
    d.pages = [...this.pages.values()]
      .sort((a, b) => a.day - b.day || compareUtf8(a.path, b.path))
      .map((p) => ({ day: new Date(p.day * DAY_MS).toISOString().slice(0, 10), path: p.path, views: p.views }));
    return d;
  }
}

// ---- ingest_batch (batch.cpp) ----------------------------------------------

function fail(code: string): { ok: false; code: string } {
  return { ok: false, code };
}

function timestampText(v: Json | undefined): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return '';
}

export function ingestBatch(
  bodyBytes: Uint8Array,
  nowMs: number,
  opts: { minEvents?: number; limits?: Limits } = {},
): JsIngestResult {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const minEvents = opts.minEvents ?? 1;
  const now = Math.floor(nowMs);
  if (bodyBytes.length > limits.maxBatchBytes) return fail('payload_too_large');

  let text: string;
  let badUtf8 = false;
  try {
    text = strictDecoder.decode(bodyBytes);
  } catch {
    text = lenientDecoder.decode(bodyBytes);
    badUtf8 = true;
  }
  let body: Json;
  try {
    body = JSON.parse(text) as Json;
  } catch {
    return fail('bad_json');
  }
  if (!isObject(body)) return fail('bad_json');
  const has = (key: string) => Object.hasOwn(body as JsonObject, key);
  if (has('events') && has('event')) return fail('bad_json');

  // The core's nesting limit counts every container from the body down.
  if (tooDeep(body, MAX_DEPTH)) return fail('too_deep');
  if (Object.keys(body).some((key) => NEEDS_ESCAPE.test(key))) return fail('bad_json');
  if (badUtf8) return fail('bad_utf8');

  const sessionId = body.session_id;
  if (typeof sessionId !== 'string' || !SESSION_ID.test(sessionId)) return fail('bad_session_id');

  if (!has('session_started_at')) return fail('bad_session_started_at');
  const startedText = timestampText(body.session_started_at);
  const startedAtMs = parseTimestamp(startedText);
  if (startedAtMs === null) return fail('bad_session_started_at');
  if (startedAtMs > now + limits.maxSkewMs) return fail('session_in_future');
  if (startedAtMs < now - limits.maxSessionAgeMs) return fail('session_expired');

  const seq = body.seq;
  if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0 || seq > MAX_SEQ) return fail('bad_seq');
  if (seq > MAX_SESSION_SEQ) return fail('session_too_large');

  const token = typeof body.token === 'string' ? body.token : '';
  const siteId = typeof body.site_id === 'string' ? body.site_id : '';
  let endedAtMs: number | undefined;
  if (has('ended_at')) {
    const ended = parseTimestamp(timestampText(body.ended_at));
    if (ended === null) return fail('bad_ended_at');
    endedAtMs = ended;
  }

  let events: Json[] = [];
  if (has('events')) {
    if (!Array.isArray(body.events)) return fail('bad_events');
    events = body.events;
  } else if (has('event')) {
    if (!isObject(body.event)) return fail('bad_events');
    events = [body.event];
  }
  if (events.length > limits.maxEvents) return fail('too_many_events');
  if (events.length < minEvents) return fail('bad_events');

  const r2_key = r2Key(sessionId, startedAtMs, seq);
  const earliest = startedAtMs - limits.maxSkewMs;
  const latestNow = now + limits.maxSkewMs;
  const latestSession = startedAtMs + limits.maxSessionAgeMs + limits.maxSkewMs;
  // No event is larger than the whole body.
  const checkSize = bodyBytes.length > limits.maxEventBytes;

  const reasons: Partial<Record<RejectName, number>> = {};
  let accepted = 0;
  let rejected = 0;
  const reject = (name: RejectName) => {
    rejected++;
    reasons[name] = (reasons[name] ?? 0) + 1;
  };
  const delta = new DeltaBuilder();
  let ndjson = '';

  events.forEach((event, index) => {
    if (!isObject(event)) return reject('not_object');
    if (checkSize && utf8Length(JSON.stringify(event)) > limits.maxEventBytes) return reject('too_large');
    if (hasUnstorableText(event)) return reject('bad_utf8');
    const keys = Object.keys(event);
    if (keys.length > MAX_MEMBERS) return reject('bad_field');
    for (const key of keys) {
      if (NEEDS_ESCAPE.test(key)) return reject('bad_field');
      if (key === 'session_id' || key === 'seq' || key === 'i') return reject('reserved_field');
    }

    const type = event.type;
    const rules = typeof type === 'string' ? RULES.get(type) : undefined;
    if (!rules) return reject('unknown_type');
    const ts = typeof event.ts === 'number' ? tsIntPart(event.ts) : null;
    if (ts === null) return reject('bad_ts');
    for (const [name, kind, required] of rules) {
      const value = event[name];
      if (value === undefined) {
        if (required) return reject('missing_field');
        continue;
      }
      if (kindOf(value) !== kind && !(!required && value === null)) return reject('bad_field');
    }
    if (ts < earliest || ts > latestNow || ts > latestSession) return reject('ts_out_of_window');

    const { ts: _ts, ...rest } = event;
    ndjson += `{"ts":${ts},"seq":${seq},"i":${index},"session_id":"${sessionId}",${JSON.stringify(rest).slice(1)}\n`;
    accepted++;
    delta.add(type as string, [ts, seq, index], event);
  });

  const result: JsIngestResult = {
    ok: true,
    r2_key,
    session_id: sessionId,
    session_started_at: startedText,
    started_at_ms: startedAtMs,
    seq,
    token,
    site_id: siteId,
    accepted,
    rejected,
    reasons,
    ndjson: encoder.encode(ndjson),
    delta: delta.toJSON(),
  };
  if (endedAtMs !== undefined) result.ended_at_ms = endedAtMs;
  return result;
}

// ---- merge_replay (merge.cpp) ----------------------------------------------

interface Line {
  ts: number;
  seq: number;
  i: number;
  text: string;
}

function parseLine(text: string): JsonObject | null {
  try {
    const v = JSON.parse(text) as Json;
    return isObject(v) ? v : null;
  } catch {
    return null;
  }
}

/**
 * Merges a session's NDJSON chunks (any order, overlapping, retried) into one
 * stream sorted by (ts, seq, i, line bytes), exact repeats dropped, a cut-off
 * unterminated last line dropped.
 */
export function mergeReplay(chunks: Uint8Array[]): Uint8Array {
  const lines: Line[] = [];
  for (const chunk of chunks) {
    const parts = lenientDecoder.decode(chunk).split('\n');
    parts.forEach((part, k) => {
      const text = part.endsWith('\r') ? part.slice(0, -1) : part;
      if (text === '') return;
      const event = parseLine(text);
      // The piece after the last newline may have been cut mid-write.
      if (k === parts.length - 1 && (!event || tooDeep(event, MAX_DEPTH))) return;
      if (!event) return;
      const { ts, seq, i, type } = event;
      if (!Number.isInteger(ts) || !Number.isInteger(seq) || !Number.isInteger(i) || typeof type !== 'string') return;
      lines.push({ ts: ts as number, seq: seq as number, i: i as number, text });
    });
  }
  lines.sort((a, b) => a.ts - b.ts || a.seq - b.seq || a.i - b.i || compareUtf8(a.text, b.text));
  const out: string[] = [];
  let previous: string | undefined;
  for (const line of lines) {
    if (line.text === previous) continue;
    out.push(line.text);
    previous = line.text;
  }
  return out.length ? encoder.encode(out.join('\n') + '\n') : new Uint8Array(0);
}
