// The pieces of `npm run deploy`: the version facts embedded in the Worker,
// running `wrangler deploy` with them, and recording the outcome (failures
// included) in deployment_history, through Postgres or POST /api/deployments.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import pg from 'pg';

const git = (...args) => {
  const r = spawnSync('git', args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
};

/** version, commit, build time and who deploys; each can be given in the environment. */
export function versionFacts(env = process.env) {
  const commit = env.COMMIT_SHA || git('rev-parse', 'HEAD') || null;
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  const dirty = git('status', '--porcelain', '--untracked-files=no') ? '-dirty' : '';
  return {
    version: env.VERSION || `${pkg.version}${commit ? `+${commit.slice(0, 7)}${dirty}` : ''}`,
    commit,
    buildTime: new Date().toISOString(),
    deployedBy: env.DEPLOYED_BY || git('config', 'user.email') || userInfo().username,
  };
}

/** The wrangler arguments that embed the facts as vars (GET /api/version reads them). */
export function wranglerArgs(facts, extra = []) {
  const vars = [`VERSION:${facts.version}`, `BUILD_TIME:${facts.buildTime}`, ...(facts.commit ? [`COMMIT_SHA:${facts.commit}`] : [])];
  return ['deploy', ...vars.flatMap((v) => ['--var', v]), ...extra];
}

/**
 * Runs a command with the output shown as it comes; resolves with its exit
 * code and the last lines of its output (for a failed deployment's notes).
 */
export function run(command, args, env = process.env) {
  return new Promise((resolve) => {
    let tail = '';
    const keep = (d) => {
      tail = (tail + d).slice(-2000);
    };
    const child = spawn(command, args, { stdio: ['inherit', 'pipe', 'pipe'], env });
    child.stdout.on('data', (d) => (process.stdout.write(d), keep(d)));
    child.stderr.on('data', (d) => (process.stderr.write(d), keep(d)));
    child.on('error', (err) => resolve({ code: 127, tail: String(err) }));
    child.on('close', (code) => resolve({ code: code ?? 1, tail }));
  });
}

/**
 * Records a deployment: straight into Postgres when databaseUrl is given,
 * else with POST {deployUrl}/api/deployments and the DEPLOY_TOKEN. Returns
 * where it went, or null when neither is configured.
 */
export async function recordDeployment(d, { databaseUrl, deployUrl, deployToken } = {}) {
  if (databaseUrl) {
    const client = new pg.Client(databaseUrl);
    await client.connect();
    try {
      await client.query(
        `INSERT INTO deployment_history (version, environment, commit_sha, deployed_by, status, notes) VALUES ($1, $2, $3, $4, $5, $6)`,
        [d.version, d.environment, d.commit_sha, d.deployed_by, d.status, d.notes],
      );
    } finally {
      await client.end();
    }
    return 'postgres';
  }
  if (deployUrl && deployToken) {
    const res = await fetch(new URL('/api/deployments', deployUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${deployToken}` },
      body: JSON.stringify(d),
    });
    if (res.status !== 201) throw new Error(`POST /api/deployments answered ${res.status}: ${await res.text()}`);
    return 'api';
  }
  return null;
}
