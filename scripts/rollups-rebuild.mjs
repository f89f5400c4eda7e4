// npm run rollups:rebuild [-- --site <id>]
// Recounts the daily rollups of every site (or one) from the sessions table
// in the Postgres at DATABASE_URL: after upgrading an installation that has
// sessions from before the rollups, or to repair them. Idempotent: a second
// run changes no row. Prints per site what it rebuilt and how many rows the
// recount changed.
import { parseArgs } from 'node:util';
import pg from 'pg';
import { rebuildRollups } from './lib/rollups.mjs';

const { values } = parseArgs({ options: { site: { type: 'string' } } });
const url = process.env.DATABASE_URL;
if (!url) {
  console.error('usage: DATABASE_URL=postgres://… npm run rollups:rebuild [-- --site <id>]');
  process.exit(2);
}

const client = new pg.Client(url);
await client.connect();
try {
  const reports = await rebuildRollups(client, {
    siteId: values.site,
    log: (r) =>
      console.log(`${r.site_id}: ${r.sessions} sessions over ${r.days} days -> ${r.rows} rollup rows, ${r.visitors} daily visitors; ${r.changed} rows changed (${r.ms} ms)`),
  });
  const changed = reports.reduce((n, r) => n + r.changed, 0);
  console.log(`rebuilt ${reports.length} site(s); ${changed} rollup rows differed from the recount`);
} catch (err) {
  console.error(`rollups:rebuild: ${err.message}`);
  process.exitCode = 1;
} finally {
  await client.end();
}
