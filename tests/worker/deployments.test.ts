// Deployment history in Postgres: recording (DEPLOY_TOKEN), the paginated
// list, the stats, GET /api/version, and `npm run deploy` recording its
// successes and failures, through Postgres and through the API.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedSite, startStack, type Stack } from './harness/stack.ts';
import { asToken, errorCode } from './harness/accounts.ts';

const DEPLOY_TOKEN = 'deploy-token-for-tests';

describe('deployments', () => {
  let stack: Stack;
  let token: string;
  let fake: string;

  before(async () => {
    stack = await startStack({
      listen: true,
      vars: { DEPLOY_TOKEN, VERSION: '1.4.0+abc1234', COMMIT_SHA: 'abc1234def', BUILD_TIME: '2026-11-20T10:00:00.000Z' },
    });
    ({ token } = await seedSite(stack));
    fake = mkdtempSync(join(tmpdir(), 'edgereplay-fake-wrangler-'));
    // Stands in for wrangler: notes its arguments, exits with FAKE_EXIT.
    writeFileSync(
      join(fake, 'wrangler.mjs'),
      `import { writeFileSync } from 'node:fs';
       writeFileSync(${JSON.stringify(join(fake, 'args.json'))}, JSON.stringify(process.argv.slice(2)));
       if (process.env.FAKE_EXIT !== '0') console.error('✘ [ERROR] A request to the Cloudflare API failed: Authentication error');
       process.exit(Number(process.env.FAKE_EXIT));`,
    );
  });
  after(async () => {
    rmSync(fake, { recursive: true, force: true });
    await stack?.close();
  });

  const post = (body: object, auth = `Bearer ${DEPLOY_TOKEN}`) =>
    stack.fetch('/api/deployments', { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify(body) });

  /** Runs the deploy script without blocking this process, which serves the Worker's Postgres proxy. */
  function deploy(env: Record<string, string>): Promise<{ status: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn('node', ['scripts/deploy.mjs', '--no-build', '--env', 'staging'], {
        env: { ...process.env, EDGEREPLAY_WRANGLER: `node ${join(fake, 'wrangler.mjs')}`, DEPLOYED_BY: 'ci@example.com', ...env },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ status: code ?? 1, stdout, stderr }));
    });
  }

  it('records a deployment only with the DEPLOY_TOKEN, filling in the defaults', async () => {
    assert.equal((await post({ version: '1.0.0' }, '')).status, 401);
    const wrong = await post({ version: '1.0.0' }, 'Bearer nope');
    assert.equal(wrong.status, 401);
    assert.equal(await errorCode(wrong), 'unauthorized');
    assert.equal((await post({ version: '1.0.0', status: 'exploded' })).status, 400);
    assert.equal((await stack.db.query('SELECT 1 FROM deployment_history')).rowCount, 0);

    const res = await post({ version: '1.0.0', commit_sha: 'deadbeef' });
    assert.equal(res.status, 201);
    const { rows } = await stack.db.query('SELECT version, environment, status, commit_sha, now() - deployed_at < interval $$1 minute$$ AS recent FROM deployment_history');
    assert.deepEqual(rows, [{ version: '1.0.0', environment: 'production', status: 'success', commit_sha: 'deadbeef', recent: true }]);
  });

  it('lists deployments newest first, a page at a time, for a reader only', async () => {
    for (const [version, environment, status] of [['1.1.0', 'production', 'failed'], ['1.1.1', 'production', 'success'], ['1.2.0', 'staging', 'success'], ['1.3.0', 'production', 'rolled_back']]) {
      assert.equal((await post({ version, environment, status })).status, 201);
    }
    assert.equal((await stack.fetch('/api/deployments')).status, 401);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await (await asToken(stack, token, `/api/deployments?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json()) as {
        deployments: { version: string }[];
        next_cursor: string | null;
      };
      assert.ok(page.deployments.length <= 2);
      seen.push(...page.deployments.map((d) => d.version));
      cursor = page.next_cursor;
    } while (cursor);
    assert.deepEqual(seen, ['1.3.0', '1.2.0', '1.1.1', '1.1.0', '1.0.0']);
    const staging = (await (await asToken(stack, token, '/api/deployments?environment=staging')).json()) as { deployments: { version: string }[] };
    assert.deepEqual(staging.deployments.map((d) => d.version), ['1.2.0']);
  });

  it('counts deployments by status and environment, with the last success and deploys per week', async () => {
    await stack.db.query(`INSERT INTO deployment_history (version, deployed_at) VALUES ('0.9.0', now() - interval '3 weeks')`);
    const stats = (await (await asToken(stack, token, '/api/deployments/stats?weeks=8')).json()) as {
      total: number;
      by_status: Record<string, number>;
      by_environment: { environment: string; deployments: number; failed: number }[];
      last_success: { version: string };
      per_week: { week: string; deployments: number }[];
    };
    assert.equal(stats.total, 6);
    assert.deepEqual(stats.by_status, { success: 4, failed: 1, rolled_back: 1 });
    assert.deepEqual(stats.by_environment.map((e) => [e.environment, e.deployments, e.failed]), [['production', 5, 1], ['staging', 1, 0]]);
    assert.equal(stats.last_success.version, '1.2.0');
    assert.equal(stats.per_week.length, 8);
    assert.equal(stats.per_week.at(-1)?.deployments, 5);
    assert.equal(stats.per_week.reduce((n, w) => n + w.deployments, 0), 6);
    assert.ok(stats.per_week.every((w) => new Date(`${w.week}T00:00:00Z`).getUTCDay() === 1), 'weeks start on Monday');
  });

  it('answers GET /api/version with the embedded version, commit, build time and artefact hashes', async () => {
    const v = (await (await stack.fetch('/api/version')).json()) as Record<string, unknown>;
    // The core.wasm the tested bundle ships, as its module names it.
    const shipped = /[0-9a-f]{40}-core\.wasm/.exec(readFileSync('build/worker/index.js', 'utf8'))![0];
    const wasm = createHash('sha256').update(readFileSync(`build/worker/${shipped}`)).digest('hex');
    const manifest = JSON.parse(readFileSync('dist/tracker/manifest.json', 'utf8'));
    assert.deepEqual(
      { version: v.version, commit: v.commit, build_time: v.build_time, core_wasm_sha256: v.core_wasm_sha256, tracker: v.tracker, tracker_replay: v.tracker_replay },
      { version: '1.4.0+abc1234', commit: 'abc1234def', build_time: '2026-11-20T10:00:00.000Z', core_wasm_sha256: wasm, tracker: manifest.tracker.hash, tracker_replay: manifest.replay.file },
    );
  });

  it('npm run deploy embeds the version and records a success in Postgres', async () => {
    const r = await deploy({ FAKE_EXIT: '0', DATABASE_URL: stack.pg.superUrl, VERSION: '2.0.0' });
    assert.equal(r.status, 0, r.stderr);
    const args = JSON.parse(readFileSync(join(fake, 'args.json'), 'utf8')) as string[];
    assert.equal(args[0], 'deploy');
    assert.ok(args.includes('VERSION:2.0.0') && args.some((a) => a.startsWith('BUILD_TIME:')) && args.includes('--env'), args.join(' '));
    const { rows } = await stack.db.query(`SELECT environment, status, deployed_by FROM deployment_history WHERE version = '2.0.0'`);
    assert.deepEqual(rows, [{ environment: 'staging', status: 'success', deployed_by: 'ci@example.com' }]);
  });

  it('npm run deploy records a failed deploy through the API and exits non-zero', async () => {
    const r = await deploy({ FAKE_EXIT: '1', DATABASE_URL: '', DEPLOY_URL: stack.url, DEPLOY_TOKEN, VERSION: '2.0.1' });
    assert.equal(r.status, 1);
    const { rows } = await stack.db.query(`SELECT status, notes FROM deployment_history WHERE version = '2.0.1'`);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].status, 'failed');
    assert.match(rows[0].notes, /wrangler deploy exited 1: .*Authentication error/s);
  });
});
