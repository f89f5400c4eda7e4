// Storage administration: stats per site and day, the NDJSON export (a GDPR
// access request), clears of a session, a site or everything before a date
// across R2, Postgres and the D1 cache, and the daily retention cron.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seedSite, startStack, type Stack } from './harness/stack.ts';
import { sendBatch, startSession } from './harness/session.ts';
import { click, pageView, scroll } from './harness/factories.ts';
import { asToken, asUser, errorCode, logIn, makeAdmin, type Login } from './harness/accounts.ts';
import { DAY_MS, chunkKey, dayFolder, dayPrefix, pendingKey, placeSession, presence, type Placed } from './harness/stored.ts';

const today = () => new Date(Date.now() - (Date.now() % DAY_MS));
const daysAgo = (n: number, hour = 12) => new Date(today().getTime() - n * DAY_MS + hour * 3_600_000);
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

describe('storage administration', () => {
  let stack: Stack;
  let admin: Login;
  let tokenA: string;

  before(async () => {
    stack = await startStack();
    ({ token: tokenA } = await seedSite(stack, 'site_a'));
    await seedSite(stack, 'site_b');
    await seedSite(stack, 'site_c');
    const a = await makeAdmin(stack);
    admin = await logIn(stack, a.email, a.password);
  });
  after(() => stack?.close());

  /** A live session through the public API: 3 page views (2 on /pricing), a click, a scroll. */
  async function liveSession(siteId: string) {
    const s = await startSession(stack, siteId);
    const t = Date.parse(s.session_started_at);
    assert.equal((await sendBatch(stack, s, 0, [pageView(t + 1, 'https://example.com/pricing'), click(t + 2)])).status, 202);
    assert.equal((await sendBatch(stack, s, 1, [pageView(t + 3, 'https://example.com/pricing'), scroll(t + 4, 60), pageView(t + 5, 'https://example.com/')])).status, 202);
    const started = new Date(s.session_started_at);
    return { id: s.session_id, siteId, startedAt: started, prefix: dayPrefix(s.session_id, started), events: 5 };
  }
  const old = (siteId: string, id: string, days: number) =>
    placeSession(stack, siteId, id, daysAgo(days), [[pageView(daysAgo(days).getTime() + 10, 'https://example.com/old')], [click(daysAgo(days).getTime() + 20)]]);
  const clear = (body: object) => asUser(stack, admin, '/api/admin/storage/clear', { method: 'POST', body });
  const pageViewsOf = async (siteId: string, path: string) =>
    (await stack.db.query('SELECT COALESCE(sum(page_views), 0)::int AS n FROM page_daily WHERE site_id = $1 AND path = $2', [siteId, path])).rows[0].n;

  it('reports R2 objects and bytes per site and day, sessions, and rows per table', async () => {
    const live = await liveSession('site_a');
    await old('site_a', 'stats_old_a_1', 3);
    await old('site_b', 'stats_old_b_1', 3);
    const res = await asUser(stack, admin, `/api/admin/storage/stats?from=${isoDay(daysAgo(5))}&to=${isoDay(daysAgo(-1))}`);
    assert.equal(res.status, 200, await res.clone().text());
    const stats = (await res.json()) as {
      by_site_day: { site_id: string; day: string; sessions: number; r2_objects: number; r2_bytes: number }[];
      tables: Record<string, number>;
      complete: boolean;
    };
    assert.equal(stats.complete, true);
    const bucket = await stack.bucket();
    for (const [siteId, day] of [['site_a', isoDay(live.startedAt)], ['site_a', isoDay(daysAgo(3))], ['site_b', isoDay(daysAgo(3))]]) {
      const listed = (await bucket.list({ prefix: dayFolder(day), include: ['customMetadata'] })).objects.filter(
        (o) => o.customMetadata?.site_id === siteId,
      );
      const row = stats.by_site_day.find((r) => r.site_id === siteId && r.day === day);
      assert.deepEqual(
        row && { objects: row.r2_objects, bytes: row.r2_bytes },
        { objects: listed.length, bytes: listed.reduce((n, o) => n + o.size, 0) },
        `${siteId} ${day}`,
      );
      const sessions = await stack.db.query(`SELECT count(*)::int AS n FROM sessions WHERE site_id = $1 AND to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') = $2`, [siteId, day]);
      assert.equal(row?.sessions, sessions.rows[0].n);
    }
    for (const table of ['sessions', 'sites', 'user', 'session', 'api_tokens']) {
      const { rows } = await stack.db.query(`SELECT count(*)::int AS n FROM "${table}"`);
      assert.equal(stats.tables[table], rows[0].n, table);
    }
  });

  it('exports a site as NDJSON: each session row followed by its events from R2, then a closing line', async () => {
    const live = await liveSession('site_c');
    const placed = await old('site_c', 'export_old_c1', 2);
    const res = await asUser(stack, admin, '/api/admin/storage/export?site_id=site_c');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/x-ndjson/);
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="edgereplay-export-site_c-/);
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines[0].type, 'export');
    assert.deepEqual(lines.at(-1), { type: 'export_end', sessions: 2, events: live.events + placed.events });
    const sessionLines = lines.filter((l) => l.type === 'session');
    assert.deepEqual(sessionLines.map((l) => l.id).sort(), [live.id, placed.id].sort());
    for (const s of sessionLines) {
      const at = lines.indexOf(s);
      const next = lines.findIndex((l, i) => i > at && (l.type === 'session' || l.type === 'export_end'));
      const events = lines.slice(at + 1, next);
      assert.ok(events.every((e) => e.session_id === s.id), 'events follow their own session');
      assert.equal(events.length, s.id === live.id ? live.events : placed.events);
      assert.equal(s.site_id, 'site_c');
    }
    const audit = await stack.db.query(`SELECT target FROM admin_audit_log WHERE action = 'storage.export'`);
    assert.deepEqual(audit.rows.map((r) => r.target.site_id), ['site_c']);
  });

  it('exports one session with its events in time order', async () => {
    const live = await liveSession('site_a');
    const res = await asUser(stack, admin, `/api/admin/storage/export?session_id=${live.id}`);
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { type: string; ts?: number; id?: string });
    assert.deepEqual(lines.filter((l) => l.type === 'session').map((l) => l.id), [live.id]);
    const ts = lines.filter((l) => l.ts !== undefined).map((l) => l.ts!);
    assert.equal(ts.length, 5);
    assert.deepEqual(ts, [...ts].sort((a, b) => a - b));
  });

  it('lets only an admin clear, and only with the confirm field repeating the target', async () => {
    const live = await liveSession('site_a');
    const byToken = await asToken(stack, tokenA, '/api/admin/storage/clear', { method: 'POST', body: { session_id: live.id, confirm: live.id } });
    assert.equal(byToken.status, 403);
    for (const body of [{ session_id: live.id }, { session_id: live.id, confirm: true }, { session_id: live.id, confirm: 'site_a' }]) {
      const res = await clear(body);
      assert.equal(res.status, 400);
      assert.equal(await errorCode(res), 'confirmation_required');
    }
    assert.deepEqual(await presence(stack, live), { r2: 2, pg: 1, d1: 1 });
  });

  it('clears one session from R2, Postgres, the page rollup and the D1 cache, and writes an audit row', async () => {
    const keep = await liveSession('site_a');
    const gone = await liveSession('site_a');
    const before = await pageViewsOf('site_a', '/pricing');
    const res = await clear({ session_id: gone.id, confirm: gone.id });
    assert.equal(res.status, 200, await res.clone().text());
    const result = (await res.json()) as { sessions_deleted: number; r2_keys_deleted: number; audit_id: number; complete: boolean };
    assert.deepEqual([result.sessions_deleted, result.r2_keys_deleted, result.complete], [1, 2, true]);
    assert.deepEqual(await presence(stack, gone), { r2: 0, pg: 0, d1: 0 });
    assert.deepEqual(await presence(stack, keep), { r2: 2, pg: 1, d1: 1 });
    assert.equal(await pageViewsOf('site_a', '/pricing'), before - 2);
    const audit = await stack.db.query('SELECT actor_kind, action, target, result FROM admin_audit_log WHERE id = $1', [result.audit_id]);
    assert.deepEqual(
      [audit.rows[0].actor_kind, audit.rows[0].action, audit.rows[0].target.session_id, audit.rows[0].result.sessions_deleted],
      ['user', 'storage.clear', gone.id, 1],
    );
    assert.equal((await clear({ session_id: gone.id, confirm: gone.id })).status, 404);
  });

  it('takes back only the page views a cleared session added, not those of a batch deferred and never applied', async () => {
    const keep = await liveSession('site_a');
    const s = await startSession(stack, 'site_a');
    const t = Date.parse(s.session_started_at);
    assert.equal((await sendBatch(stack, s, 0, [pageView(t + 1, 'https://example.com/pricing')])).status, 202);
    // Postgres down: the batch is stored in R2 with a pending marker, its page views not counted yet.
    stack.postgres.down();
    try {
      assert.equal((await sendBatch(stack, s, 1, [pageView(t + 2, 'https://example.com/pricing'), pageView(t + 3, 'https://example.com/')])).status, 202);
    } finally {
      stack.postgres.up();
    }
    const before = await pageViewsOf('site_a', '/pricing');
    const home = await pageViewsOf('site_a', '/');
    const res = await clear({ session_id: s.session_id, confirm: s.session_id });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(await pageViewsOf('site_a', '/pricing'), before - 1, 'the applied batch\'s one view of /pricing goes');
    assert.equal(await pageViewsOf('site_a', '/'), home, 'the deferred batch\'s view of / was never counted and stays');
    assert.deepEqual((await presence(stack, keep)).pg, 1);
  });

  it('clears a site from every store and leaves other sites alone', async () => {
    const b: Placed[] = [await liveSession('site_b'), await old('site_b', 'clear_site_b_1', 10)];
    const a = await liveSession('site_a');
    const res = await clear({ site_id: 'site_b', confirm: 'site_b' });
    assert.equal(res.status, 200, await res.clone().text());
    for (const s of b) assert.deepEqual(await presence(stack, s), { r2: 0, pg: 0, d1: 0 }, s.id);
    assert.deepEqual(await presence(stack, a), { r2: 2, pg: 1, d1: 1 });
    assert.equal((await stack.db.query(`SELECT 1 FROM page_daily WHERE site_id = 'site_b'`)).rowCount, 0);
    assert.equal((await stack.db.query(`SELECT 1 FROM sites WHERE id = 'site_b'`)).rowCount, 1, 'the site itself stays');
  });

  it('clears everything before a date across sites, objects no row points at included', async () => {
    const oldA = await old('site_a', 'before_old_a1', 50);
    const oldC = await old('site_c', 'before_old_c1', 45);
    const orphanKey = chunkKey('orphan_session_1', daysAgo(60), 0);
    await (await stack.bucket()).put(orphanKey, '{"ts":1,"seq":0,"i":0,"session_id":"orphan_session_1","type":"click"}\n');
    const recent = await old('site_a', 'before_recent1', 20);
    const cut = isoDay(daysAgo(30));
    const res = await clear({ before: cut, confirm: cut });
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(await presence(stack, oldA), { r2: 0, pg: 0, d1: 0 });
    assert.deepEqual(await presence(stack, oldC), { r2: 0, pg: 0, d1: 0 });
    assert.equal(await (await stack.bucket()).head(orphanKey), null);
    assert.deepEqual(await presence(stack, recent), { r2: 2, pg: 1, d1: 1 });
    const rollups = await stack.db.query(`SELECT count(*)::int AS n FROM page_daily WHERE day < $1::date`, [cut]);
    assert.equal(rollups.rows[0].n, 0);
  });

  it('drops a deferred batch whose site was deleted instead of retrying it on every cron', async () => {
    const bucket = await stack.bucket();
    const startedAt = daysAgo(0, 0);
    const id = 'orphaned_batch1';
    const prefix = dayPrefix(id, startedAt);
    await bucket.put(`${prefix}events/0000000000.ndjson`, `{"ts":${startedAt.getTime() + 5},"seq":0,"i":0,"session_id":"${id}","type":"click","x":1,"y":2,"selector":"a"}\n`);
    await bucket.put(pendingKey(id, 0), '', { customMetadata: { site_id: 'deleted_site', session_started_at: startedAt.toISOString() } });
    const worker = await stack.mf.getWorker('edgereplay');
    assert.equal((await worker.scheduled({ cron: '*/5 * * * *' })).outcome, 'ok');
    assert.equal(await bucket.head(pendingKey(id, 0)), null);
    assert.equal((await bucket.list({ prefix })).objects.length, 0);
    assert.equal((await stack.db.query('SELECT 1 FROM sessions WHERE id = $1', [id])).rowCount, 0);
  });

  it("enforces each site's retention in the daily cron, and only there", async () => {
    await stack.db.query(`UPDATE sites SET retention_days = 30 WHERE id = 'site_a'`);
    await stack.db.query(`UPDATE sites SET retention_days = 90 WHERE id IN ('site_b', 'site_c')`);
    const expired = await old('site_a', 'retain_old_a1', 40);
    const kept = await old('site_c', 'retain_old_c1', 40);
    const fresh = await old('site_a', 'retain_new_a1', 10);
    const worker = await stack.mf.getWorker('edgereplay');

    // The 5-minute cron ends and compacts idle sessions (chunks become one
    // object) but deletes nothing.
    assert.equal((await worker.scheduled({ cron: '*/5 * * * *' })).outcome, 'ok');
    const stillThere = await presence(stack, expired);
    assert.ok(stillThere.r2 >= 1 && stillThere.pg === 1 && stillThere.d1 === 1, JSON.stringify(stillThere));

    assert.equal((await worker.scheduled({ cron: '17 3 * * *' })).outcome, 'ok');
    assert.deepEqual(await presence(stack, expired), { r2: 0, pg: 0, d1: 0 });
    for (const s of [kept, fresh]) {
      const p = await presence(stack, s);
      assert.ok(p.r2 >= 1 && p.pg === 1 && p.d1 === 1, `${s.id} kept: ${JSON.stringify(p)}`);
    }
    const audit = await stack.db.query(`SELECT actor_kind, actor_id, result FROM admin_audit_log WHERE action = 'storage.retention'`);
    assert.equal(audit.rowCount, 1);
    assert.deepEqual([audit.rows[0].actor_kind, audit.rows[0].actor_id, audit.rows[0].result.sessions_deleted], ['system', 'retention', 1]);
  });
});
