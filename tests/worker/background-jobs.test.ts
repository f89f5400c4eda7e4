// The cron jobs: the D1 cache catches up from Postgres, and sessions whose
// aggregates were deferred (Postgres down after R2 stored the batch) are
// reconciled from R2 exactly once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seedSite, startStack, type Stack } from './harness/stack.ts';
import { eventually, sendBatch, startSession } from './harness/session.ts';
import { click, pageView } from './harness/factories.ts';
import { rootPrefix } from './harness/stored.ts';

async function runCron(stack: Stack) {
  const worker = await stack.mf.getWorker('edgereplay');
  const result = await worker.scheduled({ cron: '*/5 * * * *' });
  assert.equal(result.outcome, 'ok');
}

describe('background jobs', () => {
  let stack: Stack;
  let siteId: string;
  before(async () => {
    stack = await startStack();
    ({ siteId } = await seedSite(stack));
  });
  after(() => stack?.close());

  it('bring a stale D1 cache row back in step with Postgres', async () => {
    const s = await startSession(stack, siteId);
    assert.equal((await sendBatch(stack, s, 0, [pageView(Date.parse(s.session_started_at))])).status, 202);
    const d1 = await stack.d1();
    const row = () => d1.prepare('SELECT page_views FROM sessions WHERE id = ?1').bind(s.session_id).first<{ page_views: number }>();
    await eventually(row, (r) => r?.page_views === 1);
    await d1.prepare('DELETE FROM sessions WHERE id = ?1').bind(s.session_id).run();
    await d1.prepare('DELETE FROM cache_state').run();
    await runCron(stack);
    assert.equal((await row())?.page_views, 1);
    const mark = await d1.prepare("SELECT value FROM cache_state WHERE key = 'sessions_synced_until'").first<{ value: string }>();
    assert.ok(mark && Date.parse(mark.value) > 0);
  });

  it('answer 202 while Postgres is down, then reconcile the batch from R2 once', async () => {
    const s = await startSession(stack, siteId);
    const t = Date.parse(s.session_started_at);
    assert.equal((await sendBatch(stack, s, 0, [pageView(t + 1)])).status, 202);
    stack.postgres.down();
    try {
      const res = await sendBatch(stack, s, 1, [pageView(t + 2, 'https://example.com/pricing'), click(t + 3)]);
      assert.equal(res.status, 202);
      assert.equal(((await res.json()) as { deferred: boolean }).deferred, true);
      const bucket = await stack.bucket();
      await eventually(async () => (await bucket.list({ prefix: rootPrefix('pending') })).objects.length, (n) => n === 1);
    } finally {
      stack.postgres.up();
    }
    const db = stack.db;
    const before = await db.query('SELECT event_count FROM sessions WHERE id = $1', [s.session_id]);
    assert.equal(before.rows[0].event_count, 1);
    await runCron(stack);
    await runCron(stack); // a second run finds nothing left to do
    const { rows } = await db.query('SELECT event_count, page_views, clicks, exit_page, ARRAY(SELECT generate_series(lower(r), upper(r) - 1) FROM unnest(applied) AS r) AS applied_seqs FROM sessions WHERE id = $1', [s.session_id]);
    assert.deepEqual(rows[0], { event_count: 3, page_views: 2, clicks: 1, exit_page: '/pricing', applied_seqs: [0, 1] });
    assert.equal((await (await stack.bucket()).list({ prefix: rootPrefix('pending') })).objects.length, 0);
    const pages = await db.query(`SELECT page_views FROM page_daily WHERE site_id = $1 AND path = '/pricing'`, [siteId]);
    assert.equal(pages.rows[0].page_views, 1);
  });

  it('end sessions idle for 30 minutes at their last activity and compact them', async () => {
    const s = await startSession(stack, siteId);
    assert.equal((await sendBatch(stack, s, 0, [pageView(Date.parse(s.session_started_at))])).status, 202);
    await stack.db.query(`UPDATE sessions SET last_seen_at = now() - interval '31 minutes' WHERE id = $1`, [s.session_id]);
    const fresh = await startSession(stack, siteId);
    await runCron(stack);
    const { rows } = await stack.db.query('SELECT id, ended_at = last_seen_at AS at_last_seen, compacted_at IS NOT NULL AS compacted FROM sessions WHERE id = ANY($1)', [[s.session_id, fresh.session_id]]);
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    assert.deepEqual(byId[s.session_id], { id: s.session_id, at_last_seen: true, compacted: true });
    assert.equal(byId[fresh.session_id].at_last_seen, null); // still open
  });

  it('keep the rrweb event count in the cached session list, so it can mark DOM recordings', async () => {
    const { token } = await seedSite(stack, 'site_rrweb', { replay_enabled: true });
    const s = await startSession(stack, 'site_rrweb');
    const t = Date.parse(s.session_started_at);
    // session/end refreshes the cached row at once (a batch in between may wait for the throttled refresh).
    const res = await sendBatch(stack, s, 0, [pageView(t), { type: 'rrweb', ts: t + 1, data: { type: 4, data: { href: 'https://example.com/' }, timestamp: t + 1 } }], '/track/session/end');
    assert.equal(res.status, 202);
    const list = await eventually(
      async () => (await stack.fetch('/api/sessions?site_id=site_rrweb', { headers: { authorization: `Bearer ${token}` } })).json() as Promise<any>,
      (l) => l.source === 'cache' && l.sessions[0]?.rrweb_events === 1,
    );
    assert.equal(list.source, 'cache');
    assert.equal(list.sessions[0].rrweb_events, 1);
  });
});
