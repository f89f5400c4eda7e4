// One way to reach Postgres: only lib/db.ts opens a client (storage/pg.ts
// connect) or reads the Hyperdrive binding's connection string, and only it
// turns an unreachable database into a 503 database_unavailable. This fails
// when a route or service opens a client of its own or writes that
// translation again.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = 'js-shim/src';
const PROVIDER = 'lib/db.ts';
const RULES: [string, RegExp][] = [
  ['opens a client', /\bconnect\(/],
  ['reads the connection string', /\.connectionString\b/],
  ['answers database_unavailable', /'database_unavailable'/],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.ts$/.test(name) ? [path] : [];
  });
}

const code = (text: string) => text.split('\n').filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line));

describe('the Postgres boundary', () => {
  it('opens clients and answers an unreachable database in lib/db.ts alone', () => {
    const offenders = sourceFiles(SRC)
      .map((file) => relative(SRC, file))
      // storage/pg.ts defines connect; contract.ts lists the code among the API's error codes.
      .filter((file) => file !== PROVIDER && file !== 'storage/pg.ts' && file !== 'contract.ts')
      .flatMap((file) =>
        code(readFileSync(join(SRC, file), 'utf8')).flatMap((line) => RULES.filter(([, re]) => re.test(line)).map(([what]) => `${file} ${what}: ${line.trim()}`)),
      );
    assert.deepEqual(offenders, []);
    const provider = code(readFileSync(join(SRC, PROVIDER), 'utf8')).join('\n');
    for (const [what, re] of RULES) assert.match(provider, re, `lib/db.ts ${what}`);
  });
});
