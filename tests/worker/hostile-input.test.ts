// Hostile input against the running Worker. Each request gets its precise
// status and JSON error, and R2 and Postgres show that nothing changed that
// should not have.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resetStatements, seedSite, startStack, workerStatements, type Stack } from './harness/stack.ts';
import { sendBatch, signToken, startSession } from './harness/session.ts';
import { batchBody, mixedEvents, pageView } from './harness/factories.ts';

// (A NUL is refused per event before anything is stored: see the NUL tests.)
const SQL_META = `'; DROP TABLE sessions; -- " \\ %_ $1`;

describe('hostile input', () => {
  let stack: Stack;
  let siteId: string;
  let s: Awaited<ReturnType<typeof startSession>>;
  let objects: number;
  let row: unknown;

  before(async () => {
    stack = await startStack({ probe: true, vars: { R2_PUT_TIMEOUT_MS: '1000' } });
    ({ siteId } = await seedSite(stack));
    await seedSite(stack, 'site_other');
    s = await startSession(stack, siteId);
  });
  after(() => stack?.close());

  const sessionRow = async (id = s.session_id) =>
    (await stack.db.query('SELECT event_count, page_views, clicks, ARRAY(SELECT generate_series(lower(r), upper(r) - 1) FROM unnest(applied) AS r) AS applied_seqs, bytes_stored FROM sessions WHERE id = $1', [id])).rows[0];
  const objectCount = async () => (await (await stack.bucket()).list()).objects.length;
  const t = () => Date.parse(s.session_started_at);
  const post = (body: BodyInit, path = '/track/events/batch', headers: Record<string, string> = {}) =>
    stack.fetch(path, { method: 'POST', body, headers });

  beforeEach(async () => {
    stack.probe.reset();
    objects = await objectCount();
    row = await sessionRow();
    await resetStatements(stack);
  });

  async function refused(res: Response, status: number, code: string) {
    assert.equal(res.status, status, await res.clone().text());
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, code);
    assert.ok(body.error.message.length > 0);
    assert.equal(await objectCount(), objects, 'R2 unchanged');
    assert.deepEqual(await sessionRow(), row, 'session unchanged');
    assert.equal((await workerStatements(stack)).writes, 0, 'no Postgres write');
  }

  const cases: [string, () => Promise<Response>, number, string][] = [
    ['malformed JSON', () => post('{"session_id":'), 400, 'bad_json'],
    ['a JSON array instead of an object', () => post('[1,2,3]'), 400, 'bad_json'],
    ['wrong types for the envelope', () => post(JSON.stringify({ session_id: 12345678, session_started_at: true, seq: 'x', events: {} })), 400, 'bad_session_id'],
    ['a seq that is not a whole number', () => post(batchBody(s, 1.5 as never, [pageView(t())])), 400, 'bad_seq'],
    ['a negative seq', () => post(batchBody(s, -1, [pageView(t())])), 400, 'bad_seq'],
    ['an empty events array', () => post(batchBody(s, 0, [])), 400, 'bad_events'],
    ['201 events', () => post(batchBody(s, 0, mixedEvents(t(), 201))), 400, 'too_many_events'],
    ['deep nesting', () => post(batchBody(s, 0, [{ type: 'custom', ts: t(), name: 'x', props: JSON.parse('{"a":'.repeat(200) + '1' + '}'.repeat(200)) }])), 400, 'too_deep'],
    ['invalid UTF-8 in the envelope', () => post(Buffer.concat([Buffer.from('{"session_id":"'), Buffer.from([0xc3, 0x28]), Buffer.from('","events":[]}')])), 400, 'bad_utf8'],
    ['a NUL byte in the session id', () => post(batchBody({ ...s, session_id: 'abc\u0000defgh' }, 0, [pageView(t())])), 400, 'bad_utf8'],
    ['a session id with ../', () => post(batchBody({ ...s, session_id: '../../../etc' }, 0, [pageView(t())])), 400, 'bad_session_id'],
    ['a session id with /', () => post(batchBody({ ...s, session_id: 'abc/defghij' }, 0, [pageView(t())])), 400, 'bad_session_id'],
    ['SQL meta-characters as session id', () => post(batchBody({ ...s, session_id: SQL_META }, 0, [pageView(t())])), 400, 'bad_session_id'],
    ['a forged token', () => post(batchBody({ ...s, token: `${siteId}.${'x'.repeat(43)}` }, 0, [pageView(t())])), 403, 'bad_token'],
    ["another site's token", () => post(batchBody({ ...s, token: signToken('site_other', 'other_session_1', s.session_started_at) }, 0, [pageView(t())])), 403, 'bad_token'],
    ['a token naming an unknown site', () => post(batchBody({ ...s, token: `nosuchsite.${s.token.split('.')[1]}` }, 0, [pageView(t())])), 403, 'bad_token'],
    ['session_started_at far in the future', () => {
      const at = new Date(Date.now() + 86_400_000).toISOString();
      return post(batchBody({ session_id: s.session_id, session_started_at: at, token: signToken(siteId, s.session_id, at) }, 0, [pageView(Date.now())]));
    }, 400, 'session_in_future'],
    ['session_started_at far in the past', () => {
      const at = new Date(Date.now() - 30 * 86_400_000).toISOString();
      return post(batchBody({ session_id: s.session_id, session_started_at: at, token: signToken(siteId, s.session_id, at) }, 0, [pageView(Date.now())]));
    }, 400, 'session_expired'],
    ['an impossible start date', () => post(batchBody({ ...s, session_started_at: '2026-02-30T00:00:00Z' }, 0, [pageView(t())])), 400, 'bad_session_started_at'],
    ['a body over the limit (refused before parsing)', () => post('x'.repeat(1024 * 1024 + 1)), 413, 'payload_too_large'],
    ['a streamed body without a length that grows over the limit', () => {
      const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
      let sent = 0;
      const body = new ReadableStream({
        pull(controller) {
          if (sent++ < 20) controller.enqueue(chunk);
          else controller.close();
        },
      });
      return stack.fetch('/track/events/batch', { method: 'POST', body, duplex: 'half' } as RequestInit);
    }, 413, 'payload_too_large'],
    ['an unknown site at start', () => post(JSON.stringify({ site_id: 'unknown_site', url: 'https://x.test/' }), '/track/session/start'), 404, 'unknown_site'],
    ['SQL meta-characters as site id at start', () => post(JSON.stringify({ site_id: SQL_META, url: 'https://x.test/' }), '/track/session/start'), 400, 'bad_request'],
    ['a disallowed origin at start', () => post(JSON.stringify({ site_id: siteId, url: 'https://evil.test/' }), '/track/session/start', { origin: 'https://evil.test' }), 403, 'origin_not_allowed'],
    ['a disallowed origin on a batch', () => post(batchBody(s, 0, [pageView(t())]), '/track/events/batch', { origin: 'https://evil.test' }), 403, 'origin_not_allowed'],
    ['a start body that is not JSON', () => post('site_id=x', '/track/session/start'), 400, 'bad_json'],
  ];
  for (const [name, send, status, code] of cases) {
    it(`refuses ${name} with ${status} ${code}`, async () => refused(await send(), status, code));
  }

  it('stores SQL meta-characters in every string field as plain data', async () => {
    const res = await post(
      batchBody(s, 7, [
        { type: 'page_view', ts: t() + 1, url: `https://example.com/${encodeURIComponent(SQL_META)}?q=${SQL_META}`, title: SQL_META },
        { type: 'click', ts: t() + 2, x: 1, y: 2, selector: SQL_META, text: SQL_META },
        { type: 'custom', ts: t() + 3, name: SQL_META, props: { [SQL_META]: SQL_META } },
        { type: 'error', ts: t() + 4, message: SQL_META, source: SQL_META },
        { type: 'visibility', ts: t() + 5, state: SQL_META },
      ]),
    );
    assert.equal(res.status, 202);
    assert.equal(((await res.json()) as { accepted: number }).accepted, 5);
    const { rows } = await stack.db.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'sessions'`);
    assert.equal(rows[0].n, 1, 'the sessions table is still there');
    const after = await sessionRow();
    assert.equal(after.event_count, (row as { event_count: number }).event_count + 5);
    const { rows: pages } = await stack.db.query('SELECT path FROM page_daily WHERE site_id = $1 AND path LIKE $2', [siteId, '/%DROP%']);
    assert.equal(pages.length, 1);
  });

  it('counts clicks and a viewport far past any integer at the farthest spot, without deferring the batch', async () => {
    // Once, such a number reached an int4 column of the page insights and
    // failed the batch's statement: a data error deferred, then quarantined.
    await seedSite(stack, 'site_far', { replay_enabled: true });
    await stack.db.query('UPDATE sites SET replay_sample_rate = 1 WHERE id = $1', ['site_far']);
    const far = await startSession(stack, 'site_far');
    const t0 = Date.parse(far.session_started_at);
    const click = (k: number) => ({ type: 'click', ts: t0 + 10 + k, x: 5e9, y: 1e300, w: 1280, selector: 'div.far' });
    const res = await sendBatch(stack, far, 0, [
      pageView(t0 + 1, 'https://example.com/far'),
      { type: 'rrweb', ts: t0 + 2, data: { type: 4, timestamp: t0 + 2, data: { href: 'https://example.com/far', width: 5e9, height: 1e300 } } },
      { type: 'rrweb', ts: t0 + 3, data: { type: 2, timestamp: t0 + 3, data: { node: { type: 0, id: 1, childNodes: [] }, initialOffset: { left: 0, top: 0 } } } },
      ...[0, 1, 2, 3].map(click),
    ] as never);
    assert.equal(res.status, 202, await res.clone().text());
    const body = (await res.json()) as { accepted: number; deferred: boolean };
    assert.deepEqual([body.accepted, body.deferred], [7, false]);
    const { rows } = await stack.db.query(`SELECT clicks, last_x, last_y FROM click_issues_daily WHERE site_id = 'site_far' AND kind = 'rage'`);
    assert.deepEqual(rows, [{ clicks: 1, last_x: 1e9, last_y: 1e9 }]);
    const snap = await stack.db.query(`SELECT viewport_width, viewport_height FROM page_snapshots WHERE site_id = 'site_far'`);
    assert.deepEqual(snap.rows, [{ viewport_width: 1e9, viewport_height: 1e9 }]);
  });

  it('drops an oversize event and keeps the rest of its batch', async () => {
    const big = { type: 'custom', ts: t() + 10, name: 'big', props: { blob: 'x'.repeat(600 * 1024) } };
    const res = await post(batchBody(s, 8, [pageView(t() + 11), big]));
    assert.equal(res.status, 202);
    const body = (await res.json()) as { accepted: number; reasons: Record<string, number> };
    assert.equal(body.accepted, 1);
    assert.deepEqual(body.reasons, { too_large: 1 });
  });

  it('drops events with invalid UTF-8 or NUL bytes inside and keeps the rest', async () => {
    const head = batchBody(s, 9, [pageView(t() + 12)]).slice(0, -2); // strip "]}"
    const body = Buffer.concat([
      Buffer.from(head + ',{"type":"custom","ts":' + (t() + 13) + ',"name":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"},{"type":"custom","ts":' + (t() + 14) + ',"name":"a\u0000b"}]}'.replace('\\u0000', '\u0000')),
    ]);
    const res = await post(body);
    assert.equal(res.status, 202);
    const json = (await res.json()) as { accepted: number; reasons: Record<string, number> };
    assert.equal(json.accepted, 1);
    assert.deepEqual(json.reasons, { bad_utf8: 2 });
  });

  it('counts a batch whose seq goes backwards once, and a repeat of it never', async () => {
    assert.equal((await post(batchBody(s, 20, [pageView(t() + 20)]))).status, 202);
    const back = await post(batchBody(s, 15, [pageView(t() + 15)]));
    assert.equal(back.status, 202);
    assert.equal(((await back.json()) as { duplicate: boolean }).duplicate, false);
    const again = await post(batchBody(s, 15, [pageView(t() + 15)]));
    assert.equal(((await again.json()) as { duplicate: boolean }).duplicate, true);
    const r = await sessionRow();
    assert.equal(r.page_views, (row as { page_views: number }).page_views + 2);
  });

  it('answers CORS preflights without touching any store', async () => {
    const res = await stack.fetch('/track/events/batch', {
      method: 'OPTIONS',
      headers: { origin: 'https://example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://example.com');
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.equal(await objectCount(), objects);
    assert.equal((await workerStatements(stack)).writes + (await workerStatements(stack)).reads, 0);
  });

  it('answers 503 with Retry-After when the R2 put hangs past its deadline, and applies nothing', async () => {
    stack.probe.faults['r2/put'] = 'hang';
    const started = Date.now();
    const res = await post(batchBody(s, 30, [pageView(t() + 30)]));
    stack.probe.faults['r2/put'] = 'ok';
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '5');
    assert.ok(Date.now() - started < 5000, 'answered at the deadline, not later');
    assert.deepEqual(await sessionRow(), row);
    assert.equal((await workerStatements(stack)).writes, 0);
  });
});

describe('rate limiting', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ trackRateLimit: 5 });
  });
  after(() => stack?.close());

  it('answers 429 with Retry-After once a client passes its per-site rate, and other clients go on', async () => {
    const { siteId } = await seedSite(stack);
    const statuses: number[] = [];
    for (let k = 0; k < 8; k++) {
      const res = await stack.fetch('/track/session/start', { method: 'POST', headers: { 'cf-connecting-ip': '203.0.113.7' }, body: JSON.stringify({ site_id: siteId, url: 'https://example.com/' }) });
      statuses.push(res.status);
      if (res.status === 429) {
        assert.equal(res.headers.get('retry-after'), '60');
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'rate_limited');
      }
    }
    assert.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200]);
    assert.ok(statuses.slice(5).every((x) => x === 429), statuses.join(','));
    const other = await stack.fetch('/track/session/start', { method: 'POST', headers: { 'cf-connecting-ip': '198.51.100.9' }, body: JSON.stringify({ site_id: siteId, url: 'https://example.com/' }) });
    assert.equal(other.status, 200);
    const { rows } = await stack.db.query('SELECT count(*)::int AS n FROM sessions');
    assert.equal(rows[0].n, 6);
  });
});
