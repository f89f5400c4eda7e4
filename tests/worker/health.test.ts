// GET /health in its three states: ok, degraded (200: D1 missing or failing)
// and down (503: no Hyperdrive binding, or Postgres not answering), with each
// dependency's status and latency and nothing secret in the answer.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, TOKEN_SECRET, type Stack } from './harness/stack.ts';
import { startBareWorker } from './harness/bare-worker.ts';

interface Health {
  status: 'ok' | 'degraded' | 'down';
  checks: Record<'postgres' | 'd1' | 'r2', { status: string; latency_ms?: number }>;
}

async function health(fetch: (path: string) => Promise<Response>): Promise<{ code: number; body: Health; text: string }> {
  const res = await fetch('/health');
  const text = await res.text();
  assert.equal(res.headers.get('cache-control'), 'no-store');
  return { code: res.status, body: JSON.parse(text) as Health, text };
}

function assertNoSecrets(text: string) {
  for (const secret of ['postgres://', 'worker@', ':worker', TOKEN_SECRET, 'password']) {
    assert.ok(!text.includes(secret), `the answer leaks ${secret}`);
  }
}

describe('health', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ probe: true });
  });
  after(() => stack?.close());

  it('answers ok with every dependency ok and timed, and no secrets', async () => {
    const { code, body, text } = await health(stack.fetch);
    assert.equal(code, 200);
    assert.equal(body.status, 'ok');
    for (const name of ['postgres', 'd1', 'r2'] as const) {
      assert.equal(body.checks[name].status, 'ok', name);
      assert.equal(typeof body.checks[name].latency_ms, 'number');
    }
    assertNoSecrets(text);
  });

  it('answers degraded with 200 when D1 fails', async () => {
    stack.probe.faults['d1/read'] = 'fail';
    try {
      const { code, body, text } = await health(stack.fetch);
      assert.equal(code, 200);
      assert.equal(body.status, 'degraded');
      assert.equal(body.checks.d1.status, 'failing');
      assert.equal(body.checks.postgres.status, 'ok');
      assertNoSecrets(text);
    } finally {
      stack.probe.reset();
    }
  });

  it('answers down with 503 while Postgres does not answer, and ok once it does', async () => {
    stack.postgres.down();
    try {
      const { code, body, text } = await health(stack.fetch);
      assert.equal(code, 503);
      assert.equal(body.status, 'down');
      assert.equal(body.checks.postgres.status, 'failing');
      assert.ok((body.checks.postgres.latency_ms ?? 0) >= 1000, 'it waited for Postgres before giving up');
      assertNoSecrets(text);
    } finally {
      stack.postgres.up();
    }
    assert.equal((await health(stack.fetch)).body.status, 'ok');
  });
});

describe('health without bindings', () => {
  it('answers degraded with 200 without the D1 binding', async () => {
    const bare = await startStack({ d1: false });
    try {
      const { code, body } = await health(bare.fetch);
      assert.equal(code, 200);
      assert.equal(body.status, 'degraded');
      assert.equal(body.checks.d1.status, 'missing');
      assert.equal(body.checks.postgres.status, 'ok');
    } finally {
      await bare.close();
    }
  });

  it('answers down with 503 without the Hyperdrive binding', async () => {
    const bare = await startBareWorker();
    try {
      const { code, body, text } = await health(bare.fetch);
      assert.equal(code, 503);
      assert.equal(body.status, 'down');
      assert.equal(body.checks.postgres.status, 'missing');
      assert.equal(body.checks.d1.status, 'ok');
      assertNoSecrets(text);
    } finally {
      await bare.close();
    }
  });
});
