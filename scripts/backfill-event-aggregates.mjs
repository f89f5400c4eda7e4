// npm run backfill:aggregates -- [--local [--persist-to DIR] | --remote] [--dry-run]
// Recounts the D1 sessions' event aggregates from the legacy D1 events table
// (see scripts/lib/backfill-aggregates.mjs). Local D1 by default.
import { parseArgs } from 'node:util';
import { backfillEventAggregates } from './lib/backfill-aggregates.mjs';
import { D1_TARGET_OPTIONS, d1FromArgs } from './lib/d1.mjs';

const { values } = parseArgs({
  options: {
    ...D1_TARGET_OPTIONS,
    'dry-run': { type: 'boolean' },
  },
});
const report = await backfillEventAggregates(d1FromArgs(values), { dryRun: Boolean(values['dry-run']), log: console.log });
console.log(JSON.stringify(report, null, 2));
