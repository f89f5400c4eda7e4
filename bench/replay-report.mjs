// The replay figures of bench/replay.ts in bench/results.json and
// bench/RESULTS.md: used by that script on its own, and by bench/report.mjs
// in a full `npm run bench`.
import { readFileSync, writeFileSync } from 'node:fs';

const BENCH = new URL('./', import.meta.url);
const START = '<!-- replay figures: bench/replay.ts -->';
const END = '<!-- end of replay figures -->';
const pct = (x, base) => (x === null ? 'not measured' : `${Math.round((1 - x / base) * 100)}%`);
const fmt = (n, digits = 0) => Number(n).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function replayResults(r) {
  return {
    replay_bytes_per_recorded_minute: r.replay_bytes_per_recorded_minute,
    max_snapshot_bytes_stored: r.max_snapshot_bytes_stored,
    replay_ndjson_bytes_per_recorded_minute: r.replay_ndjson_bytes_per_recorded_minute,
    replay_ms_spa_visit_compacted: r.spa.replay_ms,
    replay_ms_largest_snapshot: r.snapshots.filter((x) => x.whole).at(-1)?.replay_ms ?? null,
  };
}

export function replaySection(r) {
  const perMin = r.replay_bytes_per_recorded_minute;
  const a = r.spa.alternatives;
  const row = (name, bytes) => [name, bytes === null ? 'not measured' : `${fmt(bytes)} bytes`, bytes === null ? '' : `${fmt(a.ndjson / bytes, 1)}×`];
  const table = (header, rows) => [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((x) => `| ${x.join(' | ')} |`)].join('\n');
  const met = (ok) => (ok ? 'met' : '**missed**');
  return `${START}
## Session replay: bytes per recorded minute, largest snapshot

\`bench/replay.ts\` (${r.date.slice(0, 10)}; \`node --import tsx bench/replay.ts\` runs just this, about two minutes).

${table(
  ['target', 'measured', 'goal', ''],
  [
    ['`replay_bytes_per_recorded_minute`', `${fmt(perMin)} bytes`, '≤ 30,000 bytes', perMin <= 30000 ? 'met' : `**missed: ${fmt(perMin - 30000)} bytes over**`],
    ['`max_snapshot_bytes_stored`', `${fmt(r.max_snapshot_bytes_stored)} bytes (${fmt(r.max_snapshot_bytes_stored / 1048576, 1)} MiB)`, '≥ 16 MB', met(r.max_snapshot_bytes_stored >= 16 * 1024 * 1024)],
  ],
)}

**Bytes per recorded minute**: ${r.spa.app} (a person's browser, \`launchBrowser('person')\`), for
${fmt(r.spa.recorded_ms / 1000, 1)} s: ${r.spa.rounds} rounds of typing a todo, moving the mouse, ticking one off, switching
route (All / Active / Completed, \`pushState\`), scrolling, and now and then clearing the completed ones;
${fmt(r.spa.events)} events, ${fmt(r.spa.rrweb_events)} of them rrweb (${r.spa.full_snapshots} full snapshot${r.spa.full_snapshots === 1 ? '' : 's'}). After session end
and compaction, its gzip segments hold **${fmt(r.spa.segment_bytes)} bytes** (full snapshot included): ${fmt(perMin)} bytes per
recorded minute, against ${fmt(r.replay_ndjson_bytes_per_recorded_minute)} bytes of NDJSON. (Until the session is closed for writes,
24 h after its start, its ${r.spa.chunks} gzip chunks, ${fmt(r.spa.chunk_bytes_until_deleted)} bytes, are kept beside the segment; then deleted.)
Its replay, served from the compacted segment, took ${fmt(r.spa.replay_ms, 1)} ms. The margin under the target is
${fmt(30000 - perMin)} bytes (${fmt(((30000 - perMin) / 30000) * 100, 1)}%): a busier minute (more typing, faster mouse) can pass it, as one run's visit differs
from the next by a few percent; what is stored is gzip at workerd's level, and gzip -9 or brotli 5 would give the
room (see below). Merge and compaction speed under the full \`npm run bench\` (\`replay_ms_*\` keys) were not
re-measured by this script.

The segment's NDJSON (${fmt(a.ndjson)} bytes) compressed the ways storage could:

${table(
  ['format', 'bytes', 'ratio'],
  [
    row('gzip as stored (CompressionStream in workerd, level 6)', a.gzip_6_compressionstream),
    row('gzip -9', a.gzip_9),
    row('brotli 5', a.brotli_5),
    row('brotli 11', a.brotli_11),
    row('zstd 3', a.zstd_3),
    row('zstd 19', a.zstd_19),
  ],
)}

gzip is what is stored: the browser and workerd both have it natively (\`CompressionStream\`), the
dashboard's browser inflates it from \`Content-Encoding\`, and nothing is added to core.wasm or the Worker
bundle. brotli and zstd would need a codec compiled into core.wasm (no runtime here has them natively
for a Worker's streams): brotli 5 would store ${pct(a.brotli_5, a.gzip_6_compressionstream)} fewer bytes than what is stored and
brotli 11 ${pct(a.brotli_11, a.gzip_6_compressionstream)} (at far more CPU per megabyte), zstd 3 ${pct(a.zstd_3, a.gzip_6_compressionstream)} and zstd 19
${pct(a.zstd_19, a.gzip_6_compressionstream)}. That is the next lever if the per-minute figure must fall further; gzip keeps the
serving path a byte copy for the browser and the Worker free of a codec.
The snapshots below are synthetic, repetitive text, so they compress far better than a real page's.

**Largest snapshot**: full snapshots sent the way the recorder sends one too large for a request, in
parts of 160,000 characters, one gzip batch each, then replayed and compared with what was sent:

${table(
  ['snapshot JSON', 'parts', 'stored in R2 (gzip chunks)', 'replayed whole', 'send', 'replay'],
  r.snapshots.map((x) => [`${fmt(x.json_bytes)} bytes`, fmt(x.parts), `${fmt(x.stored_bytes)} bytes`, x.whole ? 'yes' : '**no**', `${fmt(x.send_ms)} ms`, `${fmt(x.replay_ms)} ms`]),
)}

The recorder sends at most 256 parts (about 40 MB of JSON) per event; past that the replay view says
the page was too large to record. A Chromium test (tests/e2e/replay-large.e2e.test.ts) records a real
page whose snapshot is over 8 MB and replays it in the dashboard.
${END}`;
}

/** Merges one run's replay figures into results.json and RESULTS.md (a section of its own, replaced in place). */
export function mergeReplaySection(r) {
  const resultsPath = new URL('results.json', BENCH);
  const results = JSON.parse(readFileSync(resultsPath, 'utf8'));
  const { machine, ...rest } = results;
  writeFileSync(resultsPath, JSON.stringify({ ...rest, ...replayResults(r), machine }, null, 2) + '\n');
  const mdPath = new URL('RESULTS.md', BENCH);
  writeFileSync(mdPath, withReplaySection(readFileSync(mdPath, 'utf8'), r));
}

/** RESULTS.md with the replay section put in (before "## Sizes"), or replaced where it is. */
export function withReplaySection(md, r) {
  const section = replaySection(r);
  const a = md.indexOf(START);
  const b = md.indexOf(END);
  if (a >= 0 && b > a) return md.slice(0, a) + section + md.slice(b + END.length);
  const at = md.indexOf('## Sizes');
  return at >= 0 ? `${md.slice(0, at)}${section}\n\n${md.slice(at)}` : `${md.trimEnd()}\n\n${section}\n`;
}
