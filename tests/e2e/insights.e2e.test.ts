// Heatmaps, rage and dead clicks and error groups end to end: a person (a
// regular desktop or phone user agent, not a bot) visits a test page in
// Chromium with tracker.js and DOM replay on, at three window widths; the
// heatmap's hottest cells must be the page's known click spots at every
// width, a page built for it must produce rage and dead clicks, and a thrown
// error must show in its group with a replay link that opens the replay.
// Screenshots of the views go to tests/e2e/screenshots/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { seedSite, startStack, type Stack } from '../worker/harness/stack.ts';
import { makeAdmin } from '../worker/harness/accounts.ts';
import { eventually } from '../worker/harness/session.ts';
import { launchBrowser, logInDashboard, requestText, serveSite, watchSessions } from './harness.ts';

const SHOTS = new URL('./screenshots/', import.meta.url);
const ADMIN = { email: 'heat-owner@example.com', password: 'owner-password-1' };
const DESKTOP_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const PHONE_UA = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36';
// Where tests/e2e/site/heatmap.html puts its spots, as heatmap cells.
const HOT = { x: 5, y: 6 };
const WARM = { x: 17, y: 14 };
const WIDTHS = [
  { width: 'phone', px: 390, ua: PHONE_UA },
  { width: 'tablet', px: 820, ua: PHONE_UA },
  { width: 'desktop', px: 1280, ua: DESKTOP_UA },
] as const;

describe('heatmaps, rage and dead clicks and errors in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let site: Awaited<ReturnType<typeof serveSite>>;
  let token: string;
  let page: Page;
  let troubled: string; // the visit with rage and dead clicks and an error
  const problems: string[] = [];
  const consoleLines: string[] = [];

  async function api<T = any>(path: string): Promise<T> {
    const res = await fetch(`${stack.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
    return (await res.json()) as T;
  }

  /** Waits until the heatmap view has drawn the recorded page, or said why not. */
  async function recordedPage() {
    await page.waitForFunction(
      () => document.querySelector('.heat-stage')?.getAttribute('data-page') === 'recorded' || /could not|no longer|No recorded/.test(document.querySelector('.heat-note')?.textContent ?? ''),
      undefined,
      { timeout: 20_000 },
    );
    assert.equal(await page.getAttribute('.heat-stage', 'data-page'), 'recorded', `${await page.textContent('.heat-note')} ${consoleLines.join(' | ')}`);
  }

  async function shot(name: string) {
    await page.waitForTimeout(200);
    await page.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname, fullPage: false });
  }

  /** A visit by a person at one window width; `act` runs once the page is recorded. Returns the session id. */
  async function visit(px: number, ua: string, act: (p: Page) => Promise<void>, path = '/'): Promise<string> {
    const context = await browser.newContext({ viewport: { width: px, height: 800 }, userAgent: ua });
    const p = await context.newPage();
    const sessions = watchSessions(p);
    const snapshot = p.waitForRequest((r) => requestText(r).includes('"type":"rrweb"'));
    await p.goto(`${site.url}${path}`);
    await snapshot;
    await p.waitForTimeout(300);
    await act(p);
    const s = await sessions.latest();
    assert.ok(s?.session_id, 'the tracker started a session');
    await p.evaluate(() => (window as any).edgereplay('end'));
    await eventually(
      async () => (await stack.db.query('SELECT ended_at, rrweb_events FROM sessions WHERE id = $1', [s.session_id])).rows[0],
      (r) => Boolean(r?.ended_at) && r.rrweb_events > 0,
      15_000,
    );
    await context.close();
    return s.session_id;
  }

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    stack = await startStack({ listen: true });
    ({ token } = await seedSite(stack, 'heat', { domain: 'heat.example', allowed_origins: ['127.0.0.1'] }));
    await stack.db.query(`UPDATE sites SET name = 'Heat Test', replay_enabled = true, replay_sample_rate = 1 WHERE id = 'heat'`);
    await makeAdmin(stack, ADMIN.email, ADMIN.password);
    site = await serveSite(stack.url, 'heat', '', 'heatmap.html');
    browser = await launchBrowser();

    for (const w of WIDTHS) {
      await visit(w.px, w.ua, async (p) => {
        for (let k = 0; k < 3; k++) {
          await p.click('#hot');
          await p.waitForTimeout(600); // apart enough not to be a rage click
        }
        await p.click('#warm');
        await p.mouse.wheel(0, 900);
        await p.waitForTimeout(400);
      });
    }

    troubled = await visit(1280, DESKTOP_UA, async (p) => {
      p.on('pageerror', () => undefined); // the page throws on purpose
      await p.click('#plain');
      await p.waitForTimeout(1300); // a quiet second: the page did not change
      const box = (await p.locator('#broken').boundingBox())!;
      for (let k = 0; k < 4; k++) await p.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await p.click('#boom');
      await p.waitForTimeout(300);
    }, '/trouble');

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
      if (m.type() === 'warning' || m.type() === 'error') consoleLines.push(m.text());
    });
    await logInDashboard(page, stack.url, ADMIN);
  });

  after(async () => {
    await browser?.close();
    await site?.close();
    await stack?.close();
  });

  for (const w of WIDTHS) {
    it(`puts the hottest cells on the page's click spots at ${w.width} width (${w.px} px)`, async () => {
      const heat = await api(`/api/insights/heatmap?site_id=heat&path=/&width=${w.width}`);
      const ranked = [...heat.cells].sort((a: any, b: any) => b.clicks - a.clicks);
      assert.deepEqual({ x: ranked[0].x, y: ranked[0].y }, HOT, JSON.stringify(ranked.slice(0, 3)));
      assert.equal(ranked[0].clicks, 3);
      assert.deepEqual({ x: ranked[1].x, y: ranked[1].y }, WARM, JSON.stringify(ranked.slice(0, 3)));
      assert.ok(heat.snapshot, 'a recorded page to draw over');

      await page.goto(`${stack.url}/app/heatmaps?site=heat&path=%2F&width=${w.width}`);
      await recordedPage();
      const top = await page.$eval('[data-list="hot-cells"] tbody tr', (r) => [Number((r as HTMLElement).dataset.x), Number((r as HTMLElement).dataset.y)]);
      assert.deepEqual(top, [HOT.x, HOT.y]);
      const frame = page.frameLocator('.heat-stage iframe');
      assert.equal(await frame.locator('#hot').count(), 1, 'the recorded page is rebuilt under the map');
      if (w.width !== 'tablet') await shot(w.width === 'desktop' ? 'heatmap' : 'heatmap-phone');
    });
  }

  it('draws the scroll-depth map over the same page', async () => {
    const depth = await api(`/api/insights/scroll?site_id=heat&path=/`);
    assert.equal(depth.page_views, 3, 'one page view per width');
    assert.ok(depth.depths[0].page_views >= 3, 'the scrolled visits reached the top band');
    assert.ok(depth.depths.every((d: any, k: number) => k === 0 || d.page_views <= depth.depths[k - 1].page_views), 'reach never grows with depth');
    await page.goto(`${stack.url}/app/heatmaps?site=heat&path=%2F&width=desktop&map=scroll`);
    await recordedPage();
    assert.equal(await page.getAttribute('.heat-stage', 'data-mode'), 'scroll');
    // The map spans the whole recorded page (2,400 px tall), not only its first screen.
    const stageHeight = await page.$eval('.heat-stage', (e) => (e as HTMLElement).getBoundingClientRect().height);
    const stageWidth = await page.$eval('.heat-stage', (e) => (e as HTMLElement).getBoundingClientRect().width);
    assert.ok(Math.abs(stageHeight / stageWidth - 2400 / 1280) < 0.05, `${stageWidth} x ${stageHeight}`);
    const rows = await page.$$eval('[data-list="scroll-depth"] tbody tr', (trs) => trs.map((t) => Number((t as HTMLElement).dataset.depth)));
    assert.deepEqual(rows, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    await shot('scroll-map');
  });

  it('detects rage and dead clicks on the page built for them, each linked to its replay moment', async () => {
    const { issues } = await api(`/api/insights/clicks?site_id=heat&path=/trouble`);
    const rage = issues.find((i: any) => i.kind === 'rage');
    const dead = issues.find((i: any) => i.kind === 'dead');
    assert.ok(rage && dead, JSON.stringify(issues));
    assert.equal(rage.selector, 'button#broken');
    assert.equal(rage.session_id, troubled);
    assert.equal(dead.selector, 'p#plain');
    assert.equal(dead.session_id, troubled);
    assert.ok(!issues.some((i: any) => i.selector === 'button.spot' || i.selector.startsWith('button#hot')), 'spaced clicks on a button are neither');

    await page.goto(`${stack.url}/app/heatmaps?site=heat&path=%2Ftrouble&width=desktop`);
    await page.waitForSelector('[data-list="click-issues"] tr[data-kind="dead"] a');
    const href = await page.getAttribute('[data-list="click-issues"] tr[data-kind="dead"] a', 'href');
    assert.match(href ?? '', new RegExp(`^/app/sessions/${troubled}\\?.*t=\\d+(\\.\\d)?`));
    await page.click('[data-list="click-issues"] tr[data-kind="dead"] a');
    await page.waitForURL(new RegExp(`/app/sessions/${troubled}\\?`));
    await page.waitForSelector('.replay');
  });

  it('shows a thrown error in its group, with a replay link that opens the moment', async () => {
    const { groups } = await api(`/api/insights/errors?site_id=heat`);
    const group = groups.find((g: any) => g.message === 'Error: Order <n> failed for user_<n>');
    assert.ok(group, JSON.stringify(groups));
    assert.equal(group.sessions, 1);
    assert.equal(group.moments[0].session_id, troubled);
    assert.deepEqual(group.browsers.map((b: any) => b.browser), ['Chrome']);

    await page.goto(`${stack.url}/app/errors?site=heat`);
    await page.waitForSelector(`[data-fingerprint="${group.fingerprint}"] a.replay-link`);
    await shot('errors');
    await page.click(`[data-fingerprint="${group.fingerprint}"] a.replay-link`);
    await page.waitForURL(new RegExp(`/app/sessions/${troubled}\\?.*t=`));
    await page.waitForSelector('.replay');
    // The moment is the error's: the replay opens on it, not at the start.
    const t = Number(new URL(page.url()).searchParams.get('t'));
    assert.ok(t > 0, `t=${t}`);
    assert.ok(await page.locator('.events li.kind-error').count() >= 1, 'the error is on the replay timeline');
    assert.deepEqual(problems, []);
  });
});
