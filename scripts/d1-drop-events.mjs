// npm run d1:drop-events -- [--local [--persist-to DIR] | --remote] [--dry-run]
//                          --tracker-migrated --replay-verified
// The explicit step that drops the legacy D1 events table (see
// migrations/d1/README.md). Exports the table to .local/backups/ first, then
// drops it only when it has been quiet for 90 days and both confirmations are given.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { D1_TARGET_OPTIONS, d1FromArgs } from './lib/d1.mjs';
import { dropEventsTable, inspectEvents } from './lib/d1-drop-events.mjs';

const { values } = parseArgs({
  options: {
    ...D1_TARGET_OPTIONS,
    'dry-run': { type: 'boolean' },
    'tracker-migrated': { type: 'boolean' },
    'replay-verified': { type: 'boolean' },
  },
});
const db = d1FromArgs(values);
const state = await inspectEvents(db);
console.log(JSON.stringify(state, null, 2));
if (values['dry-run'] || !state.exists) process.exit(0);

mkdirSync('.local/backups', { recursive: true });
const backup = `.local/backups/d1-events-${new Date().toISOString().replace(/[:.]/g, '-')}.sql`;
const where = values.remote ? ['--remote'] : ['--local', '--persist-to', values['persist-to'] ?? '.local/wrangler'];
const exported = spawnSync('npx', ['wrangler', 'd1', 'export', values.database ?? 'DB', ...where, '--table', 'events', '--output', backup], {
  stdio: 'inherit',
  env: { ...process.env, CI: 'true' },
});
if (exported.status !== 0) {
  console.error('d1:drop-events: the export failed; nothing was dropped');
  process.exit(1);
}
console.log(`d1:drop-events: exported the table to ${backup}`);

const result = await dropEventsTable(db, { trackerMigrated: values['tracker-migrated'], replayVerified: values['replay-verified'] });
console.log(result.dropped ? 'd1:drop-events: dropped the events table' : `d1:drop-events: not dropped: ${result.reason}`);
if (!result.dropped) process.exitCode = 1;
