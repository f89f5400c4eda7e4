// The dashboard and replay viewer in real Chromium, against the built Worker
// with real R2, D1 and PostgreSQL: a visit recorded by tracker.js on a test
// shop (DOM replay included), visits from several countries and devices sent
// through the ingest API, and older history. Every number the dashboard shows
// is compared with what the API answers; each view is saved as a screenshot
// in tests/e2e/screenshots/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { seedSite, startStack, type Stack } from '../worker/harness/stack.ts';
import { asUser, logIn as apiLogIn, makeAdmin } from '../worker/harness/accounts.ts';
import { eventually } from '../worker/harness/session.ts';
import { launchBrowser, logInDashboard, requestText, serveSite, submitLogin, watchSessions } from './harness.ts';
import { insertHistory, sendVisit, VISITS } from './dashboard-seed.ts';
import { batchBody, type StartedSession } from '../worker/harness/factories.ts';

const SHOTS = new URL('./screenshots/', import.meta.url);
const ADMIN = { email: 'owner@example.com', password: 'owner-password-1' };
const DEPLOY_TOKEN = 'deploy-secret-for-tests';
const DAY_MS = 86_400_000;

describe('dashboard and replay viewer in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let shop: Awaited<ReturnType<typeof serveSite>>;
  let token: string;
  let recorded: string; // the session tracker.js recorded in Chromium, with rrweb events
  const sent: Record<string, string> = {}; // visit name → session id
  const problems: string[] = [];

  const today = () => new Date().toISOString().slice(0, 10);
  const daysAgo = (n: number) => new Date(Date.now() - n * DAY_MS).toISOString().slice(0, 10);
  /** The default period of the dashboard: the last 7 UTC days. */
  const period = (extra = '') => `site_id=shop&from=${daysAgo(6)}&to=${today()}${extra}`;

  async function api<T = any>(path: string, auth = `Bearer ${token}`): Promise<T> {
    const res = await fetch(`${stack.url}${path}`, { headers: { authorization: auth } });
    assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
    return (await res.json()) as T;
  }

  async function open(path: string, ready: string, p = page) {
    await p.goto(`${stack.url}${path}`);
    await p.waitForSelector(ready);
    // Panels that fill after the view is drawn are aria-busy until they have.
    await p.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
  }

  async function shot(name: string, p = page) {
    await p.waitForTimeout(150); // charts draw on the next frame
    await p.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname });
  }

  const cards = (p = page) =>
    p.$$eval('[data-metric]', (els) => Object.fromEntries(els.map((e) => [(e as HTMLElement).dataset.metric, Number((e as HTMLElement).dataset.value)])));

  const ranked = (name: string, p = page) =>
    p.$$eval(`[data-list="${name}"] tbody tr`, (rows) =>
      rows.map((r) => [(r as HTMLElement).dataset.key, Number((r.querySelector('[data-value]') as HTMLElement).dataset.value)]),
    );

  const logIn = (p: Page, email: string, password: string) => submitLogin(p, stack.url, { email, password });

  /** A visit to the test shop in Chromium with the real snippet: DOM recording, clicks, an error, a custom event. */
  async function recordVisit(): Promise<string> {
    const visitor = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const sessions = watchSessions(visitor);
    const snapshot = visitor.waitForRequest((r) => requestText(r).includes('"type":"rrweb"'));
    await visitor.goto(`${shop.url}/`);
    await snapshot;
    for (const [x, y] of [[200, 200], [420, 260], [560, 330], [600, 350]]) {
      await visitor.mouse.move(x, y, { steps: 4 });
      await visitor.waitForTimeout(120);
    }
    await visitor.click('#cta');
    await visitor.waitForTimeout(500);
    await visitor.mouse.wheel(0, 320);
    await visitor.waitForTimeout(400);
    await visitor.click('#choose-pro');
    await visitor.fill('#email', 'visitor@example.com');
    await visitor.click('#submit');
    await visitor.evaluate(() => setTimeout(() => { throw new Error('Checkout failed: card declined'); }, 0));
    await visitor.waitForTimeout(500);
    await visitor.click('#nav-docs');
    await visitor.waitForTimeout(600);
    const s = await sessions.latest();
    assert.ok(s?.session_id, 'the tracker started a session');
    await visitor.evaluate(() => (window as any).edgereplay('end'));
    await eventually(
      async () => (await stack.db.query('SELECT ended_at, rrweb_events, errors FROM sessions WHERE id = $1', [s.session_id])).rows[0],
      (r) => Boolean(r?.ended_at) && r.rrweb_events > 0 && r.errors > 0,
      15_000,
    );
    await visitor.close();
    return s.session_id;
  }

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    stack = await startStack({ listen: true, vars: { BATCH_INTERVAL_MS: '1000', DEPLOY_TOKEN } });
    ({ token } = await seedSite(stack, 'shop', { domain: 'shop.example', allowed_origins: ['127.0.0.1'] }));
    await stack.db.query(`UPDATE sites SET name = 'Acme Shop', replay_enabled = true, replay_sample_rate = 1 WHERE id = 'shop'`);
    await makeAdmin(stack, ADMIN.email, ADMIN.password);
    for (const v of VISITS) sent[v.name] = (await sendVisit(stack, 'shop', v)).session_id;
    await insertHistory(stack, 'shop');
    for (const [version, status, days] of [['v1.4.0', 'success', 20], ['v1.5.0', 'failed', 9], ['v1.5.1', 'success', 8], ['v1.6.0', 'success', 1]] as const) {
      const res = await fetch(`${stack.url}/api/deployments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${DEPLOY_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ version, status, environment: 'production', deployed_at: new Date(Date.now() - days * DAY_MS).toISOString(), commit_sha: 'a1b2c3d4e5f6', deployed_by: 'ci' }),
      });
      assert.equal(res.status, 201, await res.text());
    }
    shop = await serveSite(stack.url, 'shop', '', 'shop.html');
    browser = await launchBrowser('person');
    recorded = await recordVisit();
    // The session list is read from the D1 cache, written off the response path.
    await eventually(() => api(`/api/sessions?${period()}`), (r) => r.sessions.some((s: { id: string }) => s.id === recorded), 10_000);
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
    });
  });

  after(async () => {
    await browser?.close();
    await shop?.close();
    await stack?.close();
  });

  it('serves the shell with a strict CSP and the assets content-hashed and immutable', async () => {
    for (const path of ['/', '/app', '/app/sessions/abcdefgh12']) {
      const res = await fetch(`${stack.url}${path}`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
      assert.equal(res.headers.get('cache-control'), 'no-cache');
      const html = await res.text();
      assert.ok(!/<script(?![^>]*\bsrc=)/.test(html), 'no inline script');
      const assets = [...html.matchAll(/\/assets\/([a-z-]+\.[0-9a-f]{10}\.(?:js|css))/g)].map((m) => m[1]);
      assert.equal(assets.length, 2, 'one script and one stylesheet');
      for (const name of assets) {
        const asset = await fetch(`${stack.url}/assets/${name}`);
        assert.equal(asset.status, 200);
        assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
        assert.match(asset.headers.get('content-type') ?? '', name.endsWith('.js') ? /javascript/ : /text\/css/);
      }
      const etag = res.headers.get('etag')!;
      assert.equal((await fetch(`${stack.url}${path}`, { headers: { 'if-none-match': etag } })).status, 304);
    }
    assert.equal((await fetch(`${stack.url}/assets/app.0000000000.js`)).status, 404);
    // API routes are not shadowed by the dashboard.
    assert.equal((await fetch(`${stack.url}/api/sessions?site_id=shop`)).status, 401);
    // The old viewer URL leads to the dashboard's replay.
    const old = await fetch(`${stack.url}/replay/${recorded}?t=2.5`, { redirect: 'manual' });
    assert.equal(old.status, 302);
    assert.equal(old.headers.get('location'), `/app/sessions/${recorded}?t=2.5`);
  });

  it('asks for a login, refuses a wrong password and logs in with the form', async () => {
    await page.goto(`${stack.url}/app/sessions`);
    await page.waitForURL(/\/app\/login\?next=/);
    await page.waitForSelector('#email');
    assert.equal(await page.locator('.boot').count(), 0, 'the shell\'s loading line is gone once the page is drawn');
    await shot('login');
    await page.fill('#email', ADMIN.email);
    await page.fill('#password', 'not-the-password');
    await page.click('button[type=submit]');
    await page.waitForSelector('.form-error:text("do not match")');
    await page.fill('#password', ADMIN.password);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/app\/sessions\?site=shop/);
    await page.waitForSelector('table.sessions');
    await page.reload();
    await page.waitForSelector('table.sessions');
    assert.equal(await page.locator('.boot').count(), 0, 'nor is it left beside the app drawn straight from the shell');
  });

  it('shows the overview: six totals against the previous period, a chart and the top lists, as the API counts them', async () => {
    await open('/app', '[data-metric="sessions"]');
    const overview = await api(`/analytics/overview?${period()}`);
    const shown = await cards();
    for (const key of ['sessions', 'visitors', 'page_views', 'events', 'avg_duration_ms', 'bounce_rate']) {
      assert.equal(shown[key], Number(overview[key]), key);
    }
    assert.equal(await page.textContent('[data-metric="sessions"]'), String(overview.sessions));
    assert.equal(await page.locator('.card .delta').count(), 6, 'each total is compared with the previous period');
    assert.equal(await page.locator('.chart canvas').count(), 1);
    const top = await api(`/analytics/pages/top?${period('&limit=6')}`);
    assert.deepEqual(await ranked('pages'), top.pages.map((p: any) => [p.path, p.page_views]));
    const sources = await api(`/analytics/sources?${period('&limit=6')}`);
    assert.deepEqual(await ranked('sources'), sources.referrers.map((r: any) => [r.value, r.sessions]));
    const geo = await api(`/analytics/geo?${period('&limit=6')}`);
    assert.deepEqual(await ranked('countries'), geo.countries.map((r: any) => [r.value, r.sessions]));
    const devices = await api(`/analytics/devices?${period('&limit=6')}`);
    assert.deepEqual(await ranked('devices'), devices.devices.map((r: any) => [r.value, r.sessions]));
    await shot('overview');

    // A card switches the chart's metric without a reload, and the address remembers it.
    await page.click('button.card:has([data-metric="page_views"])');
    await page.waitForURL(/metric=page_views/);
    assert.equal(await page.getAttribute('button.card:has([data-metric="page_views"])', 'aria-pressed'), 'true');
    assert.match((await page.getAttribute('.chart', 'aria-label')) ?? '', /^Page views per day/);

    // Periods: today, 30 days, and a custom range; each answers like the API.
    const month = await api(`/analytics/overview?site_id=shop&from=${daysAgo(29)}&to=${today()}`);
    await page.click('.segmented >> text=30 days');
    await page.waitForURL(/range=30d/);
    assert.equal((await eventually(() => cards(), (c) => c.sessions === month.sessions)).sessions, month.sessions);
    const day = await api(`/analytics/overview?site_id=shop&from=${today()}&to=${today()}`);
    await page.click('.segmented >> text=Today');
    await page.waitForURL(/range=today/);
    assert.equal((await eventually(() => cards(), (c) => c.sessions === day.sessions)).sessions, day.sessions);
    await open(`/app?site=shop&range=custom&from=${daysAgo(3)}&to=${daysAgo(1)}&compare=off`, '[data-metric="sessions"]');
    const custom = await api(`/analytics/overview?site_id=shop&from=${daysAgo(3)}&to=${daysAgo(1)}`);
    assert.equal((await cards()).sessions, custom.sessions);
    assert.equal(await page.locator('.card .delta').count(), 0, 'no comparison when it is off');
    assert.equal(await page.inputValue('.custom-range input[name=from]'), daysAgo(3));
  });

  it('shows pages, sources, locations, devices, engagement and storage as the API counts them', async () => {
    await open('/app/pages?site=shop', '[data-list="entry"]');
    const pages = await api(`/analytics/pages/top?${period('&limit=100')}`);
    assert.deepEqual(await ranked('pages'), pages.pages.map((p: any) => [p.path, p.page_views]));
    assert.deepEqual(await ranked('entry'), pages.entry_pages.map((p: any) => [p.path, p.sessions]));
    assert.deepEqual(await ranked('exit'), pages.exit_pages.map((p: any) => [p.path, p.sessions]));
    await shot('pages');

    await open('/app/sources?site=shop', '[data-list="referrers"]');
    const sources = await api(`/analytics/sources?${period('&limit=100')}`);
    assert.deepEqual(await ranked('referrers'), sources.referrers.map((r: any) => [r.value, r.sessions]));
    assert.deepEqual(await ranked('utm_sources'), sources.utm_sources.map((r: any) => [r.value, r.sessions]));
    assert.deepEqual(await ranked('utm_campaigns'), sources.utm_campaigns.map((r: any) => [r.value, r.sessions]));
    assert.ok(sources.utm_campaigns.some((r: any) => r.value === 'launch'));
    await shot('sources');

    await open('/app/locations?site=shop', '[data-list="countries"]');
    const geo = await api(`/analytics/geo?${period('&limit=250')}`);
    assert.deepEqual(await ranked('countries'), geo.countries.map((r: any) => [r.value, r.sessions]));
    assert.ok(await page.isVisible('[data-list="countries"] tr[data-key="DE"] >> text=Germany'));
    await shot('locations');

    await open('/app/devices?site=shop', '[data-list="browsers"]');
    const devices = await api(`/analytics/devices?${period('&limit=100')}`);
    for (const list of ['devices', 'browsers', 'os']) {
      assert.deepEqual(await ranked(list), devices[list].map((r: any) => [r.value, r.sessions]), list);
    }
    await shot('devices');

    await open('/app/engagement?site=shop', '.buckets');
    const e = await api(`/analytics/engagement?${period()}`);
    const shown = await cards();
    assert.equal(shown.avg_duration_ms, e.avg_duration_ms);
    assert.equal(shown.avg_scroll_percent, e.avg_scroll_percent);
    const buckets = await page.$$eval('.buckets tbody tr', (rows) => rows.map((r) => [(r as HTMLElement).dataset.key, Number((r.querySelector('[data-value]') as HTMLElement).dataset.value)]));
    assert.deepEqual(buckets, [...e.duration, ...e.scroll].map((b: any) => [b.bucket, b.sessions]));
    await shot('engagement');

    await open('/app/storage?site=shop', '[data-metric="bytes"]');
    const s = await api(`/analytics/storage?${period()}`);
    const stored = await cards();
    for (const key of ['bytes', 'events', 'chunks', 'sessions']) assert.equal(stored[key], s[key], key);
    await shot('storage');
  });

  it('filters every view by a clicked value, and clears the filter', async () => {
    await open('/app?site=shop', '[data-list="countries"]');
    await page.click('[data-list="countries"] tr[data-key="DE"] a');
    await page.waitForURL(/country=DE/);
    await page.waitForSelector('.chip:has-text("Germany")');
    const de = await api(`/analytics/overview?${period('&country=DE')}`);
    await eventually(() => cards(), (c) => c.sessions === de.sessions);
    assert.equal((await cards()).page_views, de.page_views);

    // The filter stays on through the navigation: sessions, devices.
    await page.click('nav >> text=Sessions');
    await page.waitForURL(/\/app\/sessions\?.*country=DE/);
    await page.waitForSelector('table.sessions');
    const list = await api(`/api/sessions?${period('&country=DE')}`);
    const rows = await page.$$eval('table.sessions tbody tr', (trs) => trs.map((r) => [(r as HTMLElement).dataset.sessionId, (r.querySelector('[data-col="country"]') as HTMLElement).dataset.value]));
    assert.deepEqual(rows.map((r) => r[0]), list.sessions.map((s: any) => s.id));
    assert.ok(rows.every((r) => r[1] === 'DE'));
    await page.click('nav >> text=Devices');
    await page.waitForSelector('.view:not([aria-busy]) [data-list="devices"]');
    const devices = await api(`/analytics/devices?${period('&country=DE&limit=100')}`);
    assert.deepEqual(await ranked('devices'), devices.devices.map((r: any) => [r.value, r.sessions]));

    // Filters combine; the add-filter form takes one by hand.
    await page.click('summary:text("+ Filter")');
    await page.selectOption('.add-filter select', 'device');
    await page.fill('.add-filter input', 'tablet');
    await page.click('.add-filter button[type=submit]');
    await page.waitForURL(/device=tablet/);
    await page.waitForSelector('.view:not([aria-busy]) [data-list="devices"]');
    const both = await api(`/analytics/devices?${period('&country=DE&device=tablet&limit=100')}`);
    assert.deepEqual(await ranked('devices'), both.devices.map((r: any) => [r.value, r.sessions]));
    assert.deepEqual(both.devices.map((r: any) => r.value), ['tablet']);

    await page.click('a.clear-filters');
    await page.waitForURL((u) => !u.search.includes('country=') && !u.search.includes('device='));
    await page.waitForSelector('.view:not([aria-busy]) [data-list="browsers"]');
    assert.equal(await page.locator('.chip').count(), 0);
  });

  it('lists sessions with their aggregates, sorted, a page at a time', async () => {
    await open('/app/sessions?site=shop', 'table.sessions');
    const list = await api(`/api/sessions?${period()}`);
    // Each cell carries its raw value (data-value) next to the text it shows.
    const rows = await page.$$eval('table.sessions tbody tr', (trs) =>
      trs.map((r) => ({
        id: (r as HTMLElement).dataset.sessionId,
        ...Object.fromEntries(
          ['page_views', 'event_count', 'clicks', 'max_scroll_percent', 'duration_ms', 'country', 'device'].map((c) => {
            const el = r.querySelector(`[data-col="${c}"]`) as HTMLElement;
            return [c, el.dataset.value ?? Number(el.textContent!.replace(/,/g, ''))];
          }),
        ),
      })),
    );
    assert.equal(rows.length, list.sessions.length);
    rows.forEach((row, k) => {
      const s = list.sessions[k];
      assert.deepEqual(row, {
        id: s.id,
        page_views: s.page_views,
        event_count: s.event_count,
        clicks: s.clicks,
        max_scroll_percent: String(s.max_scroll_percent),
        duration_ms: String(s.duration_ms),
        country: s.country ?? '',
        device: s.device ?? '',
      });
    });
    await shot('sessions');

    // Sorting by a column asks the API for that order.
    await page.click('th >> text=Duration');
    await page.waitForURL(/sort=duration_ms/);
    await page.waitForSelector('th[aria-sort="descending"] >> text=Duration');
    const longest = await api(`/api/sessions?${period('&sort=duration_ms')}`);
    const ids = await page.$$eval('table.sessions tbody tr', (trs) => trs.map((r) => (r as HTMLElement).dataset.sessionId));
    assert.deepEqual(ids, longest.sessions.map((s: any) => s.id));

    // Pages of 5 through the cursor.
    await open('/app/sessions?site=shop&limit=5', 'table.sessions');
    const first = await api(`/api/sessions?${period('&limit=5')}`);
    const second = await api(`/api/sessions?${period(`&limit=5&cursor=${first.next_cursor}`)}`);
    await page.click('button:text("Load more")');
    await page.waitForSelector('[role=status]:text("Showing 10 sessions")');
    const paged = await page.$$eval('table.sessions tbody tr', (trs) => trs.map((r) => (r as HTMLElement).dataset.sessionId));
    assert.deepEqual(paged, [...first.sessions, ...second.sessions].map((s: any) => s.id));
  });

  it('replays the recorded session: DOM replay, event timeline, controls and a deep link', async () => {
    await open('/app/sessions?site=shop&range=today', `tr[data-session-id="${recorded}"]`);
    await page.click(`tr[data-session-id="${recorded}"] [data-col="started"] a`);
    await page.waitForURL(new RegExp(`/app/sessions/${recorded}`));
    await page.waitForSelector('.stage[data-ready="true"] iframe', { timeout: 15_000 });

    const { session } = await api(`/api/sessions/${recorded}`);
    for (const key of ['page_views', 'event_count', 'clicks', 'errors']) {
      assert.equal(await page.textContent(`[data-stat="${key}"]`), String(session[key]), key);
    }
    const lines = (await (await fetch(`${stack.url}/replay/${recorded}/events`, { headers: { authorization: `Bearer ${token}` } })).text())
      .split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const listed = lines.filter((l) => ['page_view', 'click', 'scroll', 'custom', 'error', 'visibility'].includes(l.type));
    assert.equal(await page.locator('.events li').count(), listed.length, 'every tracker event is on the timeline');
    assert.equal(await page.locator('.events li.kind-click').count(), lines.filter((l) => l.type === 'click').length);
    assert.ok(await page.isVisible('.events li.kind-error >> text=card declined'));
    assert.ok(await page.isVisible('.events li.kind-custom >> text=choose_plan'));
    assert.ok(await page.isVisible('.events li.kind-click >> text=/at \\d+, \\d+/'), 'clicks show their position');

    // The recorded page itself, at the start and after seeking to the pricing page.
    const frame = page.frameLocator('.stage iframe');
    await frame.locator('text=Ship faster').waitFor();
    await page.click('.events li.kind-page_view:has-text("/pricing") button');
    await frame.locator('text=Choose Pro').waitFor({ timeout: 5000 });
    assert.match(await page.textContent('.address-url') ?? '', /\/pricing$/);
    assert.ok(!(await frame.locator('body').textContent())?.includes('visitor@example.com'), 'typed input stays masked');

    // Play, speed, pause: the clock runs (at twice the speed), stops, and the address keeps the moment.
    const position = () => page.evaluate(() => Number((document.querySelector('.scrub-input') as HTMLInputElement).value));
    await page.focus('.scrub-input');
    await page.keyboard.press('Home');
    assert.equal(await position(), 0);
    await page.selectOption('select[aria-label="Speed"]', '2');
    const started = Date.now();
    await page.click('.btn.play');
    await page.waitForFunction(() => Number((document.querySelector('.scrub-input') as HTMLInputElement).value) >= 600);
    await page.click('.btn.play');
    const elapsed = Date.now() - started;
    await page.waitForSelector('.btn.play[data-state="paused"]');
    const stopped = await position();
    assert.ok(stopped >= 600 && stopped > elapsed * 1.2, `2× speed: ${stopped} ms of session in ${elapsed} ms`);
    await page.waitForTimeout(300);
    assert.equal(await position(), stopped, 'paused means paused');
    assert.match(page.url(), /[?&]t=\d+\.\d/);
    await page.selectOption('select[aria-label="Speed"]', '1');
    await page.click('.events li.kind-page_view:has-text("/pricing") button');
    await page.waitForTimeout(400);
    await shot('replay');

    // A deep link opens the session at that moment.
    await open(`/replay/${recorded}?t=2`, '.stage[data-ready="true"] iframe');
    assert.equal(await page.inputValue('.scrub-input'), '2000');
    assert.equal(await page.getAttribute('.scrub-input', 'aria-valuetext'), `0:02 of ${await page.evaluate(() => document.querySelector('.time')!.textContent!.split(' / ')[1])}`);

    // From the keyboard: arrows move 5 seconds, Space plays and pauses.
    const max = Number(await page.getAttribute('.scrub-input', 'max'));
    await page.focus('h1');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.inputValue('.scrub-input'), String(Math.min(7000, max)));
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.inputValue('.scrub-input'), String(Math.max(0, Math.min(7000, max) - 5000)));
    const from = Number(await page.inputValue('.scrub-input'));
    await page.keyboard.press('Space');
    await page.waitForFunction((f) => Number((document.querySelector('.scrub-input') as HTMLInputElement).value) > f + 200, from);
    await page.keyboard.press('Space');
    await page.waitForSelector('.btn.play[data-state="paused"]');
  });

  it('replays a session without a DOM recording from its events', async () => {
    await open(`/app/sessions/${sent['us-newsletter']}?site=shop&t=70`, '.stage.events-only .click-map');
    assert.ok(await page.isVisible('.events li.kind-error >> text=price is undefined'));
    assert.match((await page.textContent('.page-card')) ?? '', /\/pricing/);
    assert.equal(await page.textContent('[data-stat="errors"]'), '1');
    await shot('replay-events-only');
  });

  it('shows the last change of a recording when the scrubber is moved to its end', async () => {
    // A recording whose very last event is a DOM mutation: rrweb applies an
    // event exactly at the moment it is paused at only through a timer that
    // pausing clears, so the end used to show the page before the change.
    const res = await stack.fetch('/track/session/start', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'user-agent': VISITS[0].ua, 'cf-connecting-ip': '198.51.100.77' },
      body: JSON.stringify({ site_id: 'shop', url: 'https://shop.example/last', referrer: '', screen: '1280x800' }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    const s = (await res.json()) as StartedSession & { replay: boolean };
    assert.ok(s.replay, 'the session is sampled for replay');
    const t0 = Date.parse(s.session_started_at);
    const el = (id: number, tagName: string, childNodes: unknown[], attributes = {}) => ({ type: 2, id, tagName, attributes, childNodes });
    const tree = {
      type: 0,
      id: 1,
      childNodes: [el(2, 'html', [el(3, 'head', []), el(4, 'body', [el(5, 'p', [{ type: 3, id: 6, textContent: 'Cart is empty' }], { id: 'msg' })])])],
    };
    const events = [
      { type: 'page_view', ts: t0, url: 'https://shop.example/last' },
      { type: 'rrweb', ts: t0 + 10, data: { type: 4, timestamp: t0 + 10, data: { href: 'https://shop.example/last', width: 1280, height: 800 } } },
      { type: 'rrweb', ts: t0 + 20, data: { type: 2, timestamp: t0 + 20, data: { node: tree, initialOffset: { left: 0, top: 0 } } } },
      { type: 'rrweb', ts: t0 + 4000, data: { type: 3, timestamp: t0 + 4000, data: { source: 0, texts: [{ id: 6, value: 'Order placed' }], attributes: [], removes: [], adds: [] } } },
    ];
    const sentEnd = await stack.fetch('/track/session/end', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: batchBody(s, 0, events as never, { ended_at: new Date(t0 + 4000).toISOString() }),
    });
    assert.equal(sentEnd.status, 202, await sentEnd.clone().text());
    await eventually(() => api(`/api/sessions?${period()}`), (r) => r.sessions.some((x: { id: string }) => x.id === s.session_id), 10_000);

    await open(`/app/sessions/${s.session_id}?site=shop`, '.stage[data-ready="true"] iframe');
    const frame = page.frameLocator('.stage iframe');
    await frame.locator('#msg').waitFor();
    assert.equal(await frame.locator('#msg').textContent(), 'Cart is empty', 'the start shows the page before the change');
    await page.focus('.scrub-input');
    await page.keyboard.press('End');
    await eventually(() => frame.locator('#msg').textContent(), (text) => text === 'Order placed', 5_000);
    assert.equal(await frame.locator('#msg').textContent(), 'Order placed');
  });

  it('shows realtime activity and refreshes it on its own', async () => {
    await open('/app/realtime?site=shop', '[data-metric="active_sessions"]');
    const live = await api('/analytics/realtime?site_id=shop');
    assert.equal((await cards()).active_sessions, Number(live.active_sessions));
    assert.ok(Number(live.active_sessions) >= 2, 'the open visits are active');
    await shot('realtime');
    const visit = { ...VISITS.find((v) => v.name === 'gb-google-docs')!, ip: '203.0.113.99', name: 'live' };
    await sendVisit(stack, 'shop', visit);
    await page.waitForFunction((n) => Number((document.querySelector('[data-metric="active_sessions"]') as HTMLElement)?.dataset.value) > n, Number(live.active_sessions), { timeout: 12_000 });
  });

  it('edits a site, shows its snippet, and adds a site whose empty dashboard says what to do', async () => {
    await open('/app/settings/sites', 'tr[data-site-id="shop"]');
    await page.click('tr[data-site-id="shop"] a');
    await page.waitForSelector('form input[name=retention_days]');
    assert.equal(await page.textContent('.snippet code'), `<script defer src="${stack.url}/tracker.js" data-site="shop"></script>`);
    await page.fill('input[name=retention_days]', '90');
    await page.fill('input[name=replay_sample_rate]', '50');
    await page.fill('textarea[name=allowed_origins]', '127.0.0.1\nhttps://shop.example');
    await page.click('button:text("Save changes")');
    await page.waitForSelector('.status.ok');
    const { site } = await api('/api/sites/shop');
    assert.equal(site.retention_days, 90);
    assert.equal(site.replay_sample_rate, 0.5);
    assert.deepEqual(site.allowed_origins, ['127.0.0.1', 'https://shop.example']);
    await shot('settings-site');

    await open('/app/settings/sites', 'input[name=domain]');
    await page.fill('input[name=domain]', 'blog.example');
    await page.fill('input[name=id]', 'blog');
    await page.click('button:text("Add site")');
    await page.waitForURL(/\/app\/settings\/sites\/blog$/);
    await page.waitForFunction(() => document.querySelector('.snippet code')?.textContent?.includes('data-site="blog"'));
    await open('/app?site=blog', '.empty');
    assert.ok(await page.isVisible('.empty >> text=Install the snippet'));
    assert.equal(await page.textContent('.empty .snippet code'), `<script defer src="${stack.url}/tracker.js" data-site="blog"></script>`);
    await shot('empty');
  });

  it('creates an API token that reads the API, shows it once, and revokes it', async () => {
    await open('/app/settings/tokens', 'input[name=name]');
    await page.fill('input[name=name]', 'Weekly export');
    await page.selectOption('select[name=site_id]', 'shop');
    await page.click('button:text("Create token")');
    const secret = (await (await page.waitForSelector('[data-secret]')).textContent())!;
    assert.match(secret, /^ert_/);
    await api(`/analytics/overview?${period()}`, `Bearer ${secret}`);
    await shot('settings-tokens');
    const row = page.locator('tr', { hasText: 'Weekly export' });
    await row.locator('button:text("Revoke")').click();
    await row.locator('button:text("Click again to revoke")').click();
    await page.waitForSelector('tr:has-text("Weekly export") >> text=revoked');
    const refused = await fetch(`${stack.url}/analytics/overview?${period()}`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(refused.status, 401);
  });

  it('lets an admin add, ban, unban and delete users; a user sees no admin pages', async () => {
    const viewer = { email: 'viewer@example.com', password: 'viewer-password-1' };
    await open('/app/settings/users', 'table.users');
    await page.fill('input[name=email]', viewer.email);
    await page.fill('input[name=password]', viewer.password);
    await page.click('button:text("Add user")');
    const row = page.locator(`tr[data-user-email="${viewer.email}"]`);
    await row.waitFor();

    await row.locator('input').fill('Shared the login');
    await row.locator('button:text("Ban")').click();
    await row.locator('button:text("Click again to ban")').click();
    await page.waitForSelector(`tr[data-user-email="${viewer.email}"] [data-col="state"] >> text=banned`);
    await shot('settings-users');
    const banned = await browser.newContext();
    const other = await banned.newPage();
    await logIn(other, viewer.email, viewer.password);
    await other.waitForSelector('.form-error:not(:empty)');
    assert.match(page.url(), /settings\/users/);

    await page.locator(`tr[data-user-email="${viewer.email}"] button:text("Unban")`).click();
    await page.waitForSelector(`tr[data-user-email="${viewer.email}"] [data-col="state"] >> text=active`);
    await logIn(other, viewer.email, viewer.password);
    await other.waitForSelector('[data-metric="sessions"]');
    assert.equal(await other.locator('nav >> text=Users').count(), 0, 'no admin pages in the navigation');
    await other.goto(`${stack.url}/app/settings/users`);
    await other.waitForSelector('.empty >> text=Admins only');
    await banned.close();

    await page.locator(`tr[data-user-email="${viewer.email}"] button:text("Delete")`).click();
    await page.locator(`tr[data-user-email="${viewer.email}"] button:text("Click again to delete")`).click();
    await page.waitForSelector(`tr[data-user-email="${viewer.email}"]`, { state: 'detached' });
  });

  it('shows the deployment history and the storage of every site', async () => {
    await open('/app/settings/deployments', 'tr[data-deployment-id]');
    const { deployments } = await api('/api/deployments?limit=25');
    const ids = await page.$$eval('tr[data-deployment-id]', (rows) => rows.map((r) => Number((r as HTMLElement).dataset.deploymentId)));
    assert.deepEqual(ids, deployments.map((d: any) => d.id));
    const stats = await api('/api/deployments/stats?weeks=12');
    assert.equal((await cards()).total, stats.total);
    assert.equal((await cards()).failed, stats.by_status.failed);
    await shot('deployments');

    await open('/app/settings/storage', '[data-metric="r2_bytes"]');
    const from = `${daysAgo(29)}T00:00:00Z`;
    const to = `${new Date(Date.now() + DAY_MS).toISOString().slice(0, 10)}T00:00:00Z`;
    const storage = await page.evaluate(async (q) => (await fetch(`/api/admin/storage/stats?${q}`)).json(), `from=${from}&to=${to}`);
    const shown = await cards();
    for (const key of ['r2_bytes', 'r2_objects', 'sessions', 'pending_markers']) assert.equal(shown[key], storage.totals[key], key);
    await shot('data-storage');
  });

  it('shows a viewer of another organisation only its sites and no settings it may not use', async () => {
    // A second organisation with its own site and a viewer, made through the API as the instance admin.
    const adminLogin = await apiLogIn(stack, ADMIN.email, ADMIN.password);
    assert.equal((await asUser(stack, adminLogin, '/api/orgs', { method: 'POST', body: { id: 'agency', name: 'Agency' } })).status, 201);
    assert.equal((await asUser(stack, adminLogin, '/api/sites', { method: 'POST', body: { id: 'client', name: 'Client Site', domain: 'client.example', organization_id: 'agency' } })).status, 201);
    const made = await asUser(stack, adminLogin, '/api/admin/users', {
      method: 'POST',
      body: { email: 'agency-viewer@example.com', password: 'agency-viewer-1', organization_id: 'agency', org_role: 'viewer' },
    });
    assert.equal(made.status, 201, await made.text());

    // A person logs in with a regular browser.
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const p = await ctx.newPage();
    p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await logIn(p, 'agency-viewer@example.com', 'agency-viewer-1');
    // The agency's site has no visits yet: its empty overview.
    await p.waitForSelector('.empty >> text=Install the snippet');
    assert.deepEqual(await p.$$eval('#site-picker option', (os) => os.map((o) => (o as HTMLOptionElement).value)), ['client']);
    assert.equal(await p.textContent('.who .badge'), 'viewer');
    assert.ok(await p.isHidden('#org-picker'), 'one organisation: no switcher');
    for (const page of ['Sites', 'Members', 'API tokens', 'Users', 'Data & storage']) {
      assert.equal(await p.locator(`nav >> text="${page}"`).count(), 0, `no ${page} in the navigation`);
    }
    await shot('viewer-overview', p);
    // The shop of the other organisation does not exist for this viewer.
    await p.goto(`${stack.url}/app?site=shop`);
    await p.waitForSelector('.empty >> text=Install the snippet');
    assert.equal(await p.$eval('#site-picker', (el) => (el as HTMLSelectElement).value), 'client');
    const shopRead = await p.evaluate(async () => (await fetch('/analytics/overview?site_id=shop')).status);
    assert.equal(shopRead, 404);
    await p.goto(`${stack.url}/app/settings/members`);
    await p.waitForSelector('.empty >> text=Admins only');
    await ctx.close();

    // The instance admin switches organisation.
    await open('/app?site=shop', '[data-metric="sessions"]');
    assert.ok(await page.isVisible('#org-picker'));
    await page.selectOption('#org-picker', 'agency');
    await page.waitForFunction(() => (document.querySelector('#site-picker') as HTMLSelectElement)?.value === 'client');
    await page.selectOption('#org-picker', 'default');
    await page.waitForFunction(() => (document.querySelector('#site-picker') as HTMLSelectElement)?.value === 'shop');
  });

  it('invites a member with a one-time link that sets a password and logs in', async () => {
    await open('/app/settings/members', 'form input[name=email]');
    await page.fill('input[name=email]', 'invited@example.com');
    await page.selectOption('select[name=role]', 'viewer');
    await page.click('button:text("Invite")');
    const url = (await (await page.waitForSelector('[data-invite-url]')).textContent())!;
    assert.match(url, /\/invite\/inv_[A-Za-z0-9_-]{32}$/);
    await shot('settings-members');
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const p = await ctx.newPage();
    await p.goto(url);
    await p.waitForSelector('h1:text("Join Default")');
    await p.fill('#password', 'invited-password-1');
    await p.click('button[type=submit]');
    await p.waitForSelector('[data-metric="sessions"]');
    assert.equal(await p.textContent('.who .badge'), 'viewer');
    await p.goto(url);
    await p.waitForSelector('h1:text("This invitation cannot be used")');
    await ctx.close();
  });

  it('opens a shared link without a login: one site, no settings, replays only when included', async () => {
    await open('/app/settings/sites/shop', 'form input[name=retention_days]');
    await page.click('button:text("Create link")');
    const url = (await (await page.waitForSelector('[data-share-url]')).textContent())!;
    assert.match(url, /\/share\/shr_[A-Za-z0-9_-]{32}$/);
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const p = await ctx.newPage();
    p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await p.goto(url);
    await p.waitForURL(/\/app\?site=shop/);
    await p.waitForSelector('[data-metric="sessions"]');
    assert.equal(await p.textContent('.who .badge'), 'shared link');
    assert.deepEqual(await p.$$eval('#site-picker option', (os) => os.map((o) => (o as HTMLOptionElement).value)), ['shop']);
    assert.equal(await p.locator('nav .nav-title:text("Settings")').count(), 0, 'no settings at all');
    await shot('shared-link', p);
    await p.goto(`${stack.url}/app/sessions/${recorded}?site=shop`);
    await p.waitForSelector('.empty >> text=Replays are not shared');
    await ctx.close();
  });

  it('reads well on a phone and names every control', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
    const p = await phone.newPage();
    await logIn(p, ADMIN.email, ADMIN.password);
    await p.waitForSelector('[data-metric="sessions"]');
    assert.ok(await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling');
    await shot('phone-overview', p);
    await open(`/app/sessions/${recorded}?site=shop&t=3`, '.stage[data-ready="true"] iframe', p);
    assert.ok(await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling on the replay');
    await shot('phone-replay', p);
    await phone.close();

    // Every control has a name a screen reader can say, on each kind of page.
    for (const [path, ready] of [
      ['/app?site=shop', '[data-metric="sessions"]'],
      ['/app/sessions?site=shop', 'table.sessions'],
      [`/app/sessions/${recorded}?site=shop`, '.stage[data-ready="true"]'],
      ['/app/settings/sites/shop', 'form'],
      ['/app/settings/users', 'table.users'],
    ]) {
      await open(path, ready);
      const unnamed = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('a[href], button, input, select, textarea, summary')]
          .filter((el) => el.offsetParent !== null || el.getClientRects().length)
          .filter((el) => {
            const labelled = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.getAttribute('title');
            const label = (el as HTMLInputElement).labels?.length;
            const text = el.textContent?.trim();
            return !(labelled || label || (el.tagName !== 'INPUT' && el.tagName !== 'SELECT' && el.tagName !== 'TEXTAREA' && text));
          })
          .map((el) => el.outerHTML.slice(0, 120)),
      );
      assert.deepEqual(unnamed, [], `${path}: controls without a name`);
    }

    // The first Tab reaches "Skip to content", which moves the focus to the page.
    await open('/app?site=shop', '[data-metric="sessions"]');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
  });

  it('shows a picked goal’s conversions and rate in the overview, pages, sources, locations and devices', async () => {
    // A site of its own with four known visits; two of them sign up.
    const { token: goalToken } = await seedSite(stack, 'goalshop', { domain: 'goal.example' });
    const base = { ua: VISITS[0].ua, screen: '1920x1080', clicks: 0, scroll: 50, durationMs: 20_000, end: true };
    const visits = [
      { ...base, name: 'g1', country: 'DE', ip: '203.0.113.40', url: 'https://shop.example/', referrer: 'https://www.google.com/', pages: ['/', '/pricing'], custom: ['signup'] },
      { ...base, name: 'g2', country: 'US', ip: '203.0.113.41', url: 'https://shop.example/', referrer: 'https://www.google.com/', pages: ['/', '/docs'] },
      { ...base, name: 'g3', country: 'FR', ip: '203.0.113.42', url: 'https://shop.example/pricing?utm_source=newsletter', pages: ['/pricing'], custom: ['signup'] },
      { ...base, name: 'g4', country: 'DE', ip: '203.0.113.43', url: 'https://shop.example/', referrer: 'https://t.co/', pages: ['/'] },
    ];
    for (const v of visits) await sendVisit(stack, 'goalshop', v);
    const owner = await apiLogIn(stack, ADMIN.email, ADMIN.password);
    const made = await asUser(stack, owner, '/api/conversions/goals', { method: 'POST', body: { site_id: 'goalshop', name: 'Signup', kind: 'event', value: 'signup' } });
    assert.equal(made.status, 201);
    const goal = ((await made.json()) as { goal: { id: string } }).goal.id;
    assert.equal((await asUser(stack, owner, '/api/conversions/goals', { method: 'POST', body: { site_id: 'goalshop', name: 'Docs', kind: 'page', value: '/docs' } })).status, 201);

    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const p = await ctx.newPage();
    p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await logInDashboard(p, stack.url, ADMIN);
    /** [key, conversions, rate as shown] per row of a ranked list with goal columns. */
    const goalRows = (name: string) =>
      p.$$eval(`[data-list="${name}"] tbody tr`, (rows) =>
        rows.map((r) => [(r as HTMLElement).dataset.key, Number((r.querySelector('[data-conversions]') as HTMLElement)?.dataset.conversions), r.querySelector('[data-rate]')?.textContent]),
      );

    // No goal picked: the overview lists every goal; picking one adds its cards.
    await open('/app?site=goalshop', '[data-list="goals"]', p);
    const listed = await p.$$eval('[data-list="goals"] tbody tr', (rows) =>
      rows.map((r) => [r.querySelector('.label')!.textContent, Number((r.querySelector('[data-value]') as HTMLElement).dataset.value), r.querySelector('.secondary')!.textContent]),
    );
    assert.deepEqual(listed, [['Signup', 2, '50.0%'], ['Docs', 1, '25.0%']]);
    await p.locator('[data-list="goals"]').scrollIntoViewIfNeeded();
    await shot('overview-goals', p);
    assert.equal(await p.locator('[data-goal-cards]').count(), 0);
    await p.selectOption('[data-goal-picker]', goal);
    await p.waitForURL(new RegExp(`goal=${goal}`));
    await p.waitForSelector('[data-goal-cards] [data-metric="goal_rate"][data-value]');
    const kpi = await cards(p);
    assert.equal(kpi.goal_conversions, 2);
    assert.equal(kpi.goal_rate, 0.5);
    assert.equal(await p.textContent('[data-metric="goal_rate"]'), '50.0%');
    await shot('overview-goal', p);

    // The goal stays picked from view to view; each breakdown gains its columns.
    await p.click('nav >> text=Pages');
    await p.waitForURL(/\/app\/pages\?.*goal=/);
    await p.waitForSelector('[data-list="pages"] th:has-text("Conversions")');
    await p.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
    assert.equal(await p.inputValue('[data-goal-picker]'), goal);
    // Sessions that viewed the page and signed up, over the sessions that viewed it.
    assert.deepEqual(await goalRows('pages'), [['/', 1, '33.3%'], ['/pricing', 2, '100.0%'], ['/docs', 0, '0.0%']]);
    assert.deepEqual(await goalRows('entry'), [['/', 1, '33.3%'], ['/pricing', 1, '100.0%']]);
    await shot('pages-goal', p);

    await open(`/app/sources?site=goalshop&goal=${goal}`, '[data-list="referrers"] [data-rate]', p);
    const refs = Object.fromEntries((await goalRows('referrers')).map(([k, n, r]) => [k, [n, r]]));
    assert.deepEqual(refs, { 'google.com': [1, '50.0%'], '(direct)': [1, '100.0%'], 't.co': [0, '0.0%'] });
    assert.deepEqual(await goalRows('utm_sources'), [['newsletter', 1, '100.0%']]);
    await shot('sources-goal', p);

    await open(`/app/locations?site=goalshop&goal=${goal}`, '[data-list="countries"] [data-rate]', p);
    assert.deepEqual(Object.fromEntries((await goalRows('countries')).map(([k, n, r]) => [k, [n, r]])), { DE: [1, '50.0%'], FR: [1, '100.0%'], US: [0, '0.0%'] });
    await open(`/app/devices?site=goalshop&goal=${goal}`, '[data-list="browsers"] [data-rate]', p);
    assert.deepEqual(await goalRows('devices'), [['desktop', 2, '50.0%']]);

    // The dashboard's numbers are the API's.
    const api4 = await (await fetch(`${stack.url}/api/conversions/goals/breakdown?site_id=goalshop&from=${daysAgo(6)}&to=${today()}&dims=page&goal=${goal}`, { headers: { authorization: `Bearer ${goalToken}` } })).json();
    assert.deepEqual(api4.dims.page.map((r: any) => [r.value, r.goals[0].conversions]), [['/', 1], ['/pricing', 2], ['/docs', 0]]);

    // "No goal" takes the columns away again.
    await p.selectOption('[data-goal-picker]', '');
    await p.waitForURL((u) => !u.searchParams.has('goal'));
    await p.waitForFunction(() => !document.querySelector('[data-list="devices"] th.goal-col'));

    // A goal the site does not have (deleted, or another site's): said so, and no columns.
    await open('/app/pages?site=goalshop&goal=AAAAAAAAAAAA', '.goal-picker [role="status"]', p);
    assert.match((await p.textContent('.goal-picker [role="status"]')) ?? '', /no such goal/);
    assert.equal(await p.locator('th.goal-col').count(), 0);
    assert.equal(await p.inputValue('[data-goal-picker]'), '');
    await ctx.close();

    // On a phone the goal columns fit without sideways scrolling.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const pp = await phone.newPage();
    await logInDashboard(pp, stack.url, ADMIN);
    await open(`/app/pages?site=goalshop&goal=${goal}`, '[data-list="pages"] [data-rate]', pp);
    assert.ok(await pp.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling');
    await shot('phone-pages-goal', pp);
    await phone.close();
  });

  it('ran without a page error or a Content-Security-Policy violation', () => {
    assert.deepEqual(problems, []);
  });
});
