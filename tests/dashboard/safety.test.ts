// The dashboard's security properties, read from its sources: text recorded
// on tracked sites (URLs, titles, click texts) never goes in as HTML, and
// styles are set through the CSSOM (style objects), never as a style
// attribute string, which a CSP without 'unsafe-inline' would refuse.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const SRC = new URL('../../js-shim/dashboard/src/', import.meta.url).pathname;
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : []));

it('never sets HTML from a string in the dashboard', () => {
  const found = sources(SRC).filter((f) => /\binnerHTML\b|\bouterHTML\b|insertAdjacentHTML|dangerouslySetInnerHTML|document\.write/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(found, []);
});

it('sets styles through style objects, never as a style attribute string', () => {
  const found = sources(SRC).filter((f) => /\sstyle="|setAttribute\(\s*'style'/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(found, []);
});
