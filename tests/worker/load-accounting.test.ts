// The short form of `npm run loadtest`: concurrent sessions with faults
// injected part-way, then exact accounting in R2 and Postgres.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLoad } from '../load/accounting.ts';

test('a concurrent load with R2 and Postgres faults loses and doubles nothing', async () => {
  const report = await runLoad({ sessions: 100, batchesPerSession: 5, eventsPerBatch: 5, concurrency: 20, faults: true });
  assert.equal(report.events_sent, 2500);
  assert.equal(report.r2_event_lines, report.events_sent, 'every event line is in R2 once');
  assert.equal(report.pg_sum_event_count, report.events_sent, 'SUM(event_count) equals what was sent');
  assert.equal(report.sessions_matching, report.sessions, "every session's aggregates are exact");
  assert.ok(report.retries > 0, 'the faults were felt');
});
