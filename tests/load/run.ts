// npm run loadtest: 2,000 sessions, 50,000 events, concurrency 50, faults
// injected part-way; prints the accounting and fails on any mismatch.
import { runLoad } from './accounting.ts';

const n = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const report = await runLoad({
  sessions: n('LOAD_SESSIONS', 2000),
  batchesPerSession: n('LOAD_BATCHES', 5),
  eventsPerBatch: n('LOAD_EVENTS_PER_BATCH', 5),
  concurrency: n('LOAD_CONCURRENCY', 50),
  faults: process.env.LOAD_FAULTS !== '0',
  killPostgres: true,
  log: (line) => console.log(line),
});
console.log(JSON.stringify(report, null, 2));
const exact =
  report.r2_event_lines === report.events_sent &&
  report.pg_sum_event_count === report.events_sent &&
  report.sessions_matching === report.sessions;
console.log(exact ? 'accounting: exact' : 'accounting: MISMATCH');
process.exit(exact ? 0 : 1);
