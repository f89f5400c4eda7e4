// tracker.js in real Chromium against the Worker with real local R2, D1 and
// PostgreSQL: a test site with SPA routes, clicks, scrolling and a form.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { seedSite, startStack, type Stack } from '../worker/harness/stack.ts';
import { eventually } from '../worker/harness/session.ts';
import { everything, launchBrowser, requestText, serveSite, storedLines, watchSessions } from './harness.ts';

const TYPED = ['visitor-secret@example.com', 'hunter2-password', 'my private note'];

describe('tracker.js in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let site: Awaited<ReturnType<typeof serveSite>>;
  let siteId: string;

  before(async () => {
    // A 1-second batch interval keeps the test short; the tracker takes it from session/start.
    stack = await startStack({ listen: true, vars: { BATCH_INTERVAL_MS: '1000' } });
    ({ siteId } = await seedSite(stack, 'shop', { domain: 'shop.example', allowed_origins: ['127.0.0.1'] }));
    site = await serveSite(stack.url, siteId);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await stack?.close();
  });

  /** A page whose tracker sessions are watched from the first request on. */
  async function newPage(context: { newPage(): Promise<Page> } = browser) {
    const page = await context.newPage();
    return { page, sessions: watchSessions(page) };
  }

  async function sessionRow(id: string) {
    const { rows } = await stack.db.query('SELECT event_count, page_views, clicks, max_scroll_percent, ended_at, custom_events FROM sessions WHERE id = $1', [id]);
    return rows[0];
  }

  it('tracks SPA page views, clicks, scrolling and custom events, and keeps typed values out of R2', async () => {
    const { page, sessions } = await newPage();
    await page.goto(`${site.url}/`);
    const s = await sessions.latest();
    await page.click('#to-pricing');
    await page.click('#to-docs');
    await page.goBack(); // popstate: /pricing again
    await page.evaluate(() => (location.hash = '#faq')); // hashchange
    for (const [field, text] of [['#email', TYPED[0]], ['#password', TYPED[1]], ['#note', TYPED[2]]]) {
      await page.click(field);
      await page.keyboard.type(text);
    }
    await page.click('#submit');
    await page.click('#account');
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await page.waitForTimeout(100);
    await page.evaluate(() => (window as any).edgereplay('event', 'signup', { plan: 'pro' }));
    await page.evaluate(() => (window as any).edgereplay('end'));
    // The end and the batches before it land in any order: wait for all of them.
    const row = await eventually(() => sessionRow(s.session_id), (r) => Boolean(r?.ended_at) && r.page_views === 5 && r.custom_events === 2, 15_000);
    const bucket = await stack.bucket();
    const { raw, lines } = await storedLines(bucket, s.session_id);
    const of = (type: string) => lines.filter((l) => l.type === type);

    assert.deepEqual(
      of('page_view').map((l) => new URL(l.url).pathname + new URL(l.url).hash),
      ['/', '/pricing', '/docs', '/pricing', '/pricing#faq'],
    );
    const clicked = of('click').map((l) => l.selector);
    for (const id of ['a#to-pricing', 'a#to-docs', 'input#email', 'input#password', 'textarea#note', 'button#submit', 'p#account']) {
      assert.ok(clicked.includes(id), `click on ${id} recorded (got ${clicked.join(', ')})`);
    }
    assert.equal(of('click').find((l) => l.selector === 'button#submit')?.text, 'Sign up');
    assert.equal(of('click').find((l) => l.selector === 'p#account')?.text, undefined, 'masked element text is not sent');
    assert.ok(Math.max(...of('scroll').map((l) => l.scroll_percent)) >= 95);
    assert.deepEqual(of('custom').map((l) => [l.name, l.props]), [['queued_before_load', { source: 'snippet' }], ['signup', { plan: 'pro' }]]);

    for (const secret of [...TYPED, '4111-2222']) assert.ok(!raw.includes(secret), `${secret} must not reach R2`);
    for (const secret of TYPED) assert.ok(!(await everything(bucket)).includes(secret));

    assert.equal(row.event_count, lines.length);
    assert.equal(row.page_views, 5);
    assert.equal(row.clicks, of('click').length);
    assert.equal(row.custom_events, 2);
    assert.ok(row.max_scroll_percent >= 95);
    await page.close();
  });

  it('continues the same session across a reload', async () => {
    const { page, sessions } = await newPage();
    await page.goto(`${site.url}/docs`);
    const first = await sessions.latest();
    await eventually(() => sessionRow(first.session_id), (r) => r?.page_views === 1);
    await page.reload();
    await page.click('#to-home');
    const row = await eventually(() => sessionRow(first.session_id), (r) => r?.page_views === 3, 8000);
    assert.equal(row.page_views, 3); // /docs, /docs after the reload, /
    assert.equal(sessions.started.length, 1, 'the reloaded page started no session of its own');
    const { rows } = await stack.db.query('SELECT count(*)::int AS n FROM sessions WHERE id = $1', [first.session_id]);
    assert.equal(rows[0].n, 1);
    await page.close();
  });

  it('loses nothing while offline and sends it once back online', async () => {
    const context = await browser.newContext();
    const { page, sessions } = await newPage(context);
    await page.goto(`${site.url}/`);
    const s = await sessions.latest();
    await eventually(() => sessionRow(s.session_id), (r) => r?.page_views === 1);
    await context.setOffline(true);
    for (const id of ['#to-pricing', '#to-docs', '#submit']) await page.click(id);
    await page.waitForTimeout(2500); // at least two failed flushes
    const outbox = await page.evaluate(() => JSON.parse(localStorage.getItem('er_o') || '[]').length);
    assert.ok(outbox >= 1, 'unsent batches wait in localStorage');
    await context.setOffline(false);
    const row = await eventually(() => sessionRow(s.session_id), (r) => r?.clicks === 3 && r?.page_views === 3, 15000);
    assert.equal(row.clicks, 3);
    const { lines } = await storedLines(await stack.bucket(), s.session_id);
    const keys = lines.map((l) => `${l.seq}:${l.i}`);
    assert.equal(new Set(keys).size, keys.length, 'no event stored twice');
    await context.close();
  });

  it('gives a duplicated tab its own session: both tabs\' events are stored and counted', async () => {
    // A person (a regular desktop Chrome user agent, not the headless one)
    // duplicates a tab mid-visit: the browser copies the tab's sessionStorage
    // into the new one.
    const context = await browser.newContext({
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
    });
    const original = await newPage(context);
    await original.page.goto(`${site.url}/`);
    const first = await original.sessions.latest();
    await original.page.click('#to-pricing');
    const copied = await original.page.evaluate(() => JSON.stringify(Object.entries(sessionStorage)));
    const duplicate = await newPage(context);
    await duplicate.page.addInitScript((entries: string) => {
      for (const [k, v] of JSON.parse(entries) as [string, string][]) sessionStorage.setItem(k, v);
    }, copied);
    await duplicate.page.goto(`${site.url}/pricing`);
    const second = await duplicate.sessions.latest();
    assert.notEqual(second.session_id, first.session_id, 'the copy started a session of its own');
    // Both tabs go on clicking and navigating at the same time.
    for (const tab of [original.page, duplicate.page, original.page, duplicate.page]) await tab.click('#to-docs');
    await original.page.click('#submit');
    await duplicate.page.click('#to-home');
    for (const tab of [original.page, duplicate.page]) await tab.evaluate(() => (window as any).edgereplay('end'));
    const bucket = await stack.bucket();
    // Each tab's batches land in any order; wait until the end and every batch are in.
    const settled = await Promise.all(
      [first, second].map((s) =>
        eventually(
          async () => ({ row: await sessionRow(s.session_id), lines: (await storedLines(bucket, s.session_id)).lines }),
          ({ row, lines }) => Boolean(row?.ended_at) && row.clicks === lines.filter((l) => l.type === 'click').length && row.clicks >= 3,
          15_000,
        ),
      ),
    );
    const rows = settled.map((x) => x.row);
    for (const [k, { row, lines }] of settled.entries()) {
      assert.equal(row.event_count, lines.length, `session ${k}: counted = stored`);
      assert.equal(row.clicks, lines.filter((l) => l.type === 'click').length);
      assert.equal(row.page_views, lines.filter((l) => l.type === 'page_view').length);
    }
    // The original: /, /pricing, /docs (a second click on Docs stays there); the copy: /pricing, /docs, /.
    assert.equal(rows[0].page_views, 3);
    assert.equal(rows[1].page_views, 3);
    assert.equal(rows[0].clicks, 4);
    assert.equal(rows[1].clicks, 3);
    await context.close();
  });

  it('revalidates /tracker.js with 304 and serves the hashed copy immutable', async () => {
    const first = await fetch(`${stack.url}/tracker.js`);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('cache-control'), 'public, max-age=300');
    assert.match(first.headers.get('content-type') ?? '', /javascript/);
    const etag = first.headers.get('etag')!;
    const again = await fetch(`${stack.url}/tracker.js`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    const version = (await (await fetch(`${stack.url}/api/version`)).json()) as { tracker: string };
    const hashed = await fetch(`${stack.url}/tracker.${version.tracker}.js`);
    assert.equal(hashed.status, 200);
    assert.equal(hashed.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(await hashed.text(), await first.text());
    assert.equal((await fetch(`${stack.url}/tracker.0000000000.js`)).status, 404);
  });
});

describe('DOM replay in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let site: Awaited<ReturnType<typeof serveSite>>;

  before(async () => {
    stack = await startStack({ listen: true, vars: { BATCH_INTERVAL_MS: '1000' } });
    await seedSite(stack, 'replayed', { domain: 'replayed.example', allowed_origins: ['127.0.0.1'] });
    await stack.db.query(`UPDATE sites SET replay_enabled = true, replay_sample_rate = 1 WHERE id = 'replayed'`);
    site = await serveSite(stack.url, 'replayed');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await stack?.close();
  });

  it('loads the replay chunk for a sampled session and records the DOM with inputs masked', async () => {
    const page = await browser.newPage();
    const sessions = watchSessions(page);
    const chunk = page.waitForRequest((r) => /tracker-replay\.[0-9a-f]{10}\.js$/.test(r.url()));
    const snapshot = page.waitForRequest((r) => requestText(r).includes('"type":"rrweb"'));
    await page.goto(`${site.url}/`);
    await chunk;
    await snapshot; // the recorder runs and its full snapshot went out on its own
    await page.fill('#email', TYPED[0]);
    await page.click('#to-pricing');
    const s = await sessions.latest();
    await page.evaluate(() => (window as any).edgereplay('end'));
    await eventually(
      async () => (await stack.db.query('SELECT ended_at FROM sessions WHERE id = $1', [s.session_id])).rows[0],
      (r) => Boolean(r?.ended_at),
    );
    const bucket = await stack.bucket();
    const { lines, raw } = await eventually(
      async () => {
        const text = await everything(bucket);
        return { raw: text, lines: text.split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
      },
      (r) => r.lines.some((l) => l.type === 'rrweb' && l.data.type === 2) && r.lines.some((l) => l.type === 'click'),
    );
    const rrweb = lines.filter((l) => l.type === 'rrweb');
    assert.ok(rrweb.some((l) => l.data.type === 2), 'a full snapshot was stored');
    assert.ok(rrweb.length >= 3);
    assert.ok(!raw.includes(TYPED[0]), 'typed input is masked in the recording');
    assert.ok(!raw.includes('SECRET-BLOCK'), 'blocked elements are not recorded');
    await page.close();
  });
});
