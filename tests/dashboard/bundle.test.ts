// The dashboard's size budget: what a first visit downloads (the HTML shell,
// the app's script and stylesheet) stays under 100 KB gzip; the DOM replay
// player is a separate file loaded only with a recording.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const DIST = new URL('../../dist/dashboard/', import.meta.url);
const BUDGET = 100 * 1024;
const read = (name: string) => readFileSync(new URL(name, DIST));
const gz = (bytes: Buffer) => gzipSync(bytes, { level: 9 }).length;

it('keeps the app under 100 KB gzip, with the replay player out of it', () => {
  const manifest = JSON.parse(read('manifest.json').toString());
  const shell = read('index.html');
  const app = gz(shell) + gz(read(manifest.app.js)) + gz(read(manifest.app.css));
  assert.equal(app, manifest.app.gzip_bytes, 'the build reports what is on disk');
  assert.ok(app <= BUDGET, `app is ${app} bytes gzip, over ${BUDGET}`);
  const html = shell.toString();
  assert.ok(html.includes(`/assets/${manifest.app.js}`) && html.includes(`/assets/${manifest.app.css}`));
  assert.ok(!html.includes(manifest.player.js), 'the shell does not load the player');
  const appJs = read(manifest.app.js).toString();
  assert.ok(appJs.includes(`/assets/${manifest.player.js}`), 'the app loads the player by its hashed name');
  assert.ok(!/class \w*Replayer|rr-player/.test(appJs), 'rrweb-player is not in the app bundle');
  assert.ok(manifest.player.gzip_bytes > 20_000, 'the player chunk holds rrweb-player');
});

it('names every asset by its content', () => {
  const manifest = JSON.parse(read('manifest.json').toString());
  for (const name of Object.keys(manifest.files)) {
    assert.match(name, /^[a-z-]+\.[0-9a-f]{10}\.(js|css)$/);
  }
});
