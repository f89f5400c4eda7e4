// The Worker as `npm start` runs it, for the benchmarks: `wrangler dev` on a
// free loopback port with local D1 and R2 in `persist`, Hyperdrive pointed at
// the given PostgreSQL. stopChildren() ends every wrangler started here (and
// runs on exit).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { freePort } from '../scripts/lib/ports.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

const children: ChildProcess[] = [];
export function stopChildren() {
  for (const child of children) {
    if (child.exitCode !== null) continue;
    try {
      process.kill(-child.pid!, 'SIGTERM'); // wrangler and the workerd it started
    } catch {
      /* already gone */
    }
  }
}
process.on('exit', stopChildren);

export async function waitFor(url: string, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > until) throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function startWorker(databaseUrl: string, persist: string, vars: Record<string, string> = {}) {
  const d1 = spawnSync('node_modules/.bin/wrangler', ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist], {
    cwd: ROOT,
    env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' },
    encoding: 'utf8',
  });
  if (d1.status !== 0) throw new Error(`wrangler d1 migrations apply failed:\n${d1.stderr}`);
  const port = await freePort();
  const secret = randomBytes(32).toString('base64url');
  const wrangler = spawn(
    'node_modules/.bin/wrangler',
    ['dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', persist, '--var', `TOKEN_SECRET:${secret}`, ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]), '--show-interactive-dev-session=false', '--log-level', 'warn'],
    {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: `${databaseUrl}?sslmode=disable`,
        WRANGLER_SEND_METRICS: 'false',
      },
    },
  );
  let stderr = '';
  wrangler.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  children.push(wrangler);
  const url = `http://127.0.0.1:${port}`;
  await Promise.race([
    waitFor(`${url}/ping`, 120_000),
    new Promise((_, reject) => wrangler.once('exit', (code) => reject(new Error(`wrangler dev exited (${code}):\n${stderr}`)))),
  ]);
  return { url, pid: wrangler.pid! };
}

