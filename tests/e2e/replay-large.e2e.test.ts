// Heavy pages and single-page apps recorded in real Chromium, stored in R2
// compressed and replayed in the dashboard: a page whose DOM snapshot is over
// 8 MB goes in parts and replays whole; a TodoMVC-style app replays to the
// same final text as the live page.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { seedSite, startStack, type Stack } from '../worker/harness/stack.ts';
import { makeAdmin } from '../worker/harness/accounts.ts';
import { eventually } from '../worker/harness/session.ts';
import { inflated } from '../worker/harness/factories.ts';
import { launchBrowser, logInDashboard, requestText, serveSite, watchSessions } from './harness.ts';

const ADMIN = { email: 'owner@example.com', password: 'owner-password-1' };

describe('large and single-page recordings in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let viewer: Page;
  let token: string;
  const sites: { close(): Promise<void> }[] = [];

  before(async () => {
    stack = await startStack({ listen: true, vars: { BATCH_INTERVAL_MS: '1000' } });
    ({ token } = await seedSite(stack, 'docs', { domain: 'docs.example', allowed_origins: ['127.0.0.1'] }));
    await stack.db.query(`UPDATE sites SET replay_enabled = true, replay_sample_rate = 1`);
    await makeAdmin(stack, ADMIN.email, ADMIN.password);
    browser = await launchBrowser('person');
    viewer = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await logInDashboard(viewer, stack.url, ADMIN);
  });
  after(async () => {
    await browser?.close();
    for (const s of sites) await s.close();
    await stack?.close();
  });

  const replayLines = async (id: string) => {
    const res = await fetch(`${stack.url}/replay/${id}/events`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    return (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l));
  };

  async function endAndWait(page: Page, id: string) {
    await page.evaluate(() => (window as any).edgereplay('end'));
    await eventually(
      async () => (await stack.db.query('SELECT ended_at FROM sessions WHERE id = $1', [id])).rows[0],
      (r) => Boolean(r?.ended_at),
      30_000,
    );
  }

  async function openReplay(id: string) {
    await viewer.goto(`${stack.url}/app/sessions/${id}?site=docs`);
    await viewer.waitForSelector('.stage[data-ready="true"] iframe', { timeout: 60_000 });
    return viewer.frameLocator('.stage iframe');
  }

  it('records a page whose DOM snapshot is over 8 MB in gzip parts, stores it and replays it whole', { timeout: 240_000 }, async () => {
    const site = await serveSite(stack.url, 'docs', '', 'large.html');
    sites.push(site);
    const page = await browser.newPage();
    const sessions = watchSessions(page);
    let parts = 0;
    let gzipBodies = 0;
    let largestBody = 0;
    page.on('request', (r) => {
      const body = r.postDataBuffer();
      if (!body || !r.url().includes('/track/')) return;
      largestBody = Math.max(largestBody, body.length);
      if (body[0] === 0x1f && body[1] === 0x8b) gzipBodies++;
      if (requestText(r).includes('"data":{"part":"')) parts++;
    });
    await page.goto(`${site.url}/`);
    const liveLast = await page.textContent('#last-element');
    const s = await sessions.latest();
    // Every part on its way and answered.
    await eventually(
      async () => (await stack.db.query('SELECT rrweb_events FROM sessions WHERE id = $1', [s.session_id])).rows[0],
      (r) => parts > 0 && Number(r?.rrweb_events) >= parts,
      120_000,
    );
    assert.ok(parts > 8, `the snapshot went in ${parts} parts`);
    assert.ok(gzipBodies >= parts, 'every part was sent gzip');
    assert.ok(largestBody < 1024 * 1024, `each request fits the 1 MiB limit (largest ${largestBody})`);
    await endAndWait(page, s.session_id);
    await page.close();

    const lines = await replayLines(s.session_id);
    const full = lines.find((l) => l.type === 'rrweb' && l.data?.type === 2);
    assert.ok(full, 'the full snapshot replays as one event');
    const snapshotBytes = JSON.stringify(full.data).length;
    assert.ok(snapshotBytes > 8 * 1024 * 1024, `snapshot of ${snapshotBytes} bytes`);
    assert.ok(!lines.some((l) => l.data?.part), 'no parts left over');
    // R2 holds it compressed.
    const bucket = await stack.bucket();
    const listed = (await bucket.list({ include: ['customMetadata'] })).objects.filter((o) => o.key.includes(`/${s.session_id}/`));
    const stored = listed.reduce((n, o) => n + o.size, 0);
    assert.ok(stored < snapshotBytes / 2, `stored ${stored} bytes for a ${snapshotBytes}-byte snapshot`);
    const first = await bucket.get(listed[0].key);
    assert.ok(inflated(new Uint8Array(await first!.arrayBuffer())).length > 0);

    const frame = await openReplay(s.session_id);
    await frame.locator('#last-element').waitFor({ timeout: 60_000 });
    assert.equal(await frame.locator('#last-element').textContent(), liveLast, "the replay holds the page's last element");
  });

  it('replays a single-page app to the same final text as the live page', { timeout: 180_000 }, async () => {
    const site = await serveSite(stack.url, 'docs', '', 'todo.html');
    sites.push(site);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const sessions = watchSessions(page);
    const snapshot = page.waitForRequest((r) => requestText(r).includes('"type":"rrweb"'));
    await page.goto(`${site.url}/`);
    await snapshot;
    for (const title of ['Buy milk', 'Write the report', 'Call the plumber']) {
      await page.click('#new-todo');
      await page.keyboard.type(title, { delay: 20 });
      await page.keyboard.press('Enter');
      await page.mouse.move(300 + title.length * 5, 200, { steps: 5 });
    }
    await page.click('#list li:nth-child(2) .toggle');
    await page.click('#active');
    await page.mouse.wheel(0, 400);
    await page.waitForTimeout(300);
    await page.click('#completed');
    await page.click('#all');
    await page.click('#list li:nth-child(1) .toggle');
    await page.click('#active');
    await page.waitForTimeout(1500); // the last mutations reach a batch
    const live = (await page.textContent('#app'))!.replace(/\s+/g, ' ').trim();
    const s = await sessions.latest();
    await endAndWait(page, s.session_id);
    await sessions.settled();
    await page.close();

    const frame = await openReplay(s.session_id);
    await viewer.focus('.scrub-input');
    await viewer.keyboard.press('End');
    await eventually(
      async () => ((await frame.locator('#app').textContent()) ?? '').replace(/\s+/g, ' ').trim(),
      (text) => text === live,
      10_000,
    );
    assert.equal(((await frame.locator('#app').textContent()) ?? '').replace(/\s+/g, ' ').trim(), live);
    assert.match(live, /Active todos/);
    assert.match(live, /1 item left/);
  });
});
