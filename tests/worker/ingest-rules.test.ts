// The ingest contract of ARCHITECTURE.md §4–§5: idempotent retries, keys from
// the session start date, refusals that change nothing, R2 before any 2xx.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resetStatements, seedSite, startStack, workerStatements, type Stack } from './harness/stack.ts';
import { sendBatch, signToken, startSession } from './harness/session.ts';
import { batchBody, click, mixedEvents, pageView } from './harness/factories.ts';
import { chunkKey, dayPrefix, rootPrefix } from './harness/stored.ts';

describe('ingest', () => {
  let stack: Stack;
  let siteId: string;

  before(async () => {
    stack = await startStack({ probe: true });
    ({ siteId } = await seedSite(stack));
    await seedSite(stack, 'site_other');
  });
  after(() => stack?.close());
  beforeEach(() => stack.probe.reset());

  async function sessionRow(id: string) {
    const { rows } = await stack.db.query('SELECT event_count, page_views, clicks, ARRAY(SELECT generate_series(lower(r), upper(r) - 1) FROM unnest(applied) AS r) AS applied_seqs, chunks FROM sessions WHERE id = $1', [id]);
    return rows[0];
  }
  async function objectCount() {
    return (await (await stack.bucket()).list({ prefix: rootPrefix('sessions') })).objects.length;
  }
  async function errorOf(res: Response) {
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(typeof body.error.message, 'string');
    return body.error.code;
  }

  it('counts the same seq sent twice once', async () => {
    const s = await startSession(stack, siteId);
    const t = Date.parse(s.session_started_at);
    const events = [pageView(t + 1), click(t + 2)];
    const first = await sendBatch(stack, s, 0, events);
    assert.equal(first.status, 202);
    const again = await sendBatch(stack, s, 0, events);
    assert.equal(again.status, 202);
    assert.equal(((await again.json()) as { duplicate: boolean }).duplicate, true);
    const row = await sessionRow(s.session_id);
    assert.equal(row.event_count, 2);
    assert.deepEqual(row.applied_seqs, [0]);
    const replay = await (await stack.bucket()).list({ prefix: dayPrefix(s.session_id, s.session_started_at) });
    assert.equal(replay.objects.length, 1);
  });

  it('applies batches that arrive out of order, each once', async () => {
    const s = await startSession(stack, siteId);
    const t = Date.parse(s.session_started_at);
    for (const seq of [2, 0, 1, 2, 0]) assert.equal((await sendBatch(stack, s, seq, [pageView(t + seq)])).status, 202);
    const row = await sessionRow(s.session_id);
    assert.equal(row.page_views, 3);
    assert.deepEqual([...row.applied_seqs].sort(), [0, 1, 2]);
  });

  it('keeps batches with events after midnight UTC under the start date', async () => {
    const midnight = Date.now() - (Date.now() % 86_400_000);
    const startedAt = new Date(midnight - 10_000).toISOString();
    const session = { session_id: 'midnight_session_01', session_started_at: startedAt, token: signToken(siteId, 'midnight_session_01', startedAt) };
    const res = await sendBatch(stack, session, 0, [pageView(midnight - 5_000, 'https://example.com/before'), pageView(midnight + 5_000, 'https://example.com/after')]);
    assert.equal(res.status, 202, await res.clone().text());
    const head = await (await stack.bucket()).head(chunkKey('midnight_session_01', startedAt, 0));
    assert.ok(head, 'chunk stored under the start date');
    const { rows } = await stack.db.query(`SELECT to_char(day, 'YYYY-MM-DD') AS day, path FROM page_daily WHERE site_id = $1 AND path IN ('/before', '/after') ORDER BY path`, [siteId]);
    // The page rollup counts each view on its own day.
    assert.deepEqual(rows.map((r) => [r.path, r.day]), [
      ['/after', new Date(midnight).toISOString().slice(0, 10)],
      ['/before', startedAt.slice(0, 10)],
    ]);
  });

  describe('refuses, changing nothing,', () => {
    let s: Awaited<ReturnType<typeof startSession>>;
    let objectsBefore: number;
    let rowBefore: Record<string, unknown>;
    beforeEach(async () => {
      s ??= await startSession(stack, siteId);
      objectsBefore = await objectCount();
      rowBefore = await sessionRow(s.session_id);
      await resetStatements(stack);
    });
    async function assertUnchanged() {
      assert.equal(await objectCount(), objectsBefore);
      assert.deepEqual(await sessionRow(s.session_id), rowBefore);
      assert.equal((await workerStatements(stack)).writes, 0);
    }
    const t = () => Date.parse(s.session_started_at);

    it('a forged token', async () => {
      const res = await sendBatch(stack, { ...s, token: `${siteId}.${'A'.repeat(43)}` }, 0, [pageView(t())]);
      assert.equal(res.status, 403);
      assert.equal(await errorOf(res), 'bad_token');
      await assertUnchanged();
    });

    it("another session's token", async () => {
      const other = await startSession(stack, siteId);
      objectsBefore = await objectCount();
      await resetStatements(stack);
      const res = await sendBatch(stack, { ...s, token: other.token }, 0, [pageView(t())]);
      assert.equal(res.status, 403);
      assert.equal(await errorOf(res), 'bad_token');
      await assertUnchanged();
    });

    it("a token from another site's session", async () => {
      const foreign = await startSession(stack, 'site_other');
      objectsBefore = await objectCount();
      await resetStatements(stack);
      const res = await sendBatch(stack, { ...s, token: foreign.token }, 0, [pageView(t())]);
      assert.equal(res.status, 403);
      await assertUnchanged();
    });

    it('a token whose MAC is re-encoded with different padding bits', async () => {
      const last = s.token.slice(-1);
      const alias = s.token.slice(0, -1) + (last === 'A' ? 'B' : String.fromCharCode(last.charCodeAt(0) ^ 1));
      const res = await sendBatch(stack, { ...s, token: alias }, 0, [pageView(t())]);
      assert.equal(res.status, 403);
      await assertUnchanged();
    });

    it('a start time moved to another day', async () => {
      const moved = new Date(t() - 86_400_000 / 2).toISOString();
      const res = await sendBatch(stack, { ...s, session_started_at: moved }, 0, [pageView(t())]);
      assert.equal(res.status, 403);
      await assertUnchanged();
    });

    it('a bad session_id', async () => {
      const res = await sendBatch(stack, { ...s, session_id: '../../etc/passwd' }, 0, [pageView(t())]);
      assert.equal(res.status, 400);
      assert.equal(await errorOf(res), 'bad_session_id');
      await assertUnchanged();
    });

    it('an oversize body, before parsing it', async () => {
      const body = batchBody(s, 0, [pageView(t(), `https://example.com/${'x'.repeat(2 * 1024 * 1024)}`)]);
      const res = await stack.fetch('/track/events/batch', { method: 'POST', body });
      assert.equal(res.status, 413);
      assert.equal(await errorOf(res), 'payload_too_large');
      await assertUnchanged();
    });

    it('malformed JSON', async () => {
      const res = await stack.fetch('/track/events/batch', { method: 'POST', body: '{"session_id": "abc' });
      assert.equal(res.status, 400);
      assert.equal(await errorOf(res), 'bad_json');
      await assertUnchanged();
    });

    it('201 events', async () => {
      const res = await sendBatch(stack, s, 0, mixedEvents(t(), 201));
      assert.equal(res.status, 400);
      assert.equal(await errorOf(res), 'too_many_events');
      await assertUnchanged();
    });

    it('an unknown site at start', async () => {
      const res = await stack.fetch('/track/session/start', { method: 'POST', body: JSON.stringify({ site_id: 'nope', url: 'https://x.test/' }) });
      assert.equal(res.status, 404);
      assert.equal(await errorOf(res), 'unknown_site');
    });

    it('a disallowed Origin at start', async () => {
      const res = await stack.fetch('/track/session/start', {
        method: 'POST',
        headers: { origin: 'https://evil.test' },
        body: JSON.stringify({ site_id: siteId, url: 'https://evil.test/' }),
      });
      assert.equal(res.status, 403);
      assert.equal(await errorOf(res), 'origin_not_allowed');
    });
  });

  it('starts no session for a visitor sending DNT or Sec-GPC, unless the site opted out', async () => {
    for (const header of ['dnt', 'sec-gpc']) {
      const res = await stack.fetch('/track/session/start', { method: 'POST', headers: { [header]: '1' }, body: JSON.stringify({ site_id: siteId, url: 'https://example.com/' }) });
      assert.equal(res.status, 403);
      assert.equal(await errorOf(res), 'do_not_track');
    }
    await seedSite(stack, 'site_no_dnt');
    await stack.db.query(`UPDATE sites SET respect_dnt = false WHERE id = 'site_no_dnt'`);
    const res = await stack.fetch('/track/session/start', { method: 'POST', headers: { dnt: '1' }, body: JSON.stringify({ site_id: 'site_no_dnt', url: 'https://example.com/' }) });
    assert.equal(res.status, 200);
  });

  it('answers an allowed Origin with CORS headers', async () => {
    const res = await stack.fetch('/track/session/start', {
      method: 'POST',
      headers: { origin: 'https://www.example.com' },
      body: JSON.stringify({ site_id: siteId, url: 'https://www.example.com/' }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://www.example.com');
  });

  it('drops invalid events and stores the rest', async () => {
    const s = await startSession(stack, siteId);
    const t = Date.parse(s.session_started_at);
    const res = await sendBatch(stack, s, 0, [pageView(t), { type: 'bogus', ts: t } as never, { type: 'click', ts: t } as never, pageView(t + 10 * 86_400_000)]);
    assert.equal(res.status, 202);
    const body = (await res.json()) as { accepted: number; rejected: number; reasons: Record<string, number> };
    assert.deepEqual(body, { ...body, accepted: 1, rejected: 3 });
    assert.deepEqual(body.reasons, { unknown_type: 1, missing_field: 1, ts_out_of_window: 1 });
    assert.equal((await sessionRow(s.session_id)).event_count, 1);
  });

  it('answers 503 with Retry-After when R2 refuses the chunk, and applies no aggregate', async () => {
    const s = await startSession(stack, siteId);
    const before = await sessionRow(s.session_id);
    await resetStatements(stack);
    stack.probe.faults['r2/put'] = 'fail';
    const res = await sendBatch(stack, s, 0, [pageView(Date.parse(s.session_started_at))]);
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '5');
    assert.equal(await errorOf(res), 'storage_unavailable');
    assert.deepEqual(await sessionRow(s.session_id), before);
    assert.equal((await workerStatements(stack)).writes, 0);
    // The tracker's retry, once R2 is back, lands exactly once.
    stack.probe.faults['r2/put'] = 'ok';
    assert.equal((await sendBatch(stack, s, 0, [pageView(Date.parse(s.session_started_at))])).status, 202);
    assert.equal((await sessionRow(s.session_id)).event_count, 1);
  });

  it('never reads or writes the legacy D1 events table', async () => {
    const d1 = await stack.d1();
    const n = await d1.prepare('SELECT count(*) AS n FROM events').first<{ n: number }>();
    assert.equal(n?.n, 0);
  });
});

describe('without D1', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ d1: false });
  });
  after(() => stack?.close());

  it('reports degraded health and still ingests and lists from Postgres', async () => {
    const { siteId, token } = await seedSite(stack);
    const health = await stack.fetch('/health');
    assert.equal(health.status, 200);
    const body = (await health.json()) as { status: string; checks: Record<string, { status: string }> };
    assert.equal(body.status, 'degraded');
    assert.equal(body.checks.d1.status, 'missing');
    assert.equal(body.checks.postgres.status, 'ok');
    const s = await startSession(stack, siteId);
    assert.equal((await sendBatch(stack, s, 0, [pageView(Date.parse(s.session_started_at))])).status, 202);
    const list = await stack.fetch(`/api/sessions?site_id=${siteId}`, { headers: { authorization: `Bearer ${token}` } });
    const json = (await list.json()) as { sessions: { id: string; page_views: number }[]; source: string };
    assert.equal(json.source, 'database');
    assert.equal(json.sessions.find((x) => x.id === s.session_id)?.page_views, 1);
  });
});
