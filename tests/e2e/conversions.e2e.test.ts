// Goals and funnels end to end: visits recorded by tracker.js in Chromium (two
// as a person, with a regular user agent; one as a bot, headless Chromium's own
// user agent and navigator.webdriver), then an owner defines a goal and a
// funnel in the dashboard after the fact and reads the numbers it expects,
// with the drop-off linking to its replay. The Overview says how many bot
// sessions it left out and counts them in with its Include bots switch; a site
// only a bot visited says that instead of "No visits yet". Screenshots go to
// tests/e2e/screenshots/.
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { seedSite, startStack, type Stack } from '../worker/harness/stack.ts';
import { makeAdmin } from '../worker/harness/accounts.ts';
import { eventually } from '../worker/harness/session.ts';
import { launchBrowser, logInDashboard, serveSite, watchSessions } from './harness.ts';

const ADMIN = { email: 'goals@example.com', password: 'goals-password-1' };
const SHOTS = new URL('./screenshots/', import.meta.url);

describe('goals and funnels in Chromium', () => {
  let stack: Stack;
  let person: Browser;
  let bot: Browser;
  let page: Page;
  let site: Awaited<ReturnType<typeof serveSite>>;
  let botsOnly: Awaited<ReturnType<typeof serveSite>>;
  let token: string;
  const sessions: Record<string, string> = {};
  const today = () => new Date().toISOString().slice(0, 10);

  async function api<T = any>(path: string): Promise<T> {
    const res = await fetch(`${stack.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
    return (await res.json()) as T;
  }

  /** One visit through the test site's links; `buy` fires the custom event. */
  async function visit(browser: Browser, name: string, route: string[], buy: boolean, at = site.url) {
    const context = await browser.newContext();
    const p = await context.newPage();
    const watch = watchSessions(p);
    await p.goto(`${at}/`);
    const s = await watch.latest();
    for (const link of route) {
      await p.click(`#to-${link}`);
      await p.waitForTimeout(120);
    }
    if (buy) await p.evaluate(() => (window as unknown as { edgereplay: (...a: unknown[]) => void }).edgereplay('event', 'purchase', { plan: 'pro' }));
    await p.evaluate(() => (window as unknown as { edgereplay: (...a: unknown[]) => void }).edgereplay('end'));
    await p.waitForTimeout(300);
    await context.close();
    sessions[name] = s.session_id;
  }

  before(async () => {
    stack = await startStack({ listen: true, vars: { BATCH_INTERVAL_MS: '500' } });
    ({ token } = await seedSite(stack, 'goals', { allowed_origins: ['127.0.0.1'] }));
    await seedSite(stack, 'bots_only', { allowed_origins: ['127.0.0.1'], domain: 'bots.example' });
    await makeAdmin(stack, ADMIN.email, ADMIN.password);
    site = await serveSite(stack.url, 'goals');
    botsOnly = await serveSite(stack.url, 'bots_only');
    person = await launchBrowser('person');
    bot = await launchBrowser('bot');
    await visit(person, 'buyer', ['pricing', 'docs'], true);
    await visit(person, 'reader', ['docs', 'pricing'], false);
    await visit(bot, 'crawler', ['pricing', 'docs'], true);
    await visit(bot, 'lone_crawler', ['pricing'], false, botsOnly.url);
    // Every visit's steps are in its path before the goals exist.
    await eventually(
      () => api(`/api/conversions/journeys?site_id=goals&from=${today()}&to=${today()}&entry=/&depth=3&include_bots=1`),
      (r) => r.sessions === 3,
      10_000,
    );
    const context = await person.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    await logInDashboard(page, stack.url, ADMIN);
  });

  after(async () => {
    await person?.close();
    await bot?.close();
    await site?.close();
    await botsOnly?.close();
    await stack?.close();
  });

  it('flags the headless visit as a bot and keeps the two people', async () => {
    const { rows } = await stack.db.query(`SELECT id, is_bot FROM sessions WHERE site_id = 'goals' ORDER BY started_at`);
    const flagged = Object.fromEntries(rows.map((r) => [r.id, r.is_bot]));
    assert.equal(flagged[sessions.buyer], false);
    assert.equal(flagged[sessions.reader], false);
    assert.equal(flagged[sessions.crawler], true);
  });

  it('creates a goal and a funnel in the settings and shows their numbers for past visits', async () => {
    await page.goto(`${stack.url}/app/settings/goals?site=goals`);
    await page.waitForSelector('input[name=value]');
    await page.fill('input[name=name]', 'Purchase');
    await page.selectOption('select[name=kind]', 'event');
    await page.fill('input[name=value]', 'purchase');
    await page.click('button:has-text("Add goal")');
    await page.waitForSelector('[data-goal-list] li');

    const funnelForm = page.locator('form', { has: page.locator('[data-funnel-step="1"]') });
    await funnelForm.locator('input[name=name]').fill('Pricing to docs');
    await page.fill('[data-funnel-step="1"]', '/');
    await page.fill('[data-funnel-step="2"]', '/pricing');
    await page.fill('[data-funnel-step="3"]', '/docs');
    await page.fill('[data-funnel-step="4"]', 'purchase where plan=pro');
    await page.click('button:has-text("Add funnel")');
    await page.waitForSelector('[data-funnel-list] li');

    await page.goto(`${stack.url}/app/conversions?site=goals&range=today`);
    await page.waitForSelector('[data-goal="Purchase"] [data-conversions]');
    assert.equal(await page.textContent('[data-goal="Purchase"] [data-conversions]'), '1');
    assert.equal(await page.textContent('[data-goal="Purchase"] [data-rate]'), '50.0%');
    assert.match((await page.textContent('[data-bots]')) ?? '', /1 bot or automation session was left out/);

    await page.waitForSelector('[data-step="4"] [data-step-sessions]');
    const steps = await page.$$eval('[data-step-sessions]', (els) => els.map((e) => e.textContent));
    // Both people start on / and see /pricing; only the buyer sees /docs after it, and buys.
    assert.deepEqual(steps, ['2', '2', '1', '1']);

    await page.click('[data-dropoff="3"]');
    await page.waitForSelector('[data-dropoff-list] a');
    const link = await page.getAttribute('[data-dropoff-list] a', 'href');
    assert.ok(link?.startsWith(`/app/sessions/${sessions.reader}`), link ?? '');

    // With the bot counted back in, its purchase is a conversion too.
    await page.click('[data-bots] a');
    await page.waitForFunction(() => document.querySelector('[data-goal="Purchase"] [data-conversions]')?.textContent === '2');
  });

  it("shows the bot visit as left out of the Overview, and counts it in with the Include bots switch", async () => {
    mkdirSync(SHOTS, { recursive: true });
    await page.goto(`${stack.url}/app?site=goals&range=today`);
    await page.waitForSelector('[data-bots="excluded"]');
    assert.equal(await page.getAttribute('[data-bots="excluded"]', 'data-bots-excluded'), '1');
    assert.match((await page.textContent('[data-bots="excluded"]')) ?? '', /^1 bot session .* left out\. Include bots$/);
    assert.equal(await page.getAttribute('[data-metric="sessions"]', 'data-value'), '2');
    await page.screenshot({ path: new URL('overview-bots.png', SHOTS).pathname });

    await page.click('[data-bots-toggle]');
    await page.waitForSelector('[data-bots="included"]');
    await page.waitForFunction(() => document.querySelector('[data-metric="sessions"]')?.getAttribute('data-value') === '3');
    assert.equal(new URL(page.url()).searchParams.get('bots'), '1', 'the switch is kept in the address');
    // It carries over to the other views' links, and Leave them out takes it back.
    assert.match((await page.getAttribute('#nav a[href^="/app/pages"]', 'href')) ?? '', /bots=1/);
    assert.equal(await page.locator('[data-bots-chip]').count(), 1, 'the toolbar says bots are counted in');
    await page.click('[data-bots-toggle]');
    await page.waitForFunction(() => document.querySelector('[data-metric="sessions"]')?.getAttribute('data-value') === '2');
  });

  it('says no person visited, rather than no visits, when only a bot came', async () => {
    await page.goto(`${stack.url}/app?site=bots_only&range=today`);
    await page.waitForSelector('text=No visits from people yet — 1 bot session left out');
    assert.equal(await page.locator('text=No visits yet').count(), 0);
    await page.screenshot({ path: new URL('overview-only-bots.png', SHOTS).pathname });
    await page.click('[data-bots-toggle]');
    await page.waitForFunction(() => document.querySelector('[data-metric="sessions"]')?.getAttribute('data-value') === '1');
    assert.equal(await page.getAttribute('[data-bots="included"]', 'data-bots'), 'included');
  });

  it("keeps a site's own bot patterns from its settings form", async () => {
    await page.goto(`${stack.url}/app/settings/sites/bots_only`);
    await page.waitForSelector('textarea[name=bot_patterns]');
    await page.fill('textarea[name=bot_patterns]', 'AcmeUptime/\n  internal-crawler  \n');
    await page.click('button:has-text("Save changes")');
    await page.waitForSelector('text=Saved.');
    const { rows } = await stack.db.query(`SELECT bot_patterns FROM sites WHERE id = 'bots_only'`);
    assert.deepEqual(rows[0].bot_patterns, ['AcmeUptime/', 'internal-crawler']);
    await page.locator('textarea[name=bot_patterns]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: new URL('site-bot-patterns.png', SHOTS).pathname });
    await page.reload();
    await page.waitForSelector('textarea[name=bot_patterns]');
    assert.equal(await page.inputValue('textarea[name=bot_patterns]'), 'AcmeUptime/\ninternal-crawler');
  });

  it('draws the journeys from the entry page as a flow', async () => {
    await page.goto(`${stack.url}/app/conversions?site=goals&range=today`);
    await page.waitForSelector('svg.flow path.flow-link');
    const journeys = await page.$$eval('[data-journey]', (els) => els.map((e) => e.textContent));
    assert.deepEqual(journeys.sort(), ['/ → /docs → /pricing', '/ → /pricing → /docs'].sort().map((j) => j.replace(/ → /g, ' → ')));
    // Every step's page is named inside the chart, the last step's too.
    const outside = await page.$$eval('svg.flow text.flow-label', (labels) => {
      const chart = (labels[0].closest('svg') as SVGSVGElement).getBoundingClientRect();
      return labels.filter((t) => {
        const r = t.getBoundingClientRect();
        return r.width === 0 || r.left < chart.left - 0.5 || r.right > chart.right + 0.5;
      }).map((t) => t.textContent);
    });
    assert.deepEqual(outside, []);
  });
});
