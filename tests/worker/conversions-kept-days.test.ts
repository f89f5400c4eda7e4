// What a saved funnel or a goal keeps per closed day must follow the sessions it
// counted: a batch deferred during an outage and reconciled after its
// session's day closed changes that session's path, and the next report must
// answer as a scan of the sessions does.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { seedSite, startStack, type Stack } from './harness/stack.ts';
import { chunkKey, pendingKey, placeSession } from './harness/stored.ts';
import { pageView } from './harness/factories.ts';
import { asToken, asUser, logIn, makeAdmin, type Login } from './harness/accounts.ts';

const DAY_MS = 86_400_000;

describe('kept funnel days', () => {
  let stack: Stack;
  let admin: Login;
  let token: string;
  const site = 'site_kept';

  before(async () => {
    stack = await startStack();
    ({ token } = await seedSite(stack, site));
    const a = await makeAdmin(stack, 'kept-admin@example.com', 'kept-admin-password');
    admin = await logIn(stack, a.email, a.password);
  });
  after(() => stack?.close());

  it('answers as a scan does after a deferred batch of a closed day is reconciled', async () => {
    const startedAt = new Date(Date.now() - 4 * DAY_MS - (Date.now() % DAY_MS) + 3_600_000); // 01:00 UTC four days ago
    const t = startedAt.getTime();
    const id = 'kept_late_1';
    // Batch 0 (/ only) counted; batch 1 (/signup) stored in R2 while Postgres was down: marked, not counted.
    await placeSession(stack, site, id, startedAt, [[pageView(t + 10, 'https://example.com/')], [pageView(t + 2_000, 'https://example.com/signup')]]);
    await stack.db.query(`UPDATE sessions SET applied = '{[0,1)}', path = $2 WHERE id = $1`, [id, '\x1fp/\x1c00000010\x1f']);
    const bucket = await stack.bucket();
    assert.ok(await bucket.head(chunkKey(id, startedAt, 1)), 'the deferred batch is in R2');
    await bucket.put(pendingKey(id, 1), '', { customMetadata: { site_id: site, session_started_at: startedAt.toISOString() } });

    const created = await asUser(stack, admin, '/api/conversions/funnels', {
      method: 'POST',
      body: { site_id: site, name: 'Signup', steps: [{ kind: 'page', value: '/' }, { kind: 'page', value: '/signup' }] },
    });
    assert.equal(created.status, 201, await created.clone().text());
    const funnelId = ((await created.json()) as { funnel: { id: string } }).funnel.id;
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const report = async () => {
      const res = await asToken(stack, token, `/api/conversions/funnels/report?funnel=${funnelId}&site_id=${site}&from=${day(t - DAY_MS)}&to=${day(Date.now())}`);
      assert.equal(res.status, 200, await res.clone().text());
      return ((await res.json()) as { steps: { sessions: number }[] }).steps.map((s) => s.sessions);
    };
    assert.deepEqual(await report(), [1, 0]);
    const kept = await stack.db.query('SELECT count(*)::int AS n FROM funnel_days WHERE funnel_id = $1 AND day = $2', [funnelId, day(t)]);
    assert.ok(kept.rows[0].n > 0, 'the closed day is kept');
    // A goal keeps the day too.
    const goal = await asUser(stack, admin, '/api/conversions/goals', { method: 'POST', body: { site_id: site, name: 'Signup', kind: 'page', value: '/signup' } });
    assert.equal(goal.status, 201, await goal.clone().text());
    const goals = async () => {
      const res = await asToken(stack, token, `/api/conversions/goals/report?site_id=${site}&from=${day(t - DAY_MS)}&to=${day(Date.now())}`);
      assert.equal(res.status, 200, await res.clone().text());
      return ((await res.json()) as { goals: { conversions: number }[] }).goals.map((g) => g.conversions);
    };
    assert.deepEqual(await goals(), [0]);
    const keptGoal = await stack.db.query(`SELECT count(*)::int AS n FROM goal_days WHERE site_id = $1 AND day = $2 AND dim = ''`, [site, day(t)]);
    assert.equal(keptGoal.rows[0].n, 1, 'the closed day is kept for the goal');

    const worker = await stack.mf.getWorker('edgereplay');
    assert.equal((await worker.scheduled({ cron: '*/5 * * * *' })).outcome, 'ok');
    assert.equal(await bucket.head(pendingKey(id, 1)), null, 'the deferred batch was reconciled');
    assert.deepEqual(await report(), [1, 1]);
    assert.deepEqual(await goals(), [1]);
  });

  it('answers as a scan does when a clear and the fill of its day overlap', async () => {
    // The clear's delete is held by a row lock (another connection's real
    // lock on the cleared session); while it waits, a goal report fills the
    // day. The fill must wait for the clear, else it keeps the cleared
    // session's conversion after the clear dropped the day.
    const goalSite = 'site_kept_race';
    const { token: raceToken } = await seedSite(stack, goalSite);
    const startedAt = new Date(Date.now() - 5 * DAY_MS - (Date.now() % DAY_MS) + 7_200_000); // 02:00 UTC five days ago
    const t = startedAt.getTime();
    for (const id of ['race_keep', 'race_clear']) {
      await placeSession(stack, goalSite, id, startedAt, [[pageView(t + 10, 'https://example.com/'), pageView(t + 900, 'https://example.com/paid')]]);
      await stack.db.query(`UPDATE sessions SET path = $2 WHERE id = $1`, [id, '\x1fp/\x1c00000010\x1fp/paid\x1c00000900\x1f']);
    }
    const goal = await asUser(stack, admin, '/api/conversions/goals', { method: 'POST', body: { site_id: goalSite, name: 'Paid', kind: 'page', value: '/paid' } });
    assert.equal(goal.status, 201, await goal.clone().text());
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const goals = async () => {
      const res = await asToken(stack, raceToken, `/api/conversions/goals/report?site_id=${goalSite}&from=${day(t - DAY_MS)}&to=${day(t + 2 * DAY_MS)}`);
      assert.equal(res.status, 200, await res.clone().text());
      return ((await res.json()) as { goals: { conversions: number }[] }).goals.map((g) => g.conversions);
    };
    const waiting = async () =>
      (await stack.db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`)).rows[0].n as number;
    const until = async (ok: () => Promise<boolean>, what: string) => {
      for (const end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (await ok()) return;
      assert.fail(`timed out waiting for ${what}`);
    };

    const holder = new pg.Client(stack.pg.superUrl);
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(`SELECT 1 FROM sessions WHERE id = 'race_clear' FOR UPDATE`);
    let cleared: Promise<Response> | null = null;
    let report: Promise<number[]> | null = null;
    try {
      cleared = asUser(stack, admin, '/api/admin/storage/clear', { method: 'POST', body: { session_id: 'race_clear', confirm: 'race_clear' } });
      cleared.catch(() => undefined); // awaited below
      await until(async () => (await waiting()) >= 1, 'the clear to wait on the row lock');
      let reported = false;
      report = goals().then((n) => ((reported = true), n));
      report.catch(() => undefined); // awaited below
      // Either the fill waits for the clear (a second waiter) or it is done already (the race).
      await until(async () => reported || (await waiting()) >= 2, 'the report to wait or answer');
    } finally {
      await holder.query('COMMIT');
      await holder.end();
    }
    const res = await cleared!;
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(await report!, [1], 'the report that waited answers after the clear');
    assert.deepEqual(await goals(), [1], 'the kept day holds the remaining session only');
    const scan = await stack.db.query(`SELECT count(*)::int AS n FROM sessions WHERE site_id = $1`, [goalSite]);
    assert.equal(scan.rows[0].n, 1);
  });

  it('keeps a closed day no session entered, so the next report does not scan it again', async () => {
    const created = await asUser(stack, admin, '/api/conversions/funnels', {
      method: 'POST',
      body: { site_id: site, name: 'Quiet', steps: [{ kind: 'page', value: '/nobody' }, { kind: 'page', value: '/signup' }] },
    });
    assert.equal(created.status, 201, await created.clone().text());
    const funnelId = ((await created.json()) as { funnel: { id: string } }).funnel.id;
    const day = (back: number) => new Date(Date.now() - back * DAY_MS).toISOString().slice(0, 10);
    const res = await asToken(stack, token, `/api/conversions/funnels/report?funnel=${funnelId}&site_id=${site}&from=${day(6)}&to=${day(3)}`);
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(((await res.json()) as { steps: { sessions: number }[] }).steps.map((s) => s.sessions), [0, 0]);
    const { rows } = await stack.db.query(`SELECT to_char(day, 'YYYY-MM-DD') AS day FROM funnel_days WHERE funnel_id = $1 AND step = 0 ORDER BY day`, [funnelId]);
    assert.deepEqual(rows.map((r) => r.day), [day(6), day(5), day(4), day(3)]);
  });
});
