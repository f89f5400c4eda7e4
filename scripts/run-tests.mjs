// Runs every test suite in turn, streams its output, and ends with one line
// `N passed, N failed` summing test cases across suites. A suite that cannot
// even build counts as one failure. Pass suite names to run only those.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';

// Node 20's test runner takes no globs: list the files of a folder instead.
const testFiles = (dir) => readdirSync(dir).filter((f) => f.endsWith('.test.ts')).sort().map((f) => `${dir}/${f}`);

const catch2 = (raw) => {
  const text = raw.replace(/\x1b\[[0-9;]*m/g, ''); // colour codes
  const all = text.match(/All tests passed \((\d+) assertions? in (\d+) test cases?\)/);
  if (all) return { passed: Number(all[2]), failed: 0 };
  const some = text.match(/test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed/);
  if (some) return { passed: Number(some[2]), failed: Number(some[3]) };
  const onlyFailed = text.match(/test cases:\s*(\d+)\s*\|\s*(\d+) failed/);
  if (onlyFailed) return { passed: 0, failed: Number(onlyFailed[2]) };
  return null;
};
const nodeTest = (text) => {
  const pass = [...text.matchAll(/^# pass (\d+)$/gm)].pop();
  const fail = [...text.matchAll(/^# fail (\d+)$/gm)].pop();
  if (!pass || !fail) return null;
  return { passed: Number(pass[1]), failed: Number(fail[1]) };
};

const plain = (text) => {
  const m = [...text.matchAll(/^(\d+) passed, (\d+) failed$/gm)].pop();
  return m ? { passed: Number(m[1]), failed: Number(m[2]) } : null;
};

const nodeTests = (...files) => ['node', ['--import', 'tsx', '--test', '--test-concurrency=1', ...files]];

export const SUITES = [
  { name: 'core:native', parse: catch2, steps: [['cmake', ['--preset', 'native']], ['cmake', ['--build', '--preset', 'native']], ['build/native/core_tests', []]] },
  { name: 'core:sanitize', parse: catch2, steps: [['cmake', ['--preset', 'sanitize']], ['cmake', ['--build', '--preset', 'sanitize']], ['build/sanitize/core_tests', []]] },
  {
    name: 'core:wasm32',
    parse: catch2,
    steps: [['cmake', ['--preset', 'emscripten']], ['cmake', ['--build', '--preset', 'emscripten']], ['node', ['--no-experimental-fetch', 'build/emscripten/core_tests.cjs']]],
  },
  { name: 'core:abi', parse: nodeTest, steps: [nodeTests('tests/core/abi.test.ts')] },
  // Saved crashes and seeds replayed, then 10 s of fuzzing per target (npm run fuzz runs longer,
  // and the model-based ingest test with many interleavings; here the worker suite runs it short).
  { name: 'core:fuzz', parse: plain, steps: [['env', ['FUZZ_MODEL=0', 'bash', 'scripts/fuzz.sh', '10']]] },
  { name: 'tracker', parse: nodeTest, steps: [nodeTests(...testFiles('tests/tracker'))] },
  { name: 'dashboard', parse: nodeTest, steps: [['node_modules/.bin/tsc', ['-p', 'js-shim/dashboard']], nodeTests(...testFiles('tests/dashboard'))] },
  // tsc --noEmit over the Worker, and worker-configuration.d.ts against wrangler types.
  { name: 'types', parse: plain, steps: [['node', ['scripts/check-worker-types.mjs']]] },
  { name: 'worker', parse: nodeTest, steps: [nodeTests(...testFiles('tests/worker'))] },
  { name: 'e2e', parse: nodeTest, steps: [nodeTests(...testFiles('tests/e2e'))] },
  // npm start on a fresh clone of the committed HEAD, twice (set-up, build, serve, stop).
  { name: 'first-run', parse: nodeTest, steps: [nodeTests(...testFiles('tests/first-run'))] },
];

function run(cmd, args) {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    child.stdout.on('data', (d) => { output += d; process.stdout.write(d); });
    child.stderr.on('data', (d) => { output += d; process.stderr.write(d); });
    child.on('error', (err) => resolve({ code: 127, output: output + String(err) }));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

// The lines that name a failure ("not ok …" from node:test, "fuzz: … found a
// crash" and such from the plain suites), repeated under the summary so the
// end of a long log says what failed.
const failureLines = (text) =>
  text
    .split('\n')
    .filter((l) => /^\s*not ok (\d+ )?- /.test(l) || /^(fuzz|types): .*(fail|crash)/.test(l))
    .map((l) => l.trim());

const only = process.argv.slice(2);
const results = [];
for (const suite of SUITES.filter((s) => !only.length || only.includes(s.name))) {
  console.log(`\n=== ${suite.name} ===`);
  let counts = null;
  let ok = true;
  const failures = [];
  for (const [cmd, args] of suite.steps) {
    const { code, output } = await run(cmd, args);
    counts = suite.parse(output) ?? counts;
    failures.push(...failureLines(output));
    if (code !== 0) {
      ok = false;
      if (!failures.length) failures.push(`${cmd} ${args.join(' ')} exited with ${code}: ${output.trim().split('\n').slice(-3).join(' | ').slice(0, 400)}`);
      break;
    }
  }
  if (!counts) counts = { passed: 0, failed: 1 };
  if (!ok && counts.failed === 0) counts = { ...counts, failed: 1 };
  results.push({ name: suite.name, ...counts, failures });
}

console.log('\n=== summary ===');
for (const r of results) console.log(`${r.name.padEnd(16)} ${r.passed} passed, ${r.failed} failed`);
for (const r of results.filter((r) => r.failed)) for (const l of r.failures) console.log(`  ${r.name}: ${l}`);
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
