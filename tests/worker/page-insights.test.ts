// Page insights in Postgres: click cells, scroll depth, rage and dead clicks,
// error groups and page snapshots, all added by the batch's one statement.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { resetStatements, seedSite, startStack, workerStatements, type Stack } from './harness/stack.ts';
import { sendBatch, startSession } from './harness/session.ts';
import { pageView, scroll, type Event } from './harness/factories.ts';
import { asToken, asUser, errorCode, logIn, makeAdmin } from './harness/accounts.ts';

const click = (ts: number, x: number, y: number, w: number, selector = 'div.card'): Event => ({ type: 'click', ts, x, y, w, selector });
const error = (ts: number, message: string, source = 'https://shop.example/app.js'): Event => ({ type: 'error', ts, message, source });
const rrweb = (ts: number, data: object): Event => ({ type: 'rrweb', ts, data });
const mouse = (ts: number) => rrweb(ts, { type: 3, data: { source: 1, positions: [] }, timestamp: ts });

describe('page insights', () => {
  let stack: Stack;
  let siteId: string;
  let token: string;
  let otherToken: string;

  before(async () => {
    stack = await startStack();
    ({ siteId, token } = await seedSite(stack, 'site_insights', { replay_enabled: true }));
    ({ token: otherToken } = await seedSite(stack, 'site_elsewhere'));
  });
  const api = async (path: string, as = token) => {
    const res = await asToken(stack, as, path);
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const today = () => new Date().toISOString().slice(0, 10);
  after(() => stack?.close());

  async function rows(query: string, params: unknown[] = []) {
    return (await stack.db.query(query, params)).rows;
  }

  it('rolls clicks up per page, day, width and cell, once per seq, in one write per batch', async () => {
    const s = await startSession(stack, siteId);
    const t = Date.parse(s.session_started_at);
    await resetStatements(stack);
    const events = [pageView(t + 1, 'https://example.com/cells'), click(t + 2, 640, 120, 1280), click(t + 3, 700, 130, 1400), click(t + 4, 10, 10, 390)];
    assert.equal((await sendBatch(stack, s, 0, events)).status, 202);
    assert.equal((await sendBatch(stack, s, 0, events)).status, 202); // a retry
    const stats = await workerStatements(stack);
    assert.equal(stats.reads, 0);
    assert.equal(stats.writes, 2);
    const cells = await rows(`SELECT width, x, y, clicks FROM click_cells_daily WHERE site_id = $1 AND path = '/cells' ORDER BY width`, [siteId]);
    assert.deepEqual(cells, [
      { width: 'desktop', x: 12, y: 2, clicks: 2 },
      { width: 'phone', x: 0, y: 0, clicks: 1 },
    ]);
  });

  it('gives clicks and scrolling before a batch’s first page view to the page already open', async () => {
    const s = await startSession(stack, siteId);
    const t = Date.parse(s.session_started_at);
    await sendBatch(stack, s, 0, [pageView(t + 1, 'https://example.com/open'), scroll(t + 2, 35)]);
    await sendBatch(stack, s, 1, [click(t + 3, 50, 50, 1280), scroll(t + 4, 80), pageView(t + 5, 'https://example.com/next'), scroll(t + 6, 10)]);
    const cells = await rows(`SELECT path, clicks FROM click_cells_daily WHERE site_id = $1 AND path IN ('/open', '/next')`, [siteId]);
    assert.deepEqual(cells, [{ path: '/open', clicks: 1 }]);
    const depth = await rows(`SELECT path, depth, page_views FROM scroll_depth_daily WHERE site_id = $1 AND path IN ('/open', '/next') ORDER BY path, depth`, [siteId]);
    // /open reached 0..3 in the first batch and 4..8 in the second: each depth once.
    assert.deepEqual(depth.filter((r) => r.path === '/open').map((r) => [r.depth, r.page_views]), [0, 1, 2, 3, 4, 5, 6, 7, 8].map((d) => [d, 1]));
    assert.deepEqual(depth.filter((r) => r.path === '/next').map((r) => [r.depth, r.page_views]), [[0, 1], [1, 1]]);
  });

  it('counts rage and dead clicks with the moment of the latest one', async () => {
    const s = await startSession(stack, siteId);
    const t = Date.parse(s.session_started_at);
    const events = [
      pageView(t + 1, 'https://example.com/issues'),
      mouse(t + 2),
      click(t + 100, 300, 300, 1280, 'button#pay'),
      click(t + 300, 302, 301, 1280, 'button#pay'),
      click(t + 500, 301, 299, 1280, 'button#pay'),
      click(t + 2000, 50, 900, 1280, 'div.hero>p'),
      mouse(t + 3500),
    ];
    assert.equal((await sendBatch(stack, s, 0, events)).status, 202);
    const issues = await rows(
      `SELECT kind, selector, clicks, last_session_id, last_ts::float8 AS last_ts FROM click_issues_daily WHERE site_id = $1 AND path = '/issues' ORDER BY kind`,
      [siteId],
    );
    assert.deepEqual(issues, [
      { kind: 'dead', selector: 'div.hero>p', clicks: 1, last_session_id: s.session_id, last_ts: t + 2000 },
      { kind: 'rage', selector: 'button#pay', clicks: 1, last_session_id: s.session_id, last_ts: t + 500 },
    ]);
  });

  it('groups errors by normalised message and source, one row per session', async () => {
    const a = await startSession(stack, siteId);
    const b = await startSession(stack, siteId);
    const ta = Date.parse(a.session_started_at);
    const tb = Date.parse(b.session_started_at);
    await sendBatch(stack, a, 0, [pageView(ta + 1, 'https://example.com/checkout'), error(ta + 2, 'Uncaught Error: cart 17 missing'), error(ta + 3, 'Error: cart 18 missing')]);
    await sendBatch(stack, a, 1, [error(ta + 4, 'Error: cart 19 missing')]);
    await sendBatch(stack, b, 0, [pageView(tb + 1, 'https://example.com/checkout'), error(tb + 2, 'Error: cart 5 missing')]);
    const groups = await rows(
      `SELECT fingerprint, message, count(*)::int AS sessions, sum(occurrences)::int AS n, min(path) AS path
       FROM error_sessions WHERE site_id = $1 GROUP BY fingerprint, message`,
      [siteId],
    );
    assert.equal(groups.length, 1);
    assert.equal(groups[0].message, 'Error: cart <n> missing');
    assert.equal(groups[0].sessions, 2);
    assert.equal(groups[0].n, 4);
    assert.equal(groups[0].path, '/checkout');
  });

  it('remembers the latest full snapshot per page and width, and the single-session clear takes its rollups back', async () => {
    const s = await startSession(stack, siteId);
    const t = Date.parse(s.session_started_at);
    const events = [
      pageView(t + 1, 'https://example.com/snap'),
      rrweb(t + 2, { type: 4, data: { href: 'https://example.com/snap', width: 800, height: 600 }, timestamp: t + 2 }),
      rrweb(t + 3, { type: 2, data: { node: { type: 0, childNodes: [], id: 1 }, initialOffset: { left: 0, top: 0 } }, timestamp: t + 3 }),
      click(t + 4, 400, 100, 800),
    ];
    assert.equal((await sendBatch(stack, s, 0, events)).status, 202);
    const snaps = await rows(`SELECT width, session_id, seq, i, viewport_width FROM page_snapshots WHERE site_id = $1 AND path = '/snap'`, [siteId]);
    assert.deepEqual(snaps, [{ width: 'tablet', session_id: s.session_id, seq: 0, i: 2, viewport_width: 800 }]);

    const heat = await api(`/api/insights/heatmap?site_id=${siteId}&path=/snap&width=tablet&to=${today()}`);
    assert.equal(heat.status, 200);
    assert.deepEqual(heat.body.cells, [{ x: 12, y: 2, clicks: 1 }]);
    assert.equal(heat.body.snapshot.session_id, s.session_id);
    const page = await api(`/api/insights/heatmap/snapshot?site_id=${siteId}&path=/snap&width=tablet`);
    assert.equal(page.status, 200);
    assert.deepEqual(page.body.events.map((e: { type: number }) => e.type), [4, 2]);
    assert.equal(page.body.events[0].data.width, 800);
    assert.deepEqual(page.body.events[1].data.node, { type: 0, childNodes: [], id: 1 });
    const none = await asToken(stack, token, `/api/insights/heatmap/snapshot?site_id=${siteId}&path=/snap&width=phone`);
    assert.equal(none.status, 404);
    assert.equal(await errorCode(none), 'no_snapshot');

    await makeAdmin(stack, 'insights-admin@example.com', 'admin-password-1');
    const admin = await logIn(stack, 'insights-admin@example.com', 'admin-password-1');
    const res = await asUser(stack, admin, '/api/admin/storage/clear', { method: 'POST', body: { session_id: s.session_id, confirm: s.session_id } });
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(await rows(`SELECT clicks FROM click_cells_daily WHERE site_id = $1 AND path = '/snap'`, [siteId]), [{ clicks: 0 }]);
    assert.deepEqual(await rows(`SELECT * FROM page_snapshots WHERE session_id = $1`, [s.session_id]), []);
  });

  it('counts a page view that never scrolled as having reached the top of its page only', async () => {
    const s = await startSession(stack, siteId);
    const t = Date.parse(s.session_started_at);
    await sendBatch(stack, s, 0, [pageView(t + 1, 'https://example.com/unscrolled')]);
    const depth = await api(`/api/insights/scroll?site_id=${siteId}&path=/unscrolled`);
    assert.equal(depth.status, 200);
    assert.equal(depth.body.page_views, 1);
    assert.deepEqual(depth.body.depths.slice(0, 2).map((d: { depth: number; share: number; page_views: number }) => [d.depth, d.page_views, d.share]), [
      [0, 1, 1], [10, 0, 0],
    ]);
  });

  it('answers the insight routes for the caller’s own sites only, with precise errors', async () => {
    const s = await startSession(stack, siteId);
    const t = Date.parse(s.session_started_at);
    await sendBatch(stack, s, 0, [pageView(t + 1, 'https://example.com/routes'), click(t + 2, 100, 75, 1280), scroll(t + 3, 55), error(t + 4000, 'RangeError: page 7 out of range')]);

    const heat = await api(`/api/insights/heatmap?site_id=${siteId}&path=/routes&to=${today()}`);
    assert.equal(heat.status, 200);
    assert.equal(heat.body.width, 'desktop');
    assert.deepEqual(heat.body.grid, { columns: 24, row_px: 50, rows: 200 });
    assert.deepEqual(heat.body.cells, [{ x: 1, y: 1, clicks: 1 }]);
    assert.deepEqual(heat.body.clicks_by_width, { phone: 0, tablet: 0, desktop: 1 });
    assert.equal(heat.body.snapshot, null);

    const depth = await api(`/api/insights/scroll?site_id=${siteId}&path=/routes`);
    assert.equal(depth.status, 200);
    assert.equal(depth.body.page_views, 1);
    assert.deepEqual(depth.body.depths.map((d: { depth: number; share: number }) => [d.depth, d.share]), [
      [0, 1], [10, 1], [20, 1], [30, 1], [40, 1], [50, 1], [60, 0], [70, 0], [80, 0], [90, 0], [100, 0],
    ]);

    const errors = await api(`/api/insights/errors?site_id=${siteId}`);
    const group = errors.body.groups.find((g: { message: string }) => g.message === 'RangeError: page <n> out of range');
    assert.ok(group, JSON.stringify(errors.body));
    assert.equal(group.sessions, 1);
    assert.equal(group.occurrences, 1);
    assert.deepEqual(group.browsers, [{ browser: 'Chrome', sessions: 1 }]);
    assert.equal(group.moments[0].session_id, s.session_id);
    assert.equal(group.moments[0].t, 3.9); // 4 s after start, the first event 1 ms after it

    const issues = await api(`/api/insights/clicks?site_id=${siteId}&kind=rage`);
    assert.equal(issues.status, 200);
    assert.ok(Array.isArray(issues.body.issues));

    assert.equal((await stack.fetch(`/api/insights/heatmap?site_id=${siteId}&path=/routes`)).status, 401);
    // Another site's token does not learn that this site exists.
    const foreign = await asToken(stack, otherToken, `/api/insights/errors?site_id=${siteId}`);
    assert.equal(foreign.status, 404);
    for (const [query, code] of [
      [`heatmap?site_id=${siteId}`, 'bad_request'],
      [`heatmap?site_id=${siteId}&path=/x&width=watch`, 'bad_request'],
      [`heatmap?site_id=${siteId}&path=nope`, 'bad_request'],
      [`clicks?site_id=${siteId}&kind=angry`, 'bad_request'],
      [`scroll?path=/x`, 'bad_request'],
    ]) {
      const res = await asToken(stack, token, `/api/insights/${query}`);
      assert.equal(res.status, 400, query);
      assert.equal(await errorCode(res), code);
    }
  });

  // The model: every click in its cell, and each page view's deepest scroll
  // reaching every depth up to it, whatever batches carried them.
  const PATHS = ['/a', '/b', '/c'];
  const WIDTHS = [390, 900, 1440];
  const bucketOf = (w: number) => (w < 768 ? 'phone' : w < 1024 ? 'tablet' : 'desktop');
  const pageViewArb = fc.record({
    path: fc.nat(PATHS.length - 1),
    width: fc.nat(WIDTHS.length - 1),
    clicks: fc.array(fc.record({ x: fc.nat(1439), y: fc.nat(12_000) }), { maxLength: 4 }),
    scrolls: fc.uniqueArray(fc.integer({ min: 0, max: 100 }), { maxLength: 4 }).map((xs) => xs.sort((a, b) => a - b)),
  });
  let propertySite = 0;

  it('equals a recount of the visits however they were cut into batches, retried or followed by a new page', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(pageViewArb, { minLength: 1, maxLength: 5 }), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), async (views, cuts, retries) => {
        const { siteId: site } = await seedSite(stack, `site_prop_${propertySite++}`);
        const s = await startSession(stack, site);
        let t = Date.parse(s.session_started_at) + 1;
        const events: Event[] = [];
        const cells = new Map<string, number>();
        const reach = new Map<string, number>();
        for (const v of views) {
          const path = PATHS[v.path];
          const w = Math.min(WIDTHS[v.width], 1440);
          events.push(pageView((t += 2000), `https://example.com${path}`));
          // Clicks 2 s apart never make a rage click; the tracker sends only growing depths.
          for (const c of v.clicks) {
            const x = Math.min(c.x, w - 1);
            events.push(click((t += 2000), x, c.y, w, 'a.link'));
            const key = `${path}|${bucketOf(w)}|${Math.min(23, Math.floor((x * 24) / w))}|${Math.min(199, Math.floor(c.y / 50))}`;
            cells.set(key, (cells.get(key) ?? 0) + 1);
          }
          for (const pct of v.scrolls) events.push(scroll((t += 2000), pct));
          if (v.scrolls.length) {
            const deepest = Math.min(10, Math.floor(v.scrolls[v.scrolls.length - 1] / 10));
            for (let d = 0; d <= deepest; d++) reach.set(`${path}|${d}`, (reach.get(`${path}|${d}`) ?? 0) + 1);
          }
        }
        // Cut where the tracker might (any event boundary), send in order, retry some.
        let seq = 0;
        let batch: Event[] = [];
        for (let k = 0; k < events.length; k++) {
          batch.push(events[k]);
          if (k === events.length - 1 || cuts[k % cuts.length]) {
            assert.equal((await sendBatch(stack, s, seq, batch)).status, 202);
            if (retries[seq % retries.length]) assert.equal((await sendBatch(stack, s, seq, batch)).status, 202);
            seq++;
            batch = [];
          }
        }
        const gotCells = new Map<string, number>();
        for (const r of await rows(`SELECT path, width, x, y, sum(clicks)::int AS n FROM click_cells_daily WHERE site_id = $1 GROUP BY 1, 2, 3, 4`, [site])) {
          gotCells.set(`${r.path}|${r.width}|${r.x}|${r.y}`, r.n);
        }
        assert.deepEqual(gotCells, cells);
        const gotReach = new Map<string, number>();
        for (const r of await rows(`SELECT path, depth, sum(page_views)::int AS n FROM scroll_depth_daily WHERE site_id = $1 GROUP BY 1, 2`, [site])) {
          gotReach.set(`${r.path}|${r.depth}`, r.n);
        }
        assert.deepEqual(gotReach, reach);
        const [totals] = await rows(`SELECT COALESCE(sum(clicks), 0)::int AS n FROM click_pages_daily WHERE site_id = $1`, [site]);
        assert.equal(totals.n, [...cells.values()].reduce((a, b) => a + b, 0));
      }),
      { numRuns: Number(process.env.INSIGHT_RUNS ?? 8), endOnFailure: true },
    );
  });
});
