// npm start, after scripts/start.mjs has set up and built: starts an
// embedded Postgres (PGlite) unless DATABASE_URL names a real one, applies
// both migration sets, makes a local site and API token, then runs
// `wrangler dev` with local D1 and R2 and Hyperdrive pointed at that Postgres
// (secrets from .dev.vars). Data lives in .local/ and is reused.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { ensureAdmin, generatePassword } from './admin.mjs';
import { migratePostgres } from './migrations.mjs';
import { freePort, waitForPort } from './ports.mjs';

const LOCAL = '.local';
const PORT = Number(process.env.PORT ?? 8787);
const children = [];

function step(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`start: ${cmd} ${args.join(' ')} failed`);
    process.exit(r.status ?? 1);
  }
}

// Children run in their own process groups, so stopping one stops what it
// started too (wrangler's workerd, for one).
function stopAll() {
  for (const child of children.reverse()) {
    if (child.exitCode !== null) continue;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
}
process.on('SIGINT', () => (stopAll(), process.exit(0)));
process.on('SIGTERM', () => (stopAll(), process.exit(0)));
process.on('exit', stopAll);

async function startEmbeddedPostgres() {
  const port = await freePort();
  // PGlite is one backend behind a multiplexer that refuses connections past
  // the last argument; each request opens its own client (up to 5
  // connections), and the dashboard sends several requests at once.
  const child = spawn(process.execPath, ['scripts/lib/pglite-server.mjs', `${LOCAL}/pglite`, String(port), '50'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  children.push(child);
  await waitForPort(port);
  return `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
}

/** The local site and a dev API token: created once, reused afterwards. */
async function bootstrap(databaseUrl, url) {
  const file = `${LOCAL}/dev.json`;
  const previous = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const client = new pg.Client(databaseUrl);
  await client.connect();
  try {
    await client.query(
      `INSERT INTO sites (id, name, domain, allowed_origins, replay_enabled, replay_sample_rate)
       VALUES ('local', 'Local site', 'localhost', ARRAY['localhost', '127.0.0.1'], true, 1)
       ON CONFLICT (id) DO NOTHING`,
    );
    let apiToken = previous.api_token;
    const hash = (t) => createHash('sha256').update(t).digest('hex');
    const known = apiToken ? (await client.query('SELECT 1 FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL', [hash(apiToken)])).rowCount : 0;
    if (!known) {
      apiToken = `ert_${randomBytes(24).toString('base64url')}`;
      await client.query(`INSERT INTO api_tokens (id, name, token_hash, site_id) VALUES ($1, 'local development', $2, NULL)`, [
        `tok_${randomBytes(6).toString('hex')}`,
        hash(apiToken),
      ]);
    }
    // The dashboard login: the same password on every start (it is set again,
    // so it holds even after the database was reset).
    const adminEmail = previous.admin_email ?? 'admin@edgereplay.localhost';
    const adminPassword = previous.admin_password ?? generatePassword();
    await ensureAdmin(client, { email: adminEmail, password: adminPassword, name: 'Local admin' });
    const snippet = `<script defer src="${url}/tracker.js" data-site="local"></script>`;
    const facts = { ...previous, url, site_id: 'local', api_token: apiToken, admin_email: adminEmail, admin_password: adminPassword, snippet };
    writeFileSync(file, JSON.stringify(facts, null, 2) + '\n', { mode: 0o600 });
    return facts;
  } finally {
    await client.end();
  }
}

mkdirSync(LOCAL, { recursive: true });

const databaseUrl = process.env.DATABASE_URL ?? (await startEmbeddedPostgres());
await migratePostgres(databaseUrl);
step('npx', ['wrangler', 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', `${LOCAL}/wrangler`], {
  env: { ...process.env, CI: 'true' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const url = `http://127.0.0.1:${PORT}`;
const facts = await bootstrap(databaseUrl, url);

const wrangler = spawn(
  'node_modules/.bin/wrangler',
  ['dev', '--ip', '127.0.0.1', '--port', String(PORT), '--persist-to', `${LOCAL}/wrangler`, '--show-interactive-dev-session=false'],
  {
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
    env: {
      ...process.env,
      CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: databaseUrl,
      WRANGLER_SEND_METRICS: 'false',
      // Local requests get Miniflare's placeholder Request.cf either way; not asking
      // workers.cloudflare.com for it keeps an offline start free of a stack trace.
      CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? 'false',
    },
  },
);
children.push(wrangler);
wrangler.on('exit', (code) => {
  stopAll();
  process.exit(code ?? 0);
});
await waitForPort(PORT, 60_000);

// wrangler dev does not fire cron triggers on its own; without them a local
// dashboard would never see idle sessions end, deferred batches reconciled,
// sessions compacted or the cache caught up. Fired here on the schedules of
// wrangler.toml's [triggers] crons (the two forms it uses: "*/N * * * *" and a
// daily "M H * * *") through wrangler's own scheduled handler.
const schedules = cronSchedules(readFileSync('wrangler.toml', 'utf8'));

console.log(`
edgereplay is running at ${url}

  Dashboard:  ${url}  (log in as ${facts.admin_email} / ${facts.admin_password})
  Snippet:    ${facts.snippet}
  Site id:    local
  API token:  ${facts.api_token}
  Health:     ${url}/health

The scheduled jobs of wrangler.toml are fired here as deployed (${schedules.map((c) => c.label).join('; ')}),
so wrangler's note that scheduled Workers are not triggered automatically does not apply.
The same facts are in ${LOCAL}/dev.json. Ctrl-C stops everything.
`);

const fire = (cron) =>
  fetch(`${url}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(cron)}`).catch((err) => console.error(`cron ${cron}: ${err.message}`));
let lastMinute = -1;
setInterval(() => {
  const now = new Date();
  const minute = Math.floor(now.getTime() / 60_000);
  if (minute === lastMinute) return;
  lastMinute = minute;
  for (const c of schedules) if (c.due(now)) fire(c.cron);
}, 10_000).unref();

/** The crons of wrangler.toml with when each is due (a minute's granularity, UTC). */
function cronSchedules(toml) {
  // The array may span lines (TOML allows it).
  const list = toml.match(/^crons\s*=\s*\[([\s\S]*?)\]/m);
  const crons = list ? [...list[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]) : [];
  if (!crons.length) throw new Error('wrangler.toml names no [triggers] crons: npm start would run no scheduled jobs');
  return crons.map((cron) => {
    const every = cron.match(/^\*\/(\d+) \* \* \* \*$/);
    if (every) {
      const n = Number(every[1]);
      return { cron, label: `every ${n} minutes`, due: (d) => d.getUTCMinutes() % n === 0 };
    }
    const daily = cron.match(/^(\d+) (\d+) \* \* \*$/);
    if (daily) {
      const [m, h] = [Number(daily[1]), Number(daily[2])];
      const label = `daily at ${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')} UTC`;
      return { cron, label, due: (d) => d.getUTCHours() === h && d.getUTCMinutes() === m };
    }
    throw new Error(`wrangler.toml cron "${cron}": npm start fires only "*/N * * * *" and "M H * * *" schedules`);
  });
}
