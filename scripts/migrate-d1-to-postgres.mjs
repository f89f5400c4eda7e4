// npm run migrate:d1-to-postgres -- [--local [--persist-to DIR] | --remote] [--page-size N]
// Copies sites, sessions, users and deployments from D1 into the Postgres at
// DATABASE_URL (production: Neon's direct URL), idempotently, then verifies
// the counts; exits 1 when a table does not match. Apply the Postgres
// migrations first (npm run migrate:production).
import { parseArgs } from 'node:util';
import pg from 'pg';
import { D1_TARGET_OPTIONS, d1FromArgs } from './lib/d1.mjs';
import { migrateD1ToPostgres } from './lib/d1-to-postgres.mjs';

const { values } = parseArgs({
  options: {
    ...D1_TARGET_OPTIONS,
    'page-size': { type: 'string' },
  },
});
if (!process.env.DATABASE_URL) {
  console.error('migrate:d1-to-postgres: set DATABASE_URL to the Postgres to copy into');
  process.exit(2);
}
const client = new pg.Client(process.env.DATABASE_URL);
await client.connect();
try {
  const report = await migrateD1ToPostgres(d1FromArgs(values), client, { pageSize: Number(values['page-size'] ?? 500), log: console.log });
  console.log(JSON.stringify(report, null, 2));
  if (Object.values(report).some((t) => !t.ok)) {
    console.error('migrate:d1-to-postgres: counts do not match; see the report above');
    process.exitCode = 1;
  }
} finally {
  await client.end();
}
