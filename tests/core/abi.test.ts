// Calls every export of core.wasm through js-shim/src/core.ts, in Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { API_ERRORS, CORE_ERRORS, EVENT_TYPES, MAX_BATCH, MAX_BATCH_BYTES } from '../../js-shim/src/contract.ts';
import { coreModule, loadCore } from './load-core.ts';

const START = '2026-11-22T23:59:50.123Z';
const START_MS = Date.parse(START);
const NOW = START_MS + 60_000;
const SID = 'sess_ABCdef-123';

function batch(fields: Record<string, unknown>): string {
  return JSON.stringify({ session_id: SID, session_started_at: START, token: 't', seq: 3, ...fields });
}

const decode = (b: Uint8Array) => new TextDecoder().decode(b);

test('the module imports only WASI functions and exports exactly wasm/abi/exports.txt', () => {
  const module = coreModule();
  const imports = WebAssembly.Module.imports(module);
  for (const imp of imports) assert.equal(imp.module, 'wasi_snapshot_preview1', `unexpected import ${imp.module}.${imp.name}`);
  const listed = readFileSync(fileURLToPath(new URL('../../wasm/abi/exports.txt', import.meta.url)), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .sort();
  const exported = WebAssembly.Module.exports(module).map((e) => e.name).sort();
  assert.deepEqual(exported, listed);
});

test('a valid batch becomes NDJSON under the start date prefix with its delta', () => {
  const core = loadCore();
  const events = [
    // 20 s after a start at 23:59:50Z: the page view falls on the next UTC day.
    { type: 'page_view', ts: START_MS + 20_000, url: 'https://example.com/pricing?x=1' },
    { type: 'click', ts: START_MS + 2000, x: 1, y: 2, selector: 'button#buy' },
    { type: 'scroll', ts: START_MS + 3000, scroll_percent: 140 },
    { type: 'nonsense', ts: START_MS + 4000 },
  ];
  const r = core.ingestBatch(batch({ events }), NOW);
  assert.ok(r.ok);
  assert.equal(r.meta.r2_key, `sessions/2026/11/22/${SID}/events/0000000003.ndjson`);
  assert.equal(r.meta.accepted, 3);
  assert.equal(r.meta.rejected, 1);
  assert.deepEqual(r.meta.reasons, { unknown_type: 1 });
  assert.equal(r.meta.session_started_at, START);
  assert.equal(r.meta.delta.page_views, 1);
  assert.equal(r.meta.delta.clicks, 1);
  assert.equal(r.meta.delta.max_scroll_percent, 100);
  assert.equal(r.meta.delta.entry_page, '/pricing');
  // The chunk stays under the start date; the page rollup counts the view's own day.
  assert.deepEqual(r.meta.delta.pages, [{ day: '2026-11-23', path: '/pricing', views: 1 }]);
  const lines = decode(r.ndjson).trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 3);
  assert.deepEqual(
    lines.map((l) => [l.ts, l.seq, l.i, l.session_id, l.type]),
    [
      [START_MS + 20_000, 3, 0, SID, 'page_view'],
      [START_MS + 2000, 3, 1, SID, 'click'],
      [START_MS + 3000, 3, 2, SID, 'scroll'],
    ],
  );
});

test('a refused batch reports its code, message and HTTP status', () => {
  const core = loadCore();
  const bad = core.ingestBatch(batch({ session_id: '../../etc', events: [{ type: 'page_view', ts: START_MS, url: '/' }] }), NOW);
  assert.equal(bad.ok, false);
  if (bad.ok) return;
  assert.equal(bad.code, 'bad_session_id');
  assert.equal(bad.status, 400);
  assert.match(bad.message, /session_id/);

  core.setLimits({ maxBatchBytes: 64 });
  const big = core.ingestBatch(batch({ events: [{ type: 'page_view', ts: START_MS, url: '/'.repeat(100) }] }), NOW);
  assert.equal(big.ok, false);
  if (!big.ok) assert.equal(big.status, 413);
});

test('session/end may carry an empty final batch and an ended_at', () => {
  const core = loadCore();
  const r = core.ingestBatch(batch({ events: [], ended_at: NOW }), NOW, { minEvents: 0 });
  assert.ok(r.ok);
  assert.equal(r.meta.ended_at_ms, NOW);
  assert.equal(r.ndjson.length, 0);
  assert.equal(core.ingestBatch(batch({ events: [] }), NOW).ok, false);
});

test('keys derive from the UTC date of the session start', () => {
  const core = loadCore();
  const k = core.deriveR2Key(SID, '2026-11-23T01:30:00+02:00', 12);
  assert.ok(k.ok);
  assert.equal(k.key, `sessions/2026/11/22/${SID}/events/0000000012.ndjson`);
  const p = core.sessionPrefix(SID, START);
  assert.ok(p.ok && k.key.startsWith(p.key));
  const c = core.compactedKey(SID, START);
  assert.ok(c.ok);
  assert.equal(c.key, `sessions/2026/11/22/${SID}/compacted.ndjson`);
  const seg = core.segmentKey(SID, START, 4);
  assert.ok(seg.ok);
  assert.equal(seg.key, `sessions/2026/11/22/${SID}/segments/0000000004.ndjson`);
  assert.deepEqual(core.parseKey(seg.key), { kind: 'segment', session_id: SID, seq: 4, day: '2026-11-22' });
  assert.equal(core.segmentKey(SID, START, -1).ok, false);
  const bad = core.deriveR2Key('a/b/../c', START, 1);
  assert.ok(!bad.ok && bad.code === 'bad_session_id');
  const leap = core.deriveR2Key(SID, '2025-02-29T00:00:00Z', 1);
  assert.ok(!leap.ok && leap.code === 'bad_session_started_at');
});

test('replay merges chunks in any order and drops exact repeats', () => {
  const core = loadCore();
  const make = (seq: number, ts: number[]) => {
    const r = core.ingestBatch(
      batch({ seq, events: ts.map((t) => ({ type: 'custom', name: 'n', ts: START_MS + t })) }),
      NOW,
    );
    assert.ok(r.ok);
    return r.ndjson;
  };
  const a = make(0, [10, 30]);
  const b = make(1, [20, 40]);
  const merged = core.mergeReplay([b, a, b]);
  assert.ok(merged.ok);
  assert.deepEqual(merged.stats, { lines: 4, duplicates: 2, skipped: 0, truncated: 0 });
  const ts = decode(merged.ndjson).trimEnd().split('\n').map((l) => JSON.parse(l).ts - START_MS);
  assert.deepEqual(ts, [10, 20, 30, 40]);

  const cut = core.mergeReplay([a, b.subarray(0, b.length - 5)]);
  assert.ok(cut.ok);
  assert.equal(cut.stats.truncated, 1);
  assert.equal(cut.stats.lines, 3);
});

test('a recount from R2 bytes equals the merged deltas of the batches', () => {
  const core = loadCore();
  const r1 = core.ingestBatch(batch({ seq: 0, events: [{ type: 'page_view', ts: START_MS + 5, url: '/a' }] }), NOW);
  const r2 = core.ingestBatch(batch({ seq: 1, events: [{ type: 'page_view', ts: START_MS + 9, url: '/b' }, { type: 'scroll', ts: START_MS + 10, scroll_percent: 55.5 }] }), NOW);
  assert.ok(r1.ok && r2.ok);
  const merged = core.mergeDelta(r1.meta.delta, r2.meta.delta);
  assert.ok(merged.ok);
  const joined = new Uint8Array([...r1.ndjson, ...r2.ndjson]);
  const recount = core.aggregateDelta(joined);
  assert.deepEqual(recount, merged.delta);
  assert.equal(recount.entry_page, '/a');
  assert.equal(recount.exit_page, '/b');
  assert.equal(recount.max_scroll_percent, 55.5);
  const bad = core.mergeDelta({ nope: 1 } as never, r1.meta.delta);
  assert.ok(!bad.ok && bad.code === 'bad_delta');
});

test('ingest reports the batch insights, and the stored chunk recounts to the same', () => {
  const core = loadCore();
  const r = core.ingestBatch(
    batch({
      events: [
        { type: 'page_view', ts: START_MS + 5, url: 'https://shop.example/pricing' },
        { type: 'click', ts: START_MS + 6, x: 640, y: 120, w: 1280, selector: 'button#buy' },
        { type: 'scroll', ts: START_MS + 7, scroll_percent: 64 },
        { type: 'error', ts: START_MS + 8, message: 'Uncaught Error: order 42 failed', source: 'https://shop.example/app.js' },
      ],
    }),
    NOW,
  );
  assert.ok(r.ok);
  const i = r.meta.insights;
  assert.deepEqual(i.cells, [{ day: new Date(START_MS).toISOString().slice(0, 10), path: '/pricing', width: 'desktop', x: 12, y: 2, clicks: 1 }]);
  assert.deepEqual(i.scroll.map((s) => [s.path, s.from, s.to]), [['/pricing', -1, 6]]);
  assert.equal(i.errors[0].message, 'Error: order <n> failed');
  assert.equal(i.errors[0].count, 1);
  assert.equal(i.page_view, true);
  assert.equal(i.scroll_tail, 6);
  assert.deepEqual(core.batchInsights(r.ndjson), i);
});

test('memory does not grow across thousands of calls', () => {
  const core = loadCore();
  const body = batch({ events: Array.from({ length: 200 }, (_, i) => ({ type: 'click', ts: START_MS + i, x: i, y: i, selector: 'a' })) });
  core.ingestBatch(body, NOW);
  const internals = core as unknown as { exports: { memory: WebAssembly.Memory } };
  const before = internals.exports.memory.buffer.byteLength;
  for (let k = 0; k < 2000; k++) assert.ok(core.ingestBatch(body, NOW).ok);
  assert.equal(internals.exports.memory.buffer.byteLength, before);
});

test('a wasm trap surfaces as an error and the next call runs on a fresh instance', () => {
  const core = loadCore();
  const internals = core as unknown as {
    exports: { er_merge_replay(p: number, l: number, lengths: number, n: number): number };
    withInstance<T>(fn: (x: unknown) => T): T;
  };
  const before = internals.exports;
  // A lengths pointer past the end of memory: the module traps reading it.
  assert.throws(
    () => internals.withInstance(() => before.er_merge_replay(0, 0, 0xfffffff0, 4)),
    (err: unknown) => err instanceof WebAssembly.RuntimeError,
  );
  assert.notEqual(internals.exports, before, 'the trapped instance was replaced');
  const ok = core.ingestBatch(batch({ events: [{ type: 'page_view', ts: START_MS, url: '/' }] }), NOW);
  assert.ok(ok.ok);
  assert.equal(ok.meta.accepted, 1);
});

test('the key layout reads back through the ABI: day prefixes, markers, roots and parsed keys', () => {
  const core = loadCore();
  const day = core.dayPrefix(START_MS);
  assert.ok(day.ok);
  assert.equal(day.key, 'sessions/2026/11/22/');
  assert.equal(core.rootPrefix('sessions'), 'sessions/');
  assert.equal(core.rootPrefix('pending'), 'pending/');
  assert.equal(core.rootPrefix('quarantine'), 'quarantine/');
  const marker = core.markerKey('pending', SID, 12);
  assert.ok(marker.ok);
  assert.equal(marker.key, `pending/${SID}/0000000012`);
  const folder = core.markerKey('quarantine', SID, -1);
  assert.ok(folder.ok);
  assert.equal(folder.key, `quarantine/${SID}/`);
  const chunk = core.deriveR2Key(SID, START, 12);
  assert.ok(chunk.ok);
  assert.deepEqual(core.parseKey(chunk.key), { kind: 'chunk', session_id: SID, seq: 12, day: '2026-11-22' });
  assert.deepEqual(core.parseKey(marker.key), { kind: 'pending', session_id: SID, seq: 12 });
  const compacted = core.compactedKey(SID, START);
  assert.ok(compacted.ok);
  assert.deepEqual(core.parseKey(compacted.key), { kind: 'compacted', session_id: SID, day: '2026-11-22' });
  assert.equal(core.parseKey('sessions/../x'), null);
  assert.equal(core.markerKey('pending', '../x', 1).ok, false);
});

const source = (path: string) => readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8');

test("the contract's core error codes are error.hpp's Error values, in their numeric order, each named by error_code()", () => {
  const values = [...source('wasm/include/edgereplay/error.hpp').matchAll(/^\s*(\w+) = (\d+),/gm)].map((m) => [m[1], Number(m[2])] as const);
  assert.ok(values.length > 10, 'read the enum');
  assert.deepEqual(values.map(([, n]) => n), values.map((_, i) => i), 'values run 0, 1, 2, … with no gap');
  assert.deepEqual(values.map(([name]) => name), [...CORE_ERRORS]);
  const named = Object.fromEntries([...source('wasm/src/error.cpp').matchAll(/case Error::(\w+): return "(\w+)";/g)].map((m) => [m[1], m[2]]));
  for (const code of CORE_ERRORS) assert.equal(named[code], code, `error_code(Error::${code})`);
});

test('every error code the core answers with is in the closed list the API documents', () => {
  const core = loadCore();
  const refused = core.ingestBatch(batch({ events: [] }), NOW);
  assert.equal(refused.ok, false);
  if (!refused.ok) assert.ok((CORE_ERRORS as readonly string[]).includes(refused.code), refused.code);
  const apiCodes = new Set<string>([...CORE_ERRORS.filter((c) => c !== 'ok'), ...API_ERRORS]);
  assert.equal(apiCodes.size, CORE_ERRORS.length - 1 + API_ERRORS.length, 'no code is listed twice');
});

test("the contract's event types are the core's EventType names", () => {
  const hpp = source('wasm/include/edgereplay/event.hpp').match(/enum class EventType : \w+ \{([^}]*)\}/);
  assert.ok(hpp, 'read the enum');
  const names = hpp[1].split(',').map((s) => s.trim()).filter((s) => s && s !== 'unknown');
  assert.deepEqual(names, [...EVENT_TYPES]);
});

test("the contract's batch limits are the core's defaults", () => {
  const hpp = source('wasm/include/edgereplay/batch.hpp');
  const limit = (name: string) => hpp.match(new RegExp(`${name} = ([^;]+);`))?.[1];
  assert.equal(limit('max_events'), String(MAX_BATCH));
  assert.equal(limit('max_batch_bytes'), '1024 * 1024');
  assert.equal(MAX_BATCH_BYTES, 1024 * 1024);
});
