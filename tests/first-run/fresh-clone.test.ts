// `npm start` as a newcomer runs it: a fresh clone of the committed HEAD (no
// node_modules, no .local, no build output), on a free port. It must set up,
// build, serve /health, take a session with the printed values, answer it
// back to the printed API token, and leave no process behind on Ctrl-C; then
// the same again on the second start, which reuses .local.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../scripts/lib/ports.mjs';
import { batchBody, mixedEvents, type StartedSession } from '../worker/harness/factories.ts';

const REPO = process.cwd();
const START_TIMEOUT_MS = 12 * 60_000; // npm ci from the warm cache + the whole build
const STOP_TIMEOUT_MS = 20_000;

let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'edgereplay-first-run-'));
  const clone = spawnSync('git', ['clone', '--quiet', '--no-hardlinks', REPO, dir], { encoding: 'utf8' });
  assert.equal(clone.status, 0, clone.stderr);
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  output: () => string;
  port: number;
}

// The embedded Postgres is what a newcomer gets.
function withoutDatabaseUrl(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { DATABASE_URL: _ignored, ...rest } = env;
  return rest;
}

/** `npm start` in its own process group, as a terminal runs it. */
async function npmStart(): Promise<Running> {
  const port = await freePort();
  let output = '';
  const child = spawn('npm', ['start'], {
    cwd: dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    // The clone reuses the machine's npm cache (~/.npm): npm ci installs from it.
    env: { ...withoutDatabaseUrl(process.env), PORT: String(port) },
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return { child, port, output: () => output };
}

async function waitForHealth(run: Running): Promise<Record<string, any>> {
  const until = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < until) {
    if (run.child.exitCode !== null) assert.fail(`npm start exited with ${run.child.exitCode}:\n${run.output().slice(-4000)}`);
    if (run.output().includes('edgereplay is running at')) {
      const res = await fetch(`http://127.0.0.1:${run.port}/health`).catch(() => null);
      if (res?.ok) return res.json();
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.fail(`no /health within ${START_TIMEOUT_MS} ms:\n${run.output().slice(-4000)}`);
}

/** Every process below pid (the process tree, from /proc). */
function descendants(pid: number): { pid: number; cmd: string }[] {
  const parents = new Map<number, number[]>();
  const cmds = new Map<number, string>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(name)]);
      cmds.set(Number(name), readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ').trim());
    } catch {
      /* gone meanwhile */
    }
  }
  const out: { pid: number; cmd: string }[] = [];
  const walk = (p: number) => {
    for (const c of parents.get(p) ?? []) {
      out.push({ pid: c, cmd: cmds.get(c) ?? '' });
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** Processes working inside the clone (what a detached child would leave). */
function processesIn(path: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`/proc/${name}/cwd`).startsWith(path)) found.push(Number(name));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return found;
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');

async function sendAndReadBack(run: Running) {
  const facts = JSON.parse(readFileSync(join(dir, '.local/dev.json'), 'utf8'));
  const base = `http://127.0.0.1:${run.port}`;
  assert.equal(facts.url, base);
  assert.ok(run.output().includes(facts.api_token), 'the API token is printed');
  assert.ok(run.output().includes(facts.snippet), 'the snippet is printed');
  const siteId = /data-site="([^"]+)"/.exec(facts.snippet)![1];
  assert.equal(siteId, facts.site_id);

  const start = await fetch(`${base}/track/session/start`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ site_id: siteId, url: 'http://localhost/first-run' }),
  });
  assert.equal(start.status, 200, await start.clone().text());
  const s = (await start.json()) as StartedSession;
  const events = mixedEvents(Date.parse(s.session_started_at) + 10, 12, '/first-run');
  const batch = await fetch(`${base}/track/events/batch`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: batchBody(s, 0, events) });
  assert.equal(batch.status, 202, await batch.clone().text());

  const read = await fetch(`${base}/api/sessions/${s.session_id}`, { headers: { authorization: `Bearer ${facts.api_token}` } });
  assert.equal(read.status, 200, await read.clone().text());
  const { session } = (await read.json()) as { session: Record<string, unknown> };
  assert.equal(session.site_id, siteId);
  assert.equal(Number(session.event_count), events.length);
  const replay = await fetch(`${base}/replay/${s.session_id}/events`, { headers: { authorization: `Bearer ${facts.api_token}` } });
  assert.equal(replay.status, 200);
  assert.equal((await replay.text()).trim().split('\n').length, events.length);
  return facts;
}

/** Ctrl-C: SIGINT to the process group; every child must be gone after. */
async function stop(run: Running) {
  const tree = descendants(run.child.pid!);
  for (const name of ['pglite-server', 'wrangler', 'workerd']) {
    assert.ok(tree.some((p) => p.cmd.includes(name)), `${name} runs under npm start:\n${tree.map((p) => p.cmd).join('\n')}`);
  }
  const exited = new Promise((r) => run.child.once('exit', r));
  process.kill(-run.child.pid!, 'SIGINT');
  await exited;
  const until = Date.now() + STOP_TIMEOUT_MS;
  let left = tree.filter((p) => alive(p.pid));
  while (left.length && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 200));
    left = tree.filter((p) => alive(p.pid));
  }
  assert.deepEqual(left.map((p) => p.cmd), [], 'every child process stopped');
  assert.deepEqual(processesIn(dir), [], 'nothing runs in the clone any more');
}

/** After a failed check: nothing of this run may outlive the test. */
function killLeftovers(run: Running) {
  for (const pid of [run.child.pid!, ...processesIn(dir)]) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* not a group leader, or gone */
    }
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

describe('npm start on a fresh clone', { timeout: 2 * START_TIMEOUT_MS + 120_000 }, () => {
  let firstFacts: Record<string, any>;

  it('sets up, builds, serves a session to the printed token, and stops every child on Ctrl-C', async () => {
    for (const absent of ['node_modules', '.local', 'build', 'dist', 'js-shim/generated', '.dev.vars']) assert.ok(!existsSync(join(dir, absent)), `${absent} absent`);
    const run = await npmStart();
    try {
      const health = await waitForHealth(run);
      assert.equal(health.status, 'ok', JSON.stringify(health));
      firstFacts = await sendAndReadBack(run);
      assert.match(readFileSync(join(dir, '.dev.vars'), 'utf8'), /^TOKEN_SECRET=[A-Za-z0-9_-]{43,}$/m);
      await stop(run);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- npm start said:\n${run.output().slice(-3000)}`, { cause: err });
    } finally {
      killLeftovers(run);
    }
  });

  it('starts again on the same .local, with the same login and token', async () => {
    assert.ok(firstFacts, 'the first start succeeded');
    const secret = readFileSync(join(dir, '.dev.vars'), 'utf8');
    const run = await npmStart();
    try {
      await waitForHealth(run);
      const facts = await sendAndReadBack(run);
      assert.equal(facts.api_token, firstFacts.api_token);
      assert.equal(facts.admin_password, firstFacts.admin_password);
      assert.equal(readFileSync(join(dir, '.dev.vars'), 'utf8'), secret, 'the secret is kept');
      await stop(run);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- npm start said:\n${run.output().slice(-3000)}`, { cause: err });
    } finally {
      killLeftovers(run);
    }
  });
});
