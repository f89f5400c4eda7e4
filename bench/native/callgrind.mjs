// Instruction counts of the core under callgrind: builds bench/native/driver.cpp
// with the core sources (g++ -O2, as the native CMake preset compiles them),
// runs ingest of the 200-event batch and a merge of the 10,000-event session
// once each on the bytes bench/core.bench.ts wrote, and writes the counts
// (Ir: instructions executed) to bench/out/callgrind.json.
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = `${ROOT}bench/out/`;
const BUILD = `${OUT}native/`;
const DATA = `${OUT}data/`;
const FLAGS = ['-O2', '-std=c++20', '-DNDEBUG', '-DJSON_HAS_FILESYSTEM=0', '-DJSON_HAS_EXPERIMENTAL_FILESYSTEM=0', `-I${ROOT}wasm/include`];

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: ROOT });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr || r.stdout}`);
  return r;
}

const execFileAsync = promisify(execFile);
const newer = (a, b) => !existsSync(b) || statSync(a).mtimeMs > statSync(b).mtimeMs;

/** Compiles what changed (two at a time: the machine has two cores) and links the driver. */
async function build() {
  mkdirSync(BUILD, { recursive: true });
  const headers = readdirSync(`${ROOT}wasm/include/edgereplay`).map((h) => `${ROOT}wasm/include/edgereplay/${h}`);
  const newestHeader = Math.max(...headers.map((h) => statSync(h).mtimeMs));
  const sources = [...readdirSync(`${ROOT}wasm/src`).map((f) => `${ROOT}wasm/src/${f}`), `${ROOT}bench/native/driver.cpp`];
  const jobs = sources.map((src) => ({ src, obj: `${BUILD}${src.split('/').pop().replace(/\.cpp$/, '.o')}` }));
  const stale = jobs.filter(({ src, obj }) => newer(src, obj) || statSync(obj).mtimeMs < newestHeader);
  const compile = ({ src, obj }) => execFileAsync('g++', [...FLAGS, '-c', src, '-o', obj]);
  const queue = [...stale];
  await Promise.all([0, 1].map(async () => {
    for (let job = queue.shift(); job; job = queue.shift()) await compile(job);
  }));
  const driver = `${BUILD}driver`;
  if (stale.length || !existsSync(driver)) run('g++', [...jobs.map((j) => j.obj), '-o', driver]);
  return driver;
}

function callgrind(driver, name, args) {
  const out = `${BUILD}callgrind.out.${name}`;
  const r = run('valgrind', ['--tool=callgrind', '--collect-atstart=no', `--callgrind-out-file=${out}`, driver, ...args]);
  const collected = r.stderr.match(/Collected\s*:\s*(\d+)/);
  if (!collected) throw new Error(`no instruction count in callgrind's output:\n${r.stderr}`);
  return { ir: Number(collected[1]), summary: r.stdout.trim(), profile: out.slice(ROOT.length) };
}

if (!existsSync(`${DATA}merge-10000.lengths`)) {
  console.error('callgrind: bench/out/data is missing; run bench/core.bench.ts first (npm run bench:core)');
  process.exit(2);
}
const driver = await build();
const ingest = callgrind(driver, 'ingest', ['ingest', `${DATA}ingest-200.json`, readFileSync(`${DATA}ingest-200.now`, 'utf8').trim()]);
const merge = callgrind(driver, 'merge', ['merge', `${DATA}merge-10000.ndjson`, `${DATA}merge-10000.lengths`]);
const version = run('valgrind', ['--version']).stdout.trim();
const compiler = run('g++', ['--version']).stdout.split('\n')[0];
const figures = {
  valgrind: version,
  compiler: `${compiler} ${FLAGS.slice(0, 2).join(' ')}`,
  ingest_200_ir: ingest.ir,
  ingest_200_summary: ingest.summary,
  merge_10000_ir: merge.ir,
  merge_10000_summary: merge.summary,
  merge_10000_input_bytes: statSync(`${DATA}merge-10000.ndjson`).size,
};
writeFileSync(`${OUT}callgrind.json`, JSON.stringify(figures, null, 2) + '\n');
console.log(`callgrind (${version}): ingest 200 events ${ingest.ir.toLocaleString('en-US')} Ir; merge 10,000 events ${merge.ir.toLocaleString('en-US')} Ir`);
console.log(`profiles: ${ingest.profile}, ${merge.profile} (callgrind_annotate <file>)`);
