// Applies both migration sets. `--local`: Postgres at DATABASE_URL, or the
// embedded one in .local/pglite (started just for this), and the local D1 in
// .local/wrangler. `--production`: Postgres at DATABASE_URL (Neon's direct,
// non-pooled URL) and the remote D1 database named in wrangler.toml.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { migratePostgres } from './lib/migrations.mjs';
import { freePort, waitForPort } from './lib/ports.mjs';

const production = process.argv.includes('--production');
const log = (m) => console.log(`migrate: ${m}`);

async function embeddedPostgres() {
  mkdirSync('.local', { recursive: true });
  const port = await freePort();
  const child = spawn('node_modules/.bin/pglite-server', ['-d', '.local/pglite', '-p', String(port), '-m', '4'], { stdio: 'ignore', detached: true });
  await waitForPort(port);
  return { url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`, stop: () => process.kill(-child.pid, 'SIGTERM') };
}

let databaseUrl = process.env.DATABASE_URL;
let stop = () => {};
if (!databaseUrl) {
  if (production) {
    console.error('migrate: set DATABASE_URL to the production Postgres (Neon) connection string');
    process.exit(2);
  }
  ({ url: databaseUrl, stop } = await embeddedPostgres());
}
try {
  const applied = await migratePostgres(databaseUrl);
  log(`postgres: ${applied.length ? applied.map((m) => m.name).join(', ') : 'up to date'}`);
} finally {
  stop();
}

const d1Args = ['wrangler', 'd1', 'migrations', 'apply', 'DB', ...(production ? ['--remote'] : ['--local', '--persist-to', '.local/wrangler'])];
const r = spawnSync('npx', d1Args, { stdio: 'inherit', env: { ...process.env, CI: 'true' } });
if (r.status !== 0) process.exit(r.status ?? 1);
log('d1: up to date');
