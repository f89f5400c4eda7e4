// npm run bench:core — what core.wasm buys over plain JavaScript on the two
// hot paths, in one Node process on the same bytes:
//   ingest: one 200-event tracker batch through Core.ingestBatch (bytes copied
//           in, NDJSON copied out, metadata parsed) vs bench/js-core.ts;
//   merge:  sessions of 500, 10,000 and 100,000 events, their NDJSON chunks
//           as ingest wrote them, through Core.mergeReplay vs bench/js-core.ts,
//           in listing order and shuffled.
// Outputs are compared byte for byte before anything is timed; a difference
// is a correctness failure and exits 1. Speed figures never fail the run.
// Figures go to stdout and bench/out/core.json; the batch and the 10,000-event
// session's chunks go to bench/out/data/ for bench/native (callgrind).

import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { Core } from '../js-shim/src/core.ts';
import { ingestBatch as jsIngestBatch, mergeReplay as jsMergeReplay } from './js-core.ts';
import { newVisit, nextEvents, shuffled, type Visit } from './workload.ts';

const WASM_PATH = fileURLToPath(new URL('../js-shim/generated/core.wasm', import.meta.url));
const OUT_DIR = fileURLToPath(new URL('./out/', import.meta.url));

// Each figure is the median of ROUNDS rounds of about ROUND_MS each, wasm and
// JS rounds interleaved so drift (GC, thermal, a noisy neighbour) hits both.
const ROUNDS = 9;
const ROUND_MS = 120;
const WARMUP_MS = 300;

const SID = 'bench-Session_0123456789';
const START = '2026-11-22T10:00:00.000Z';
const START_MS = Date.parse(START);
const NOW = START_MS + 3 * 3600_000;

// ---- data ------------------------------------------------------------------

/** A tracker batch as JSON.stringify writes it: `count` events of the visit. */
function makeBatch(v: Visit, seq: number, count: number, withRejects = false): Uint8Array {
  // Two events ingest must drop: an unknown type, and a ts an hour past now.
  const rejectAt = withRejects ? { unknownType: 57, late: 131, lateTs: NOW + 3_600_000 } : undefined;
  const body = {
    session_id: SID,
    session_started_at: START,
    seq,
    token: 'v1.3f9a1c0e5b7d2a4c6e8f0a1b2c3d4e5f.8c1d',
    site_id: 'site_7QkP2',
    events: nextEvents(v, count, rejectAt),
  };
  return new TextEncoder().encode(JSON.stringify(body));
}

// ---- correctness -----------------------------------------------------------

const failures: string[] = [];
const decoder = new TextDecoder();
const encoder = new TextEncoder();

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
}

function firstDifference(a: Uint8Array, b: Uint8Array): string {
  let k = 0;
  while (k < a.length && k < b.length && a[k] === b[k]) k++;
  const around = (x: Uint8Array) => JSON.stringify(decoder.decode(x.subarray(Math.max(0, k - 60), k + 60)));
  return `first difference at byte ${k} of ${a.length}/${b.length}\n    wasm: ${around(a)}\n    js:   ${around(b)}`;
}

/** Runs both ingests on the same bytes; records every difference under `name`. */
function checkIngest(core: Core, name: string, body: Uint8Array, now = NOW, minEvents?: number): void {
  const w = core.ingestBatch(body, now, { minEvents });
  const j = jsIngestBatch(body, now, { minEvents });
  if (!w.ok || !j.ok) {
    const wc = w.ok ? 'ok' : w.code;
    const jc = j.ok ? 'ok' : j.code;
    if (wc !== jc) failures.push(`ingest ${name}: wasm ${wc}, js ${jc}`);
    return;
  }
  const m = w.meta;
  const fields = ['r2_key', 'session_id', 'session_started_at', 'started_at_ms', 'seq', 'ended_at_ms', 'token', 'site_id', 'accepted', 'rejected', 'reasons'] as const;
  for (const f of fields) {
    if (!isDeepStrictEqual(m[f], j[f])) failures.push(`ingest ${name}: ${f} wasm ${JSON.stringify(m[f])}, js ${JSON.stringify(j[f])}`);
  }
  for (const f of ['event_count', 'page_views', 'clicks', 'max_scroll_percent'] as const) {
    if (m.delta[f] !== j.delta[f]) failures.push(`ingest ${name}: delta.${f} wasm ${m.delta[f]}, js ${j.delta[f]}`);
  }
  if (!isDeepStrictEqual(m.delta, j.delta)) {
    failures.push(`ingest ${name}: delta differs\n    wasm: ${JSON.stringify(m.delta)}\n    js:   ${JSON.stringify(j.delta)}`);
  }
  if (!sameBytes(w.ndjson, j.ndjson)) failures.push(`ingest ${name}: ndjson ${firstDifference(w.ndjson, j.ndjson)}`);
}

function checkMerge(core: Core, name: string, chunks: Uint8Array[]): Uint8Array {
  const w = core.mergeReplay(chunks);
  if (!w.ok) {
    failures.push(`merge ${name}: wasm failed with ${w.code}`);
    return new Uint8Array(0);
  }
  const j = jsMergeReplay(chunks);
  if (!sameBytes(w.ndjson, j)) failures.push(`merge ${name}: ${firstDifference(w.ndjson, j)}`);
  return w.ndjson;
}

/** Small bodies covering the rules, so the baseline is known to do the same work. */
function contractCases(core: Core): void {
  const ev = (e: Record<string, unknown>) => ({ ts: START_MS + 1000, ...e });
  const click = ev({ type: 'click', x: 1, y: 2, selector: 'a' });
  const body = (fields: Record<string, unknown>) =>
    encoder.encode(JSON.stringify({ session_id: SID, session_started_at: START, seq: 1, token: 't', events: [click], ...fields }));
  const withEvents = (...events: unknown[]) => body({ events });
  const nest = (levels: number): unknown => (levels === 0 ? 1 : { a: nest(levels - 1) });

  const cases: Array<[string, Uint8Array, number?, number?]> = [
    ['not json', encoder.encode('{"session_id":'), NOW],
    ['array body', encoder.encode('[1,2]')],
    ['bom', encoder.encode('\ufeff{}')],
    ['short session id', body({ session_id: 'short' })],
    ['session id with slash', body({ session_id: 'abc/../defgh' })],
    ['started without zone', body({ session_started_at: '2026-11-22T10:00:00' })],
    ['started Feb 30', body({ session_started_at: '2026-02-30T10:00:00Z' })],
    ['started epoch number', body({ session_started_at: START_MS })],
    ['started epoch string', body({ session_started_at: String(START_MS) })],
    ['started offset fraction', body({ session_started_at: '2026-11-22T11:30:00.123456+0130' })],
    ['started in future', body({ session_started_at: new Date(NOW + 600_000).toISOString() })],
    ['started expired', body({ session_started_at: new Date(NOW - 25 * 3600_000).toISOString() })],
    ['seq negative', body({ seq: -1 })],
    ['seq fraction', body({ seq: 1.5 })],
    ['seq too large', body({ seq: 2147483648 })],
    ['seq max', body({ seq: 2147483647 })],
    ['seq string', body({ seq: '1' })],
    ['ended_at ok', body({ ended_at: new Date(NOW).toISOString() })],
    ['ended_at null', body({ ended_at: null })],
    ['no events', encoder.encode(JSON.stringify({ session_id: SID, session_started_at: START, seq: 1 }))],
    ['no events, min 0', encoder.encode(JSON.stringify({ session_id: SID, session_started_at: START, seq: 1 })), NOW, 0],
    ['empty events', withEvents()],
    ['events object', body({ events: { a: 1 } })],
    ['single event', encoder.encode(JSON.stringify({ session_id: SID, session_started_at: START, seq: 1, event: click }))],
    ['event and events', body({ event: click })],
    ['201 events', withEvents(...Array.from({ length: 201 }, () => click))],
    ['escaped envelope key', body({ 'x"y': 1 })],
    ...[28, 29, 30, 31].map((n): [string, Uint8Array] => [`props nested ${n}`, withEvents(ev({ type: 'custom', name: 'n', props: nest(n) }))]),
    ...[29, 30, 31].map((n): [string, Uint8Array] => [
      `single event nested ${n}`,
      encoder.encode(JSON.stringify({ session_id: SID, session_started_at: START, seq: 1, event: ev({ type: 'custom', name: 'n', props: nest(n) }) })),
    ]),
    ...[29, 30, 31].map((n): [string, Uint8Array] => [`non-object event nested ${n}`, withEvents(click, nest(n))]),
    ['envelope nested 31', body({ extra: nest(31) })],
    ['envelope nested 32', body({ extra: nest(32) })],
    ['invalid utf-8 in token', new Uint8Array([...encoder.encode(`{"session_id":"${SID}","session_started_at":"${START}","seq":1,"token":"`), 0xff, ...encoder.encode(`","events":[${JSON.stringify(click)}]}`)])],
    [
      'event rules',
      withEvents(
        42,
        [1],
        null,
        ev({ type: 'hover' }),
        ev({ type: 7 }),
        ev({ type: 'page_view' }),
        ev({ type: 'page_view', url: 'https://a.example/x', referrer: null, title: null }),
        ev({ type: 'page_view', url: 'https://a.example/x', referrer: 5 }),
        ev({ type: 'click', x: '1', y: 2, selector: 'a' }),
        ev({ type: 'custom', name: 'n', props: null }),
        ev({ type: 'custom', name: 'n', props: [1] }),
        ev({ type: 'rrweb', data: null }),
        ev({ type: 'visibility', state: 'hidden', seq: 1 }),
        ev({ type: 'visibility', state: 'hidden', session_id: 'x' }),
        ev({ type: 'visibility', state: 'hidden', i: 0 }),
        ev({ type: 'visibility', state: 'hidden', 'a\\b': 0 }),
        ev({ type: 'visibility', state: 'hidden', ['k\ud800']: 0 }),
        ev({ type: 'visibility', state: 'lone \udc00 surrogate value' }),
        ev({ type: 'error', message: 'boom', source: 'app.js:1', stack: ['a', { b: [null, true, false, -0.5, 1e-7, 1e300] }] }),
        { type: 'click', x: 1, y: 2, selector: 'a' },
        ev({ type: 'click', ts: String(START_MS), x: 1, y: 2, selector: 'a' }),
        ev({ type: 'click', ts: START_MS + 1234.9, x: 1, y: 2, selector: 'a' }),
        ev({ type: 'click', ts: 1e21, x: 1, y: 2, selector: 'a' }),
        ev({ type: 'click', ts: 1e-7, x: 1, y: 2, selector: 'a' }),
        ev({ type: 'click', ts: START_MS - 300_000, x: 1, y: 2, selector: 'a' }),
        ev({ type: 'click', ts: START_MS - 300_001, x: 1, y: 2, selector: 'a' }),
        ev({ type: 'click', ts: NOW + 300_000, x: 1, y: 2, selector: 'a' }),
        ev({ type: 'click', ts: NOW + 300_001, x: 1, y: 2, selector: 'a' }),
        ev({ type: 'scroll', scroll_percent: 140 }),
        ev({ type: 'scroll', scroll_percent: -5 }),
        ev({ type: 'scroll', scroll_percent: 33.333333 }),
        ev({ type: 'page_view', url: '/docs/start?x=1#top' }),
        ev({ type: 'page_view', url: '//cdn.example.com/a/b' }),
        ev({ type: 'page_view', url: 'https://例え.jp/パス/ページ?q=1' }),
        ev({ type: 'page_view', url: 'https://a.example/' + 'é'.repeat(300) }),
        ev({ type: 'page_view', url: 'https://a.example/😀' + 'x'.repeat(600) }),
        ev({ ts: START_MS + 86_400_000, type: 'page_view', url: 'https://a.example/next-day' }),
        ev({ type: 'custom', name: 'n', props: { '2': 'b', '1': 'a', z: 1, __proto__x: 2 } }),
        Object.fromEntries([['type', 'custom'], ['ts', START_MS + 5], ['name', 'n'], ...Array.from({ length: 62 }, (_, k) => [`f${k}`, k])]),
        Object.fromEntries([['type', 'custom'], ['ts', START_MS + 5], ['name', 'n'], ...Array.from({ length: 61 }, (_, k) => [`f${k}`, k])]),
      ),
    ],
    ['event too large', withEvents(click, ev({ type: 'custom', name: 'n', props: { blob: 'x'.repeat(70_000) } }), click)],
    ['payload too large', withEvents(ev({ type: 'custom', name: 'n', props: { blob: 'x'.repeat(1_100_000) } }))],
  ];
  for (const [name, bytes, now, minEvents] of cases) checkIngest(core, name, bytes, now ?? NOW, minEvents);
}

// ---- timing ----------------------------------------------------------------

let sink = 0;
// Present when node runs with --expose-gc, as npm run bench:core does.
const collectGarbage = (globalThis as { gc?: () => void }).gc;

function runFor(fn: () => number, ms: number): number {
  const stop = process.hrtime.bigint() + BigInt(ms * 1e6);
  let n = 0;
  while (n < 2 || process.hrtime.bigint() < stop) {
    sink += fn();
    n++;
  }
  return n;
}

function round(fn: () => number, iterations: number): number {
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < iterations; k++) sink += fn();
  return Number(process.hrtime.bigint() - t0) / iterations;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Median ns per call of each function. */
function compare(wasm: () => number, js: () => number): { wasm: number; js: number } {
  const plan = [wasm, js].map((fn) => {
    runFor(fn, WARMUP_MS);
    const calls = runFor(fn, 50);
    const perCall = 50e6 / calls;
    // At least one call per round: a 100,000-event merge in JS takes longer than a round.
    return { fn, iterations: Math.max(1, Math.round((ROUND_MS * 1e6) / perCall)), samples: [] as number[] };
  });
  for (let r = 0; r < ROUNDS; r++) {
    for (const p of plan) {
      // A clean heap per round, so one side's garbage is not collected on the other's clock.
      collectGarbage?.();
      p.samples.push(round(p.fn, p.iterations));
    }
  }
  return { wasm: median(plan[0].samples), js: median(plan[1].samples) };
}

/**
 * The same bytes for bench/native (instruction counts under callgrind): the
 * ingest body, and the 10,000-event session's chunks back to back with their
 * lengths, one per line.
 */
function writeNativeInputs(batch: Uint8Array, chunks: Uint8Array[]): void {
  const dir = `${OUT_DIR}data/`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}ingest-200.json`, batch);
  writeFileSync(`${dir}ingest-200.now`, `${NOW}\n`);
  writeFileSync(`${dir}merge-10000.ndjson`, Buffer.concat(chunks));
  writeFileSync(`${dir}merge-10000.lengths`, chunks.map((c) => c.length).join('\n') + '\n');
}

// ---- main ------------------------------------------------------------------

function main(): void {
  let wasmBytes: Buffer;
  try {
    wasmBytes = readFileSync(WASM_PATH);
  } catch {
    console.error(`bench: ${WASM_PATH} is missing; build it with: bash scripts/build-core.sh`);
    process.exit(2);
  }
  const core = new Core(new WebAssembly.Module(wasmBytes));
  const started = process.hrtime.bigint();

  // Ingest data: one realistic 200-event batch, two of its events invalid.
  const batch = makeBatch(newVisit(1, START_MS), 7, 200, true);
  // Merge data: chunks as ingest stores them.
  const chunksOf = (batches: number, perBatch: number, seed: number, stepMs?: number): Uint8Array[] => {
    const s = newVisit(seed, START_MS, stepMs);
    return Array.from({ length: batches }, (_, seq) => {
      const r = core.ingestBatch(makeBatch(s, seq, perBatch), NOW);
      if (!r.ok || r.meta.accepted !== perBatch) throw new Error(`ingest of merge data failed: ${r.ok ? JSON.stringify(r.meta.reasons) : r.code}`);
      return r.ndjson;
    });
  };
  const merges = [
    { id: '500', label: 'merge 500 (25×20)', chunks: chunksOf(25, 20, 2) },
    { id: '10000', label: 'merge 10000 (50×200)', chunks: chunksOf(50, 200, 3) },
    // Events closer together, so 100,000 of them fit the 3 hours before NOW.
    { id: '100000', label: 'merge 100000 (500×200)', chunks: chunksOf(500, 200, 5, 80) },
  ].flatMap((m) => [m, { id: `${m.id}_shuffled`, label: `${m.label} shuffled`, chunks: shuffled(m.chunks, 4) }]);

  // Correctness first: identical bytes or no figures at all.
  checkIngest(core, '200-event batch', batch);
  contractCases(core);
  for (const m of merges) {
    const out = checkMerge(core, m.label, m.chunks);
    const lines = decoder.decode(out).split('\n').length - 1;
    const expected = Number(m.id.split('_')[0]);
    if (lines !== expected) failures.push(`merge ${m.label}: ${lines} lines, expected ${expected}`);
  }
  {
    const c = merges[0].chunks;
    const cut = c[3].subarray(0, c[3].length - 40);
    const crlf = encoder.encode(decoder.decode(c[4]).replaceAll('\n', '\r\n') + '\n{"not":"an event"}\n');
    checkMerge(core, 'retried, truncated and CRLF chunks', [c[5], c[0], c[5], c[1], cut, crlf, c[0].subarray(0, 30)]);
  }
  if (failures.length) {
    console.error(`bench:core: wasm and JS outputs differ (${failures.length}):`);
    for (const f of failures) console.error(`  - ${f}`);
    process.exit(1);
  }
  console.log('outputs identical: ingest (200-event batch + contract cases) and merge (all variants)\n');
  writeNativeInputs(batch, merges.find((m) => m.id === '10000')!.chunks);

  // Timing.
  const ingest = compare(
    () => {
      const r = core.ingestBatch(batch, NOW);
      return r.ok ? r.ndjson.length : 0;
    },
    () => {
      const r = jsIngestBatch(batch, NOW);
      return r.ok ? r.ndjson.length : 0;
    },
  );
  const mergeFigures = merges.map((m) => {
    const inputBytes = m.chunks.reduce((n, c) => n + c.length, 0);
    const t = compare(
      () => {
        const r = core.mergeReplay(m.chunks);
        return r.ok ? r.ndjson.length : 0;
      },
      () => jsMergeReplay(m.chunks).length,
    );
    return { ...m, inputBytes, ...t };
  });

  const mbps = (bytes: number, ns: number) => bytes / 1e6 / (ns / 1e9);
  const r1 = (v: number) => Math.round(v * 10) / 10;
  const r2 = (v: number) => Math.round(v * 100) / 100;
  const r3 = (v: number) => Math.round(v * 1000) / 1000;
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

  const rows: string[][] = [['', 'input', 'wasm', 'js', 'js/wasm', 'wasm MB/s', 'js MB/s']];
  rows.push([
    'ingest 200 events',
    kb(batch.length),
    `${(ingest.wasm / 1e3).toFixed(1)} µs`,
    `${(ingest.js / 1e3).toFixed(1)} µs`,
    `${(ingest.js / ingest.wasm).toFixed(2)}x`,
    mbps(batch.length, ingest.wasm).toFixed(0),
    mbps(batch.length, ingest.js).toFixed(0),
  ]);
  for (const m of mergeFigures) {
    rows.push([
      m.label,
      kb(m.inputBytes),
      `${(m.wasm / 1e6).toFixed(3)} ms`,
      `${(m.js / 1e6).toFixed(3)} ms`,
      `${(m.js / m.wasm).toFixed(2)}x`,
      mbps(m.inputBytes, m.wasm).toFixed(0),
      mbps(m.inputBytes, m.js).toFixed(0),
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  console.log(`core.wasm ${kb(statSync(WASM_PATH).size)}, node ${process.version}, ${cpu}; median of ${ROUNDS} rounds of ~${ROUND_MS} ms`);
  for (const r of rows) console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));

  const figures: Record<string, number | string> = {
    node: process.version,
    cpu,
    core_wasm_bytes: statSync(WASM_PATH).size,
    rounds: ROUNDS,
    round_ms: ROUND_MS,
    ingest_batch_bytes: batch.length,
    ingest_us_per_batch_200_wasm: r1(ingest.wasm / 1e3),
    ingest_us_per_batch_200_js: r1(ingest.js / 1e3),
    ingest_speedup_vs_js: r2(ingest.js / ingest.wasm),
    ingest_mb_per_s_wasm: r1(mbps(batch.length, ingest.wasm)),
    ingest_mb_per_s_js: r1(mbps(batch.length, ingest.js)),
  };
  for (const m of mergeFigures) {
    figures[`merge_${m.id}_input_bytes`] = m.inputBytes;
    figures[`merge_${m.id}_ms_wasm`] = r3(m.wasm / 1e6);
    figures[`merge_${m.id}_ms_js`] = r3(m.js / 1e6);
    figures[`merge_${m.id}_speedup_vs_js`] = r2(m.js / m.wasm);
    figures[`merge_${m.id}_mb_per_s_wasm`] = r1(mbps(m.inputBytes, m.wasm));
    figures[`merge_${m.id}_mb_per_s_js`] = r1(mbps(m.inputBytes, m.js));
  }
  // Headline merge figures: the 10,000-event session with chunks in listing (seq) order.
  figures.merge_speedup_vs_js = figures.merge_10000_speedup_vs_js;
  figures.merge_mb_per_s = figures.merge_10000_mb_per_s_wasm;

  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(`${OUT_DIR}core.json`, JSON.stringify(figures, null, 2) + '\n');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`\nwrote bench/out/core.json (${seconds.toFixed(1)} s)`);
  // Keeps the timed results observable.
  if (Number.isNaN(sink)) console.log('');
}

main();
