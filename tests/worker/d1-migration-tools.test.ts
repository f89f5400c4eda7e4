// The D1-to-Postgres tooling on a local D1 (Miniflare's, and wrangler's for
// the command line) and a real PostgreSQL: the aggregate backfill from the
// legacy events table, the idempotent copy of sites, sessions, users and
// deployments with its count check, and the guarded drop of `events`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, type Stack } from './harness/stack.ts';
import { backfillEventAggregates } from '../../scripts/lib/backfill-aggregates.mjs';
import { migrateD1ToPostgres } from '../../scripts/lib/d1-to-postgres.mjs';
import { dropEventsTable, inspectEvents } from '../../scripts/lib/d1-drop-events.mjs';
import { d1MigrationFiles } from '../../scripts/lib/migrations.mjs';
import { wranglerD1 } from '../../scripts/lib/d1.mjs';

const DAY_MS = 86_400_000;

/** Legacy D1 rows, written the way the D1-only product wrote them. */
function legacySession(db: D1Database, id: string, siteId: string, startedAt: string, extra: Record<string, unknown> = {}) {
  const cols = { id, site_id: siteId, started_at: startedAt, last_seen_at: null, entry_page: '/', device: 'desktop', ...extra };
  return db.prepare(`INSERT INTO sessions (${Object.keys(cols).join(', ')}) VALUES (${Object.keys(cols).map((_, i) => `?${i + 1}`).join(', ')})`).bind(...Object.values(cols));
}
function legacyEvent(db: D1Database, sessionId: string, type: string, ts: number, data: string | null = null) {
  return db.prepare('INSERT INTO events (session_id, site_id, type, ts, data) VALUES (?1, ?2, ?3, ?4, ?5)').bind(sessionId, 'legacy_site', type, ts, data);
}

function runScript(script: string, args: string[], env: Record<string, string>): Promise<{ status: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('node', [script, ...args], { env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ status: code ?? 1, out }));
  });
}

describe('D1 migration tooling', () => {
  let stack: Stack;
  let d1: D1Database;
  const t0 = Date.parse('2025-03-01T10:00:00.000Z');

  before(async () => {
    stack = await startStack({ d1: true });
    d1 = await stack.d1();
  });
  after(() => stack?.close());

  describe('backfill of event aggregates', () => {
    before(async () => {
      await d1.batch([
        legacySession(d1, 'legacy_sess_1', 'legacy_site', '2025-03-01T10:00:00.000Z'),
        legacySession(d1, 'legacy_sess_2', 'legacy_site', '2025-03-01T11:00:00.000Z', { event_count: 1, page_views: 1, clicks: 0, max_scroll_percent: 0 }),
        legacySession(d1, 'cached_sess_1', 'legacy_site', '2025-03-02T11:00:00.000Z', { event_count: 7, page_views: 3, updated_at: '2025-03-02T11:05:00.000Z' }),
        legacyEvent(d1, 'legacy_sess_1', 'page_view', t0 + 1, '{"url":"https://legacy.example/"}'),
        legacyEvent(d1, 'legacy_sess_1', 'click', t0 + 2, '{"selector":"a"}'),
        legacyEvent(d1, 'legacy_sess_1', 'scroll', t0 + 3, '{"scroll_percent":40}'),
        legacyEvent(d1, 'legacy_sess_1', 'scroll', t0 + 4, '{"scroll_percent":85.5}'),
        legacyEvent(d1, 'legacy_sess_1', 'page_view', t0 + 5, 'not json'),
        legacyEvent(d1, 'legacy_sess_1', 'click', t0 + 6, null),
        legacyEvent(d1, 'legacy_sess_2', 'page_view', t0 + 7, '{}'),
        legacyEvent(d1, 'no_such_session', 'page_view', t0 + 8, '{}'),
      ]);
    });
    const row = (id: string) => d1.prepare('SELECT event_count, page_views, clicks, max_scroll_percent FROM sessions WHERE id = ?1').bind(id).first();

    it('reports what it would change on a dry run and changes nothing', async () => {
      const report = await backfillEventAggregates(d1, { dryRun: true });
      assert.deepEqual(report, { sessions_with_events: 3, updated: 1, unchanged: 1, missing_session_row: 1, dry_run: true });
      assert.deepEqual(await row('legacy_sess_1'), { event_count: 0, page_views: 0, clicks: 0, max_scroll_percent: 0 });
    });

    it('recounts sessions from their legacy events, leaving sessions without legacy events alone', async () => {
      const report = await backfillEventAggregates(d1, { pageSize: 2 });
      assert.equal(report.updated, 1);
      assert.deepEqual(await row('legacy_sess_1'), { event_count: 6, page_views: 2, clicks: 2, max_scroll_percent: 85.5 });
      assert.deepEqual(await row('legacy_sess_2'), { event_count: 1, page_views: 1, clicks: 0, max_scroll_percent: 0 });
      assert.deepEqual(await row('cached_sess_1'), { event_count: 7, page_views: 3, clicks: 0, max_scroll_percent: 0 });
    });

    it('changes nothing when run again', async () => {
      const report = await backfillEventAggregates(d1);
      assert.deepEqual([report.updated, report.unchanged], [0, 2]);
    });
  });

  describe('copy from D1 to Postgres', () => {
    before(async () => {
      await d1.batch([
        d1.prepare(`INSERT INTO sites (id, name, domain, created_at, allowed_origins, replay_enabled, replay_sample_rate, retention_days, respect_dnt)
                    VALUES ('legacy_site', 'Legacy', 'legacy.example', '2024-01-02 03:04:05', '["https://legacy.example"]', 1, 0.25, 90, 0)`),
        d1.prepare(`INSERT INTO sites (id, name, domain) VALUES ('bad site!', 'Bad', 'bad.example')`),
        legacySession(d1, 'ghost_sess_1', 'ghost_site', '2025-03-01T10:00:00.000Z'),
        legacySession(d1, 'short', 'legacy_site', '2025-03-01T10:00:00.000Z'),
        legacySession(d1, 'sqlite_time_1', 'legacy_site', '2025-03-03 08:00:00', { ended_at: '2025-03-03 08:10:00' }),
        d1.prepare(`INSERT INTO users (id, email, name, role) VALUES ('u_admin', 'Boss@Legacy.Example', 'Boss', 'admin'), ('u_plain', 'plain@legacy.example', NULL, 'viewer'), ('u_dupe', 'taken@example.com', 'Dupe', 'user')`),
        d1.prepare(`INSERT INTO deployments (version, environment, deployed_at, commit_sha, status) VALUES ('0.8.0', 'production', '2025-01-01T00:00:00.000Z', 'aaa111', 'success'), ('0.8.1', 'production', '2025-01-08T00:00:00.000Z', NULL, 'failed')`),
      ]);
      await stack.db.query(`INSERT INTO "user" (id, name, email) VALUES ('pg_user', 'Taken', 'taken@example.com')`);
    });

    it('copies valid rows, skips and names the invalid ones, and verifies the counts', async () => {
      // A session Postgres already has keeps its Postgres values.
      await stack.db.query(`INSERT INTO sites (id, name, domain) VALUES ('legacy_site', 'Renamed in Postgres', 'legacy.example')`);
      await stack.db.query(`INSERT INTO sessions (id, site_id, started_at, last_seen_at, event_count) VALUES ('legacy_sess_2', 'legacy_site', now(), now(), 42)`);

      const report = (await migrateD1ToPostgres(d1, stack.db, { pageSize: 2 })) as Record<string, Record<string, number | boolean>>;
      const pick = (t: string) => [report[t].d1_rows, report[t].copied, report[t].already_there, report[t].skipped, report[t].ok];
      assert.deepEqual(pick('sites'), [2, 0, 1, 1, true]);
      assert.deepEqual(pick('sessions'), [6, 3, 1, 2, true]);
      assert.deepEqual(pick('users'), [3, 2, 1, 0, true]);
      assert.deepEqual(pick('deployments'), [2, 2, 0, 0, true]);

      const site = await stack.db.query(`SELECT name FROM sites WHERE id = 'legacy_site'`);
      assert.equal(site.rows[0].name, 'Renamed in Postgres', 'Postgres wins');
      const kept = await stack.db.query(`SELECT event_count FROM sessions WHERE id = 'legacy_sess_2'`);
      assert.equal(kept.rows[0].event_count, 42);
      const copied = await stack.db.query(`SELECT event_count, page_views, clicks, max_scroll_percent FROM sessions WHERE id = 'legacy_sess_1'`);
      assert.deepEqual(copied.rows[0], { event_count: 6, page_views: 2, clicks: 2, max_scroll_percent: 85.5 });
      const timed = await stack.db.query(`SELECT started_at, last_seen_at, ended_at, duration_ms FROM sessions WHERE id = 'sqlite_time_1'`);
      assert.deepEqual(
        [timed.rows[0].started_at.toISOString(), timed.rows[0].last_seen_at.toISOString(), Number(timed.rows[0].duration_ms)],
        ['2025-03-03T08:00:00.000Z', '2025-03-03T08:10:00.000Z', 600_000],
      );
      const users = await stack.db.query(`SELECT id, email, name, role FROM "user" WHERE id IN ('u_admin', 'u_plain') ORDER BY id`);
      assert.deepEqual(users.rows, [
        { id: 'u_admin', email: 'boss@legacy.example', name: 'Boss', role: 'admin' },
        { id: 'u_plain', email: 'plain@legacy.example', name: 'plain', role: 'user' },
      ]);
      const deployments = await stack.db.query(`SELECT version, status FROM deployment_history ORDER BY deployed_at`);
      assert.deepEqual(deployments.rows, [{ version: '0.8.0', status: 'success' }, { version: '0.8.1', status: 'failed' }]);
    });

    it('copies nothing when run again and still verifies', async () => {
      const report = (await migrateD1ToPostgres(d1, stack.db)) as Record<string, { copied: number; ok: boolean }>;
      for (const [table, r] of Object.entries(report)) assert.deepEqual([table, r.copied, r.ok], [table, 0, true]);
    });

    it('runs from the command line against a local D1 through wrangler', async () => {
      const persist = mkdtempSync(join(tmpdir(), 'edgereplay-wrangler-d1-'));
      try {
        const applied = spawnSync('npx', ['wrangler', 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist], { env: { ...process.env, CI: 'true' }, encoding: 'utf8' });
        assert.equal(applied.status, 0, applied.stderr);
        const local = wranglerD1({ persistTo: persist });
        await local.batch([
          local.prepare(`INSERT INTO sites (id, name, domain) VALUES ('cli_site', 'It''s the CLI', 'cli.example')`),
          local.prepare(`INSERT INTO sessions (id, site_id, started_at) VALUES ('cli_session_1', 'cli_site', '2025-05-05T05:05:05.000Z')`),
        ]);
        const r = await runScript('scripts/migrate-d1-to-postgres.mjs', ['--local', '--persist-to', persist], { DATABASE_URL: stack.pg.superUrl });
        assert.equal(r.status, 0, r.out);
        const { rows } = await stack.db.query(`SELECT s.name, x.started_at FROM sites s JOIN sessions x ON x.site_id = s.id WHERE s.id = 'cli_site'`);
        assert.deepEqual([rows[0].name, rows[0].started_at.toISOString()], ["It's the CLI", '2025-05-05T05:05:05.000Z']);
      } finally {
        rmSync(persist, { recursive: true, force: true });
      }
    });
  });

  describe('dropping the legacy events table', () => {
    it('is not among the migrations wrangler applies by itself', () => {
      assert.ok(d1MigrationFiles().every((f) => !f.includes('drop_events')));
      assert.ok(d1MigrationFiles().includes('0022_create_cache_schema.sql'));
    });

    it('refuses while events were written less than 90 days ago, even when confirmed', async () => {
      await d1.batch([legacyEvent(d1, 'legacy_sess_1', 'click', Date.now() - 10 * DAY_MS)]);
      const result = await dropEventsTable(d1, { trackerMigrated: true, replayVerified: true });
      assert.equal(result.dropped, false);
      assert.match(result.reason, /10 days ago/);
      assert.equal((await inspectEvents(d1)).exists, true);
      await d1.prepare('DELETE FROM events WHERE ts > ?1').bind(Date.now() - 90 * DAY_MS).run();
    });

    it('refuses without both confirmations once the table is quiet', async () => {
      const result = await dropEventsTable(d1, { trackerMigrated: true });
      assert.equal(result.dropped, false);
      assert.match(result.reason, /replay-verified/);
      assert.ok((await inspectEvents(d1)).quiet_days >= 90);
    });

    it('drops the table and records the step when every condition holds', async () => {
      const result = await dropEventsTable(d1, { trackerMigrated: true, replayVerified: true });
      assert.equal(result.dropped, true);
      assert.equal((await inspectEvents(d1)).exists, false);
      const recorded = await d1.prepare(`SELECT name FROM d1_migrations WHERE name = 'manual/0021_drop_events_table.sql'`).first();
      assert.ok(recorded);
      assert.equal((await dropEventsTable(d1, { trackerMigrated: true, replayVerified: true })).dropped, false);
    });
  });
});
