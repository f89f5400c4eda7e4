// npm run admin:create -- --email you@example.com [--password …] [--name …]
// Creates a dashboard admin in the Postgres at DATABASE_URL (production: Neon's
// direct URL), or makes an existing user an admin. A new admin without
// --password gets a generated one, printed once. An existing user keeps their
// password unless --password is given.
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ensureAdmin, generatePassword } from './lib/admin.mjs';

const { values } = parseArgs({
  options: { email: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' } },
});
const url = process.env.DATABASE_URL;
if (!values.email || !url) {
  console.error('usage: DATABASE_URL=postgres://… npm run admin:create -- --email you@example.com [--password …] [--name …]');
  process.exit(2);
}

const client = new pg.Client(url);
await client.connect();
try {
  const exists = (await client.query('SELECT 1 FROM "user" WHERE email = $1', [values.email.trim().toLowerCase()])).rowCount > 0;
  const password = values.password ?? (exists ? undefined : generatePassword());
  const result = await ensureAdmin(client, { email: values.email, password, name: values.name });
  console.log(result.created ? `Created admin ${values.email.toLowerCase()}` : `${values.email.toLowerCase()} is now an admin`);
  if (password && !values.password) console.log(`  password: ${password}\n  (shown once: keep it somewhere safe)`);
  else if (result.passwordSet) console.log('  password: as given');
} catch (err) {
  console.error(`admin:create: ${err.message}`);
  process.exitCode = 1;
} finally {
  await client.end();
}
