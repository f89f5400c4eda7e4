// Starts a throwaway PostgreSQL server (Debian's postgresql-15) on loopback:
// used by the integration tests, the benchmarks and the load test. As root it
// runs the server as the `postgres` system user, since postgres refuses root.
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from './ports.mjs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function binDir() {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  if (!versions.length) throw new Error('PostgreSQL server binaries not found: run scripts/setup.sh');
  return join(root, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin');
}

const asRoot = process.getuid?.() === 0;

function run(cmd, args, opts = {}) {
  const full = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  const r = spawnSync(full[0], full[1], { encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/**
 * Returns { port, superUrl, url(user), stop(), start(), dataDir }. The superuser
 * is `edgereplay`; trust auth on loopback, so any password in a URL works (the
 * Hyperdrive binding insists on one).
 */
export async function startPostgres({ statementStats = true } = {}) {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'edgereplay-pg-'));
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  run(join(bin, 'initdb'), ['-D', data, '-U', 'edgereplay', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const conf = [
    `port = ${port}`,
    `listen_addresses = '127.0.0.1'`,
    `unix_socket_directories = '${dir}'`,
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    'max_connections = 200',
    statementStats ? `shared_preload_libraries = 'pg_stat_statements'` : '',
    statementStats ? 'pg_stat_statements.track = all' : '',
  ].join('\n');
  writeFileSync(join(dir, 'extra.conf'), conf);
  if (asRoot) spawnSync('chown', ['postgres:postgres', join(dir, 'extra.conf')]);
  spawnSync('sh', ['-c', `echo "include '${join(dir, 'extra.conf')}'" >> ${join(data, 'postgresql.conf')}`]);
  if (asRoot) spawnSync('chown', ['-R', 'postgres:postgres', dir]);

  const ctl = (action) => run(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '30', action], { stdio: ['ignore', 'pipe', 'pipe'] });
  ctl('start');
  const server = {
    port,
    dataDir: data,
    superUrl: `postgres://edgereplay:edgereplay@127.0.0.1:${port}/edgereplay`,
    url: (user = 'edgereplay', db = 'edgereplay') => `postgres://${user}:${user}@127.0.0.1:${port}/${db}`,
    start: () => ctl('start'),
    stop: () => ctl('stop'),
    destroy: () => {
      try {
        run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        /* already stopped */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  run(join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'edgereplay', 'edgereplay']);
  return server;
}
