// npm start, the thin entry: it imports nothing that set-up installs, so it
// runs on a fresh clone. It sets up and builds what is missing, makes sure
// .dev.vars holds a TOKEN_SECRET, then hands over to scripts/lib/dev-server.mjs
// (which needs node_modules: pg, better-auth, node-pg-migrate).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

process.chdir(fileURLToPath(new URL('..', import.meta.url)));

function step(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`start: ${cmd} ${args.join(' ')} failed`);
    process.exit(r.status ?? 1);
  }
}

/**
 * `wrangler dev` reads secrets from .dev.vars (git-ignored). A TOKEN_SECRET
 * is generated once (32 random bytes) and kept, so logins and session tokens
 * survive restarts; LOCAL_DEVELOPMENT tells the Worker it runs on a
 * developer's machine.
 */
export function ensureDevVars(file = '.dev.vars') {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const has = (name) => new RegExp(`^${name}\\s*=`, 'm').test(text);
  const lines = [];
  if (!has('TOKEN_SECRET')) {
    // An older start kept its secret in .local/token-secret: keep using it.
    const old = existsSync('.local/token-secret') ? readFileSync('.local/token-secret', 'utf8').trim() : '';
    lines.push(`TOKEN_SECRET=${old.length >= 32 ? old : randomBytes(32).toString('base64url')}`);
  }
  if (!has('LOCAL_DEVELOPMENT')) lines.push('LOCAL_DEVELOPMENT=1');
  if (lines.length) writeFileSync(file, (text && !text.endsWith('\n') ? `${text}\n` : text) + lines.join('\n') + '\n', { mode: 0o600 });
}

step('bash', ['scripts/setup.sh']);
step('bash', ['scripts/build.sh']);
ensureDevVars();
await import('./lib/dev-server.mjs');
