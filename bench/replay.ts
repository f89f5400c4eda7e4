// Replay bytes and limits: what a recorded minute costs in R2, and the largest
// full snapshot stored and replayed whole. Run on its own with
// `node --import tsx bench/replay.ts` (about two minutes); `npm run bench`
// runs it too. Writes bench/out/replay.json and merges its keys into
// bench/results.json and its section into bench/RESULTS.md.
//   1. A recorded Chromium visit of over a minute to a TodoMVC-style single-page
//      app (tests/e2e/site/todo.html): typing, mouse movement, clicks, route
//      changes, scrolling; then session end, compaction, and the bytes of its
//      compacted segments in R2 (what stays once the chunks are deleted).
//      The same merged NDJSON is also compressed with the alternatives.
//   2. Full snapshots of 16 and 32 MB of JSON sent in parts, as the recorder
//      sends them, stored, replayed and compared whole.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gunzipSync, gzipSync } from 'node:zlib';
import { seedSite, startStack } from '../tests/worker/harness/stack.ts';
import { batchBody, type Event } from '../tests/worker/harness/factories.ts';
import { eventually } from '../tests/worker/harness/session.ts';
import { launchBrowser, serveSite, watchSessions } from '../tests/e2e/harness.ts';
import { loadCore } from '../tests/core/load-core.ts';
import { mergeReplaySection } from './replay-report.mjs';

const OUT = fileURLToPath(new URL('./out/', import.meta.url));
const VISIT_MS = Number(process.env.REPLAY_VISIT_MS ?? 65_000);
const core = loadCore();

const stack = await startStack({ listen: true, vars: { BATCH_INTERVAL_MS: '20000' } });
const browser = await launchBrowser('person');
const site = { close: async () => undefined } as { url?: string; close(): Promise<void> };
const out: Record<string, unknown> = {};
try {
  const { token } = await seedSite(stack, 'todo', { domain: 'todo.example', allowed_origins: ['127.0.0.1'] });
  await stack.db.query(`UPDATE sites SET replay_enabled = true, replay_sample_rate = 1`);
  Object.assign(site, await serveSite(stack.url, 'todo', '', 'todo.html'));
  const bucket = await stack.bucket();
  const replay = async (id: string) => {
    const t0 = performance.now();
    const res = await fetch(`${stack.url}/replay/${id}/events`, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    return { ms: Math.round((performance.now() - t0) * 10) / 10, text, lines: text.split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
  };

  // 1. A minute and more in a single-page app.
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const sessions = watchSessions(page);
  await page.goto(`${site.url}/`);
  const s = await sessions.latest();
  const started = Date.now();
  const titles = ['Buy milk and bread', 'Write the quarterly report', 'Call the plumber about the sink', 'Book train tickets', 'Renew the passport', 'Water the plants', 'Reply to Anna', 'Fix the bike light'];
  let round = 0;
  while (Date.now() - started < VISIT_MS) {
    const title = `${titles[round % titles.length]} #${round + 1}`;
    await page.click('#new-todo');
    await page.keyboard.type(title, { delay: 60 });
    await page.keyboard.press('Enter');
    for (let k = 0; k < 6; k++) await page.mouse.move(200 + ((round * 97 + k * 53) % 700), 150 + ((k * 71) % 400), { steps: 8 });
    const items = await page.locator('#list li').count();
    if (items > 1) await page.click(`#list li:nth-child(${1 + (round % items)}) .toggle`);
    await page.click(['#active', '#completed', '#all'][round % 3]);
    await page.mouse.wheel(0, round % 2 ? -300 : 300);
    await page.waitForTimeout(700);
    if (round % 4 === 3) await page.click('#clear');
    round++;
  }
  await page.click('#all');
  await page.waitForTimeout(500);
  await page.evaluate(() => (window as any).edgereplay('end'));
  await eventually(async () => (await stack.db.query('SELECT ended_at FROM sessions WHERE id = $1', [s.session_id])).rows[0], (r) => Boolean(r?.ended_at), 30_000);
  await page.close();
  const worker = await stack.mf.getWorker('edgereplay');
  const prefix = core.sessionPrefix(s.session_id, s.session_started_at).key!;
  const listed = await eventually(
    async () => {
      await worker.scheduled({ cron: '*/5 * * * *' });
      return (await bucket.list({ prefix, include: ['customMetadata'] })).objects;
    },
    (objects) => objects.some((o) => core.parseKey(o.key)?.kind === 'segment'),
    30_000,
  );
  const segments = listed.filter((o) => core.parseKey(o.key)?.kind === 'segment');
  const chunks = listed.filter((o) => core.parseKey(o.key)?.kind === 'chunk');
  const segmentBytes = segments.reduce((n, o) => n + o.size, 0);
  const chunkBytes = chunks.reduce((n, o) => n + o.size, 0);
  const merged = await replay(s.session_id);
  const ts = merged.lines.map((l) => Number(l.ts));
  const recordedMs = Math.max(...ts) - Math.min(...ts);
  const rrweb = merged.lines.filter((l) => l.type === 'rrweb');
  const rawBytes = Buffer.byteLength(merged.text);
  // The stored segment's NDJSON, compressed the ways the core could compress it.
  const ndjson = gunzipSync(Buffer.from(await (await bucket.get(segments[0].key))!.arrayBuffer()));
  const zstd = (level: number) => {
    const r = spawnSync('zstd', [`-${level}`, '-c', '-q'], { input: ndjson, maxBuffer: 1 << 28 });
    return r.status === 0 ? r.stdout.length : null;
  };
  const alternatives = {
    ndjson: ndjson.length,
    gzip_6_compressionstream: segments.length === 1 ? segments[0].size : gzipSync(ndjson, { level: 6 }).length,
    gzip_9: gzipSync(ndjson, { level: 9 }).length,
    brotli_5: brotliCompressSync(ndjson, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } }).length,
    brotli_11: brotliCompressSync(ndjson, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    zstd_3: zstd(3),
    zstd_19: zstd(19),
  };
  out.spa = {
    app: 'TodoMVC-style single-page app (tests/e2e/site/todo.html) in Chromium',
    rounds: round,
    recorded_ms: recordedMs,
    events: merged.lines.length,
    rrweb_events: rrweb.length,
    full_snapshots: rrweb.filter((l) => l.data?.type === 2).length,
    segment_bytes: segmentBytes,
    chunk_bytes_until_deleted: chunkBytes,
    chunks: chunks.length,
    ndjson_bytes: rawBytes,
    replay_ms: merged.ms,
    alternatives,
  };
  out.replay_bytes_per_recorded_minute = Math.round(segmentBytes / (recordedMs / 60_000));
  out.replay_ndjson_bytes_per_recorded_minute = Math.round(rawBytes / (recordedMs / 60_000));
  console.log('spa', out.spa);

  // 2. Full snapshots in parts.
  const snapshots: Record<string, unknown>[] = [];
  for (const mb of [16, 32]) {
    const start = await (await stack.fetch('/track/session/start', { method: 'POST', body: JSON.stringify({ site_id: 'todo', url: 'https://todo.example/manual' }) })).json() as { session_id: string; session_started_at: string; token: string };
    const t = Date.parse(start.session_started_at) + 5;
    const children = [];
    for (let k = 0; k * 1000 < mb * 1024 * 1024; k++) children.push({ type: 2, tagName: 'p', attributes: { id: `p${k}` }, childNodes: [{ type: 3, textContent: `Section ${k}: ${'the manual goes on about storage, sessions and replay '.repeat(16)}`, id: 1e6 + k }], id: k + 10 });
    const event = { type: 2, timestamp: t, data: { node: { type: 0, childNodes: [{ type: 2, tagName: 'body', attributes: {}, childNodes: children, id: 2 }], id: 1 }, initialOffset: { left: 0, top: 0 } } };
    const json = JSON.stringify(event);
    const parts: string[] = [];
    for (let k = 0; k < json.length; k += 160_000) parts.push(json.slice(k, k + 160_000));
    const sendT0 = performance.now();
    for (const [n, text] of parts.entries()) {
      const ev: Event = { type: 'rrweb', ts: t, data: { part: `snap${mb}`, n, of: parts.length, text } };
      const res = await stack.fetch('/track/events/batch', { method: 'POST', body: gzipSync(batchBody(start, n, [ev])) });
      if (res.status !== 202) throw new Error(`part ${n}: ${res.status} ${await res.text()}`);
    }
    const sendMs = performance.now() - sendT0;
    const got = await replay(start.session_id);
    const whole = got.lines.find((l) => l.data?.type === 2);
    const stored = (await bucket.list({ prefix: core.sessionPrefix(start.session_id, start.session_started_at).key! })).objects.reduce((n, o) => n + o.size, 0);
    const ok = Boolean(whole) && JSON.stringify(whole.data) === json;
    snapshots.push({ json_bytes: json.length, parts: parts.length, stored_bytes: stored, whole: ok, send_ms: Math.round(sendMs), replay_ms: got.ms });
    console.log('snapshot', snapshots[snapshots.length - 1]);
  }
  out.snapshots = snapshots;
  out.max_snapshot_bytes_stored = Math.max(0, ...snapshots.filter((x) => x.whole).map((x) => Number(x.json_bytes)));
  out.date = new Date().toISOString();
} finally {
  await browser.close();
  await site.close();
  await stack.close();
}

mkdirSync(OUT, { recursive: true });
writeFileSync(`${OUT}replay.json`, JSON.stringify(out, null, 2) + '\n');
if (existsSync(new URL('./results.json', import.meta.url))) mergeReplaySection(out);
console.log(`replay_bytes_per_recorded_minute ${out.replay_bytes_per_recorded_minute}, max_snapshot_bytes_stored ${out.max_snapshot_bytes_stored}`);
