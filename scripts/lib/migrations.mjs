// Applies the Postgres migrations (migrations/postgres/*.sql) with
// node-pg-migrate, which records each applied file in `pgmigrations`, and the
// D1 cache migrations (migrations/d1/*.sql) to a D1 binding, recording them in
// `d1_migrations` the way `wrangler d1 migrations apply` does.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';

export const POSTGRES_DIR = fileURLToPath(new URL('../../migrations/postgres', import.meta.url));
export const D1_DIR = fileURLToPath(new URL('../../migrations/d1', import.meta.url));

export async function migratePostgres(databaseUrl, { log = () => {} } = {}) {
  return runner({
    databaseUrl,
    dir: POSTGRES_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    count: Infinity,
    singleTransaction: true,
    checkOrder: true,
    log,
    logger: { info: log, warn: log, error: console.error, debug: () => {} },
  });
}

export function d1MigrationFiles() {
  return readdirSync(D1_DIR).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort();
}

/** For a Miniflare D1 binding (tests): same bookkeeping table as wrangler. */
export async function migrateD1Binding(db) {
  await db.exec('CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)');
  const { results } = await db.prepare('SELECT name FROM d1_migrations').all();
  const applied = new Set(results.map((r) => r.name));
  for (const file of d1MigrationFiles()) {
    if (applied.has(file)) continue;
    const sql = readFileSync(`${D1_DIR}/${file}`, 'utf8');
    const statements = splitStatements(sql);
    await db.batch([...statements.map((s) => db.prepare(s)), db.prepare('INSERT INTO d1_migrations (name) VALUES (?1)').bind(file)]);
  }
}

/** Splits a migration into statements (no semicolons inside our literals). */
export function splitStatements(sql) {
  return sql
    .split('\n')
    .filter((l) => !l.trim().startsWith('--'))
    .join('\n')
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
}
