// A batch whose aggregate statement does not answer (stuck behind a lock, or
// on a stalled connection) is answered in bounded time and still counted
// once (ARCHITECTURE.md §5 rules 3, 4, 7). Real Worker, real local R2, real
// PostgreSQL: the statement is held by a real row lock another connection takes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { seedSite, startStack, type Stack } from './harness/stack.ts';
import { sendBatch, startSession } from './harness/session.ts';
import { click, pageView, type StartedSession } from './harness/factories.ts';
import { loadCore } from '../core/load-core.ts';

const core = loadCore();
const APPLY_TIMEOUT_MS = 1500;

describe('a batch whose aggregate statement does not answer', () => {
  let stack: Stack;
  let siteId: string;

  before(async () => {
    stack = await startStack({ vars: { PG_APPLY_TIMEOUT_MS: String(APPLY_TIMEOUT_MS) } });
    ({ siteId } = await seedSite(stack));
  });
  after(() => stack?.close());

  const t0 = (s: StartedSession) => Date.parse(s.session_started_at);
  const row = async (s: StartedSession) =>
    (await stack.db.query('SELECT event_count, page_views, clicks, applied::text AS applied FROM sessions WHERE id = $1', [s.session_id])).rows[0];
  const pendingMarkers = async () => (await (await stack.bucket()).list({ prefix: 'pending/' })).objects.map((o) => o.key);
  const markerKey = (s: StartedSession, seq: number) => {
    const r = core.markerKey('pending', s.session_id, seq);
    assert.ok(r.ok);
    return r.key;
  };

  /** Another connection holds the session's row lock until `release` is called. */
  async function lockRow(s: StartedSession) {
    const holder = new pg.Client(stack.pg.superUrl);
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE', [s.session_id]);
    return async () => {
      await holder.query('COMMIT');
      await holder.end();
    };
  }

  it('is answered 202 deferred at its deadline with a pending marker, and counted once when the lock goes', async () => {
    const s = await startSession(stack, siteId);
    const release = await lockRow(s);
    let answeredIn: number;
    try {
      const sent = Date.now();
      const res = await sendBatch(stack, s, 0, [pageView(t0(s) + 1), click(t0(s) + 2)]);
      answeredIn = Date.now() - sent;
      assert.equal(res.status, 202, await res.clone().text());
      const body = (await res.json()) as { accepted: number; deferred: boolean };
      assert.deepEqual([body.accepted, body.deferred], [2, true]);
      assert.ok(answeredIn >= APPLY_TIMEOUT_MS && answeredIn < APPLY_TIMEOUT_MS + 5_000, `answered in ${answeredIn} ms`);
      assert.deepEqual(await pendingMarkers(), [markerKey(s, 0)]);
      assert.equal((await row(s)).event_count, 0, 'nothing applied while the row is locked');
    } finally {
      await release();
    }
    // The statement that missed its deadline may still apply now; reconcile
    // then finds seq 0 applied and only drops the marker.
    const worker = await stack.mf.getWorker('edgereplay');
    assert.equal((await worker.scheduled({ cron: '*/5 * * * *' })).outcome, 'ok');
    assert.deepEqual(await pendingMarkers(), []);
    assert.deepEqual(await row(s), { event_count: 2, page_views: 1, clicks: 1, applied: '{[0,1)}' });
  });

  it('counts a retry of the deferred batch once, whichever of the retry, the late statement and reconcile applies it', async () => {
    const s = await startSession(stack, siteId);
    const events = [pageView(t0(s) + 1), click(t0(s) + 2), click(t0(s) + 3)];
    const release = await lockRow(s);
    try {
      const first = await sendBatch(stack, s, 0, events);
      assert.equal(((await first.json()) as { deferred: boolean }).deferred, true);
    } finally {
      await release();
    }
    const retry = await sendBatch(stack, s, 0, events);
    assert.equal(retry.status, 202);
    const worker = await stack.mf.getWorker('edgereplay');
    assert.equal((await worker.scheduled({ cron: '*/5 * * * *' })).outcome, 'ok');
    assert.deepEqual(await row(s), { event_count: 3, page_views: 1, clicks: 2, applied: '{[0,1)}' });
  });
});
