// The Worker's type checks, one line each and a closing `N passed, N failed`:
// `tsc --noEmit` over js-shim/src (strict, js-shim/tsconfig.json), and the
// checked-in js-shim/worker-configuration.d.ts against what `wrangler types`
// makes of wrangler.toml now, so a binding renamed there breaks the tests, not
// production. (`wrangler types --check` compares a hash of the config only.)
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const CHECKED_IN = 'js-shim/worker-configuration.d.ts';
// Beside the checked-in file, so its relative `import("./src/index")` is the same.
const FRESH = `js-shim/.worker-configuration.${process.pid}.d.ts`;

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ?? ''}` };
};

const checks = [
  ['tsc --noEmit over js-shim/src', () => run('node_modules/.bin/tsc', ['-p', 'js-shim', '--noEmit'])],
  [`${CHECKED_IN} is what wrangler types generates`, () => {
    try {
      const gen = run('node_modules/.bin/wrangler', ['types', FRESH, '--include-runtime=false']);
      if (!gen.ok) return gen;
      // The generated header names the file it was written to: compare as if written in place.
      const fresh = readFileSync(FRESH, 'utf8').replaceAll(FRESH, CHECKED_IN);
      const ok = fresh === readFileSync(CHECKED_IN, 'utf8');
      return { ok, output: ok ? '' : `differs from wrangler types: run \`npx wrangler types ${CHECKED_IN} --include-runtime=false\` and commit it\n` };
    } finally {
      rmSync(FRESH, { force: true });
    }
  }],
];

let passed = 0;
let failed = 0;
for (const [name, check] of checks) {
  const { ok, output } = check();
  if (ok) passed += 1; else failed += 1;
  console.log(`${ok ? 'ok' : 'not ok'} - ${name}`);
  if (!ok) process.stdout.write(output);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
