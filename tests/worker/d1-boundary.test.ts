// ARCHITECTURE.md §1: D1 is a cache, and only storage/d1-cache-sync.ts may
// touch it. This fails when env.DB (or the binding pulled out of env some
// other way) appears anywhere else in js-shim/src.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = 'js-shim/src';
const ALLOWED = 'storage/d1-cache-sync.ts';

/** `env.DB`, `env?.DB`, `env['DB']`, and `{ DB } = …env` / `{ DB: db } = c.env`. */
const D1_USE = [/\benv\s*\??\.\s*DB\b/, /\benv\s*\??\.?\s*\[\s*['"`]DB['"`]\s*\]/, /\{[^}]*\bDB\b[^}]*\}\s*=\s*[\w.]*\benv\b/];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.(ts|js|mjs)$/.test(name) ? [path] : [];
  });
}

export function d1Uses(text: string): string[] {
  return text.split('\n').filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line) && D1_USE.some((re) => re.test(line)));
}

describe('the D1 boundary', () => {
  it('recognises every way of reaching the D1 binding', () => {
    for (const line of ['await env.DB.prepare(q)', 'c.env.DB?.batch([])', "env['DB']", 'const { DB } = c.env;', 'const { DB: db, EVENTS } = env;', 'env?.DB']) {
      assert.equal(d1Uses(line).length, 1, line);
    }
    for (const line of ['// env.DB is the cache', 'const db = env.DBX;', 'env.HYPERDRIVE', "'DB' | 'HYPERDRIVE'"]) {
      assert.equal(d1Uses(line).length, 0, line);
    }
  });

  it('finds env.DB nowhere in js-shim/src but storage/d1-cache-sync.ts', () => {
    const offenders = sourceFiles(SRC)
      .filter((file) => relative(SRC, file) !== ALLOWED)
      .flatMap((file) => d1Uses(readFileSync(file, 'utf8')).map((line) => `${relative(SRC, file)}: ${line.trim()}`));
    assert.deepEqual(offenders, []);
    assert.ok(d1Uses(readFileSync(join(SRC, ALLOWED), 'utf8')).length > 0, 'the cache module itself does use it');
  });
});
