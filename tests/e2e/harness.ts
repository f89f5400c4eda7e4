// End-to-end harness: the integration stack listening on loopback, a test
// site served from another loopback origin, and Debian's Chromium driven by
// playwright-core.
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { storedText } from '../worker/harness/factories.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A desktop Chrome's user agent: what a person's browser sends. */
export const PERSON_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

/**
 * Chromium as a person's browser (the default): a regular user agent and no
 * navigator.webdriver, so edgereplay counts its visits. As a bot, it keeps
 * headless Chromium's own user agent ("HeadlessChrome") and navigator.webdriver,
 * and its visits are flagged and left out of analytics unless include_bots.
 */
export async function launchBrowser(as: 'person' | 'bot' = 'person'): Promise<Browser> {
  const person = as === 'person' ? ['--disable-blink-features=AutomationControlled', `--user-agent=${PERSON_UA}`] : [];
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...person],
  });
}

/** Submits the dashboard's login form at `url` (the answer may be a refusal: the caller looks). */
export async function submitLogin(page: Page, url: string, who: { email: string; password: string }): Promise<void> {
  await page.goto(`${url}/app/login`);
  await page.fill('#email', who.email);
  await page.fill('#password', who.password);
  await page.click('button[type=submit]');
}

/** Logs in to the dashboard at `url`, until the login page is left. */
export async function logInDashboard(page: Page, url: string, who: { email: string; password: string }): Promise<void> {
  await submitLogin(page, url, who);
  await page.waitForURL((u) => !u.pathname.startsWith('/app/login'));
}

/**
 * Serves a page of tests/e2e/site/ for every path (an SPA), with the snippet
 * filled in: index.html by default, or another page such as shop.html.
 */
export async function serveSite(workerUrl: string, siteId: string, attrs = '', page = 'index.html', fill: Record<string, string> = {}): Promise<{ url: string; close(): Promise<void> }> {
  const template = readFileSync(new URL(`./site/${page}`, import.meta.url), 'utf8');
  let html = template.replace('{{WORKER}}', workerUrl).replace('{{SITE}}', siteId).replace('{{ATTRS}}', attrs);
  for (const [name, value] of Object.entries(fill)) html = html.replaceAll(`{{${name}}}`, value);
  const server: Server = createServer((req, res) => {
    if (req.url === '/favicon.ico') return res.writeHead(204).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

/**
 * The text of every object whose key contains `part`. Compaction may replace
 * or delete objects between a list and a get; then the listing is read again.
 */
async function readAll(bucket: R2Bucket, part = ''): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const listed = await bucket.list();
    let text = '';
    let complete = true;
    for (const o of listed.objects) {
      if (!o.key.includes(part)) continue;
      const object = await bucket.get(o.key);
      // Gone, or replaced while read (a compaction finishing): read the listing again.
      const body = object ? await object.arrayBuffer().then((b) => storedText(new Uint8Array(b))).catch(() => null) : null;
      if (body === null) complete = false;
      else text += body;
    }
    if (complete || attempt > 5) return text;
  }
}

/**
 * Every stored event line of a session, from R2, once each: a compacted
 * object and the chunks it covers (kept while the session can still receive
 * batches) hold the same lines.
 */
export async function storedLines(bucket: R2Bucket, sessionId: string): Promise<{ raw: string; lines: Record<string, any>[] }> {
  const raw = await readAll(bucket, `/${sessionId}/`);
  const seen = new Set<string>();
  const lines = raw
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, any>)
    .filter((l) => !seen.has(JSON.stringify(l)) && seen.add(JSON.stringify(l)));
  return { raw, lines };
}

/**
 * The sessions the tracker on a page starts, from its session/start answers
 * (the tracker keeps its live session in memory, and in sessionStorage only
 * between pages). Call before the page loads the tracker.
 */
export function watchSessions(page: Page) {
  const started: { session_id: string; session_started_at: string; token: string }[] = [];
  const inFlight = new Set<unknown>();
  page.on('request', (r) => {
    if (r.url().includes('/track/')) inFlight.add(r);
  });
  page.on('requestfinished', (r) => inFlight.delete(r));
  page.on('requestfailed', (r) => inFlight.delete(r));
  page.on('response', async (r) => {
    if (r.url().endsWith('/track/session/start') && r.ok()) started.push(await r.json());
  });
  return {
    started,
    /**
     * Until every tracking request the page sent has been answered: an "end"
     * can be answered before the batch sent just before it (the tracker posts
     * its outbox in parallel), so the session's ended_at alone does not say
     * all its events are stored.
     */
    async settled(timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      while (inFlight.size && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      if (inFlight.size) throw new Error(`${inFlight.size} tracking requests still unanswered`);
    },
    /** The newest session, once there is one. */
    async latest(timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (!started.length && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      if (!started.length) throw new Error('the tracker started no session');
      return started[started.length - 1];
    },
  };
}

/** All bytes in the bucket, for "this text appears nowhere" checks. */
export async function everything(bucket: R2Bucket): Promise<string> {
  return readAll(bucket);
}

/** A tracking request's JSON text: the replay recorder's batches are gzip, the core tracker's plain. */
export function requestText(r: { postDataBuffer(): Buffer | null }): string {
  const body = r.postDataBuffer();
  return body ? storedText(new Uint8Array(body)) : '';
}
