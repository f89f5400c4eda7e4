// npm run bench: every figure the product is held to, in one bounded run
// (a few minutes on two cores), written to bench/results.json and
// bench/RESULTS.md with the end-to-end chart in bench/e2e-throughput.png.
//   1. core: core.wasm against plain JS on the same bytes (bench/core.bench.ts)
//   2. instruction counts of the same work under callgrind (bench/native/)
//   3. operations per 500-event session on the integration stack (bench/cost.ts),
//      and the Worker's own CPU per request and cold start (bench/worker-cpu.ts)
//   4. end to end on wrangler dev over loopback (bench/e2e.ts)
//   5. dashboards at scale: 1M sessions over 30 days, every analytics endpoint
//      and the overview page in Chromium (bench/dashboard.ts; bench:scale: 10M)
//   6. heatmaps: 30 days of a busy page's click cells (bench/heatmap.ts)
//   7. replay: bytes per recorded minute of a single-page app in Chromium, and
//      the largest full snapshot stored and replayed whole (bench/replay.ts)
//   8. sizes of what ships, gzip level 9
// Needs the build `npm test` leaves (or `npm run build`): core.wasm, the
// Worker bundle and the tracker. Intermediate figures go to bench/out/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chartHtml, renderChart } from './chart.mjs';
import { writeReport } from './report.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = `${ROOT}bench/out/`;
const started = Date.now();
const load = [loadavg()[0]];

function step(name, cmd, args) {
  const t0 = Date.now();
  console.log(`\n=== ${name} ===`);
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`bench: ${name} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
  return Math.round((Date.now() - t0) / 100) / 10;
}

const read = (name) => JSON.parse(readFileSync(`${OUT}${name}.json`, 'utf8'));
/** A step's figures from bench/out/, or null when a partial run has none (the report keeps the previous ones). */
const readIf = (step, name = step) => (only && !only.includes(step) ? null : read(name));

// gzip level 9 through zlib, the measure scripts/build-tracker.mjs holds the
// tracker's budget to; GNU gzip's own deflate lands a few bytes apart.
const gzipBytes = (path) => gzipSync(readFileSync(path), { level: 9 }).length;

function gnuGzipBytes(path) {
  const r = spawnSync('sh', ['-c', `gzip -9 -n -c "$1" | wc -c`, 'sh', path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gzip ${path}: ${r.stderr}`);
  return Number(r.stdout.trim());
}

/** The Worker as uploaded: index.js plus the core.wasm module it imports. */
function workerBundle() {
  const dir = `${ROOT}build/worker/`;
  const js = readFileSync(`${dir}index.js`, 'utf8');
  const wasm = readdirSync(dir).filter((f) => f.endsWith('.wasm') && js.includes(f));
  return [`${dir}index.js`, ...wasm.map((f) => `${dir}${f}`)];
}

const needed = ['js-shim/generated/core.wasm', 'build/worker/index.js', 'dist/tracker/tracker.js'];
const missing = needed.filter((f) => !existsSync(`${ROOT}${f}`));
if (missing.length) {
  console.log(`bench: building first (${missing.join(', ')} missing)`);
  step('build', 'bash', ['scripts/build.sh']);
}
mkdirSync(OUT, { recursive: true });

const STEPS = {
  core: ['core: wasm vs plain JS', 'node', ['--expose-gc', '--import', 'tsx', 'bench/core.bench.ts']],
  callgrind: ['core: instruction counts (callgrind)', 'node', ['bench/native/callgrind.mjs']],
  cost: ['cost: operations per 500-event session', 'node', ['--import', 'tsx', 'bench/cost.ts']],
  worker_cpu: ["the Worker's own CPU and cold start", 'node', ['--import', 'tsx', 'bench/worker-cpu.ts']],
  e2e: ['end to end: wrangler dev over loopback', 'node', ['--import', 'tsx', 'bench/e2e.ts']],
  dashboard: ['dashboards at scale: 1M sessions over 30 days', 'node', ['--import', 'tsx', 'bench/dashboard.ts']],
  heatmap: ['heatmaps: 30 days of a busy page', 'node', ['--import', 'tsx', 'bench/heatmap.ts']],
  replay: ['replay: bytes per recorded minute, largest snapshot', 'node', ['--import', 'tsx', 'bench/replay.ts']],
};

// --report-only: rewrite results.json and RESULTS.md from bench/out/ (what
// `npm run bench:scale` does after its own run), timing nothing again.
// --only cost,worker_cpu: run those steps alone; results.json and RESULTS.md
// keep every other step's figures (and sections) from the previous run.
const reportOnly = process.argv.includes('--report-only');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt > 0 ? process.argv[onlyAt + 1]?.split(',').filter(Boolean) : null;
if (only && (!only.length || only.some((k) => !STEPS[k]))) {
  console.error(`bench: --only takes step names separated by commas: ${Object.keys(STEPS).join(', ')}`);
  process.exit(2);
}
const seconds = reportOnly
  ? read('seconds')
  : Object.fromEntries(Object.entries(STEPS).filter(([k]) => !only || only.includes(k)).map(([k, [name, cmd, args]]) => [k, step(name, cmd, args)]));
load.push(loadavg()[0]);
const previous = only
  ? (() => {
      const results = JSON.parse(readFileSync(`${ROOT}bench/results.json`, 'utf8'));
      return { results, seconds: results.bench_seconds_by_step ?? {}, markdown: readFileSync(`${ROOT}bench/RESULTS.md`, 'utf8') };
    })()
  : null;

const bundle = workerBundle();
const sizes = {
  core_wasm_bytes: readFileSync(`${ROOT}js-shim/generated/core.wasm`).length,
  core_wasm_gzip_bytes: gzipBytes(`${ROOT}js-shim/generated/core.wasm`),
  worker_bundle_bytes: bundle.reduce((n, f) => n + readFileSync(f).length, 0),
  worker_bundle_gzip_bytes: bundle.reduce((n, f) => n + gzipBytes(f), 0),
  tracker_bytes: readFileSync(`${ROOT}dist/tracker/tracker.js`).length,
  tracker_gzip_bytes: gzipBytes(`${ROOT}dist/tracker/tracker.js`),
  tracker_gnu_gzip_bytes: gnuGzipBytes(`${ROOT}dist/tracker/tracker.js`),
};

console.log('\n=== chart and report ===');
const e2e = readIf('e2e');
const now = {
  date: new Date().toISOString(),
  cpus: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.version,
  load_average_start: Math.round(load[0] * 100) / 100,
  load_average_end: Math.round(load[1] * 100) / 100,
};
const { partial: _, ...fullRun } = previous?.results.machine ?? {};
const machine = reportOnly
  ? (({ partial: _p, ...m }) => m)(JSON.parse(readFileSync(`${ROOT}bench/results.json`, 'utf8')).machine)
  : only
    ? { ...fullRun, partial: { date: now.date, steps: only, node: now.node, load_average_start: now.load_average_start, load_average_end: now.load_average_end } }
    : now;
if (!reportOnly && e2e) await renderChart(
  chartHtml(e2e, `${machine.cpus} × ${machine.cpu}, node ${machine.node}, ${machine.date.slice(0, 10)}`),
  `${OUT}e2e-throughput.html`,
  `${ROOT}bench/e2e-throughput.png`,
);
const total = reportOnly ? seconds.total : Math.round((Date.now() - started) / 1000);
if (!reportOnly && !only) writeFileSync(`${OUT}seconds.json`, JSON.stringify({ ...seconds, total }));
// bench:scale runs separately (10M sessions take a while); its last figures are kept.
const dashboardScale = existsSync(`${OUT}dashboard-scale.json`) ? read('dashboard-scale') : null;
// Conversions (bench/dashboard.ts, or --conversions alone): the last figures in bench/out/.
const conversions = existsSync(`${OUT}conversions.json`)
  ? { ...read('conversions'), runs: existsSync(`${OUT}conversions-runs.json`) ? read('conversions-runs') : [] }
  : null;
writeReport({ machine, core: readIf('core'), callgrind: readIf('callgrind'), cost: read('cost'), workerCpu: read('worker-cpu'), e2e, dashboard: readIf('dashboard'), dashboardScale, conversions, heatmap: readIf('heatmap'), replay: (!only || only.includes('replay')) && existsSync(`${OUT}replay.json`) ? read('replay') : null, sizes, seconds: { ...seconds, total }, previous });
console.log(`wrote bench/results.json, bench/RESULTS.md${e2e && !reportOnly ? ' and bench/e2e-throughput.png' : ''} in ${total} s`);
