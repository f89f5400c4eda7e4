// Visits for the dashboard tests, sent through the public ingest API the way
// trackers in different browsers and countries send them (Cloudflare's
// request.cf.country, the User-Agent, the client address), plus older days
// of history inserted as session rows, since the ingest API only takes
// sessions of the last 24 hours.
import assert from 'node:assert/strict';
import type { Stack } from '../worker/harness/stack.ts';
import { batchBody, type Event, type StartedSession } from '../worker/harness/factories.ts';
import { rebuildRollups } from '../../scripts/lib/rollups.mjs';

const UA = {
  chromeLinux: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  iphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  firefoxWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0',
  ipad: 'Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  safariMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  pixel: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
};

export interface Visit {
  name: string;
  country: string;
  ua: string;
  ip: string;
  /** The landing URL, UTM tags included. */
  url: string;
  referrer?: string;
  screen: string;
  pages: string[];
  clicks: number;
  scroll: number;
  custom?: string[];
  error?: string;
  durationMs: number;
  /** Sent with session/end; otherwise the visit stays open (realtime). */
  end: boolean;
}

const ORIGIN = 'https://shop.example';

export const VISITS: Visit[] = [
  { name: 'de-google', country: 'DE', ua: UA.chromeLinux, ip: '203.0.113.10', url: `${ORIGIN}/`, referrer: 'https://www.google.com/', screen: '1920x1080', pages: ['/', '/pricing', '/docs'], clicks: 4, scroll: 82, custom: ['signup'], durationMs: 45_000, end: true },
  { name: 'us-newsletter', country: 'US', ua: UA.iphone, ip: '203.0.113.11', url: `${ORIGIN}/blog/launch?utm_source=newsletter&utm_medium=email&utm_campaign=launch`, screen: '390x844', pages: ['/blog/launch', '/pricing'], clicks: 2, scroll: 100, error: 'TypeError: price is undefined', durationMs: 130_000, end: true },
  { name: 'fr-direct-bounce', country: 'FR', ua: UA.firefoxWindows, ip: '203.0.113.12', url: `${ORIGIN}/`, screen: '1536x864', pages: ['/'], clicks: 0, scroll: 30, durationMs: 8_000, end: true },
  { name: 'de-hn', country: 'DE', ua: UA.ipad, ip: '203.0.113.13', url: `${ORIGIN}/pricing`, referrer: 'https://news.ycombinator.com/item?id=1', screen: '820x1180', pages: ['/pricing', '/signup'], clicks: 3, scroll: 64, custom: ['checkout'], durationMs: 300_000, end: false },
  { name: 'gb-google-docs', country: 'GB', ua: UA.safariMac, ip: '203.0.113.14', url: `${ORIGIN}/docs`, referrer: 'https://www.google.com/', screen: '1440x900', pages: ['/docs', '/docs/install', '/docs/api'], clicks: 5, scroll: 95, durationMs: 500_000, end: false },
  { name: 'br-twitter', country: 'BR', ua: UA.pixel, ip: '203.0.113.15', url: `${ORIGIN}/?utm_source=twitter&utm_medium=social`, referrer: 'https://t.co/', screen: '412x915', pages: ['/', '/blog/launch'], clicks: 1, scroll: 48, durationMs: 21_000, end: true },
];

/** The events a visit's tracker would have sent, spread over its duration. */
export function visitEvents(v: Visit, t0: number): Event[] {
  const events: Event[] = [];
  const per = v.durationMs / v.pages.length;
  v.pages.forEach((page, p) => {
    const start = t0 + Math.round(p * per);
    const url = p === 0 ? v.url : `${ORIGIN}${page}`;
    events.push({ type: 'page_view', ts: start, url, title: `Shop · ${page}`, ...(p === 0 && v.referrer ? { referrer: v.referrer } : {}) });
    const clicks = Math.floor(v.clicks / v.pages.length) + (p < v.clicks % v.pages.length ? 1 : 0);
    for (let k = 0; k < clicks; k++) {
      events.push({ type: 'click', ts: start + Math.round(((k + 1) * per) / (clicks + 2)), x: 120 + 180 * k, y: 220 + 140 * k, selector: `a#cta-${p}-${k}`, text: k % 2 ? 'Read more' : 'Get started' });
    }
    const depth = Math.round((v.scroll * (p + 1)) / v.pages.length);
    events.push({ type: 'scroll', ts: start + Math.round(per * 0.6), scroll_percent: p === v.pages.length - 1 ? v.scroll : depth });
  });
  for (const [k, name] of (v.custom ?? []).entries()) events.push({ type: 'custom', ts: t0 + Math.round(v.durationMs * 0.7) + k, name, props: { plan: 'pro' } });
  if (v.error) events.push({ type: 'error', ts: t0 + Math.round(v.durationMs * 0.5), message: v.error, source: `${ORIGIN}/app.js:12:5` });
  events.push({ type: 'visibility', ts: t0 + v.durationMs, state: 'hidden' });
  return events.sort((a, b) => a.ts - b.ts);
}

export async function sendVisit(stack: Stack, siteId: string, v: Visit): Promise<StartedSession> {
  const res = await stack.fetch('/track/session/start', {
    method: 'POST',
    headers: { 'content-type': 'text/plain', 'user-agent': v.ua, 'cf-connecting-ip': v.ip },
    cf: { country: v.country },
    body: JSON.stringify({ site_id: siteId, url: v.url, referrer: v.referrer ?? '', screen: v.screen, language: 'en-US', timezone: 'Europe/Berlin' }),
  } as RequestInit);
  assert.equal(res.status, 200, await res.clone().text());
  const s = (await res.json()) as StartedSession;
  // Events may lie up to 5 minutes either side of the start (clock skew):
  // a long visit begins before it and ends a little after.
  const t0 = Date.parse(s.session_started_at) - Math.min(270_000, Math.max(0, v.durationMs - 60_000));
  const events = visitEvents(v, t0);
  const sent = await stack.fetch(v.end ? '/track/session/end' : '/track/events/batch', {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: batchBody(s, 0, events, v.end ? { ended_at: new Date(t0 + v.durationMs).toISOString() } : {}),
  });
  assert.equal(sent.status, 202, await sent.clone().text());
  const body = (await sent.json()) as { accepted: number; rejected: number };
  assert.equal(body.rejected, 0, `${v.name}: no event rejected`);
  return s;
}

// ------------------------------------------------------------------ history

/** A small deterministic generator, so the history is the same every run. */
function random(seed: number) {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

const HISTORY = {
  countries: ['DE', 'US', 'US', 'GB', 'FR', 'DE', 'NL', 'BR', 'IN', 'CA'],
  devices: [
    ['desktop', 'Chrome', 'Linux'],
    ['desktop', 'Chrome', 'Windows'],
    ['mobile', 'Mobile Safari', 'iOS'],
    ['desktop', 'Firefox', 'Windows'],
    ['mobile', 'Chrome', 'Android'],
    ['desktop', 'Safari', 'Mac OS'],
    ['tablet', 'Mobile Safari', 'iOS'],
  ],
  sources: [null, null, 'www.google.com', 'www.google.com', 'news.ycombinator.com', 't.co', 'duckduckgo.com'],
  pages: ['/', '/', '/pricing', '/docs', '/blog/launch', '/docs/install'],
};

/**
 * Sessions of the `days` days before today (UTC), as rows with their
 * aggregates and page rollups: the chart's history and the previous period.
 */
export async function insertHistory(stack: Stack, siteId: string, days = 13): Promise<number> {
  const rnd = random(7);
  const pick = <T>(list: T[]) => list[Math.floor(rnd() * list.length)];
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  let n = 0;
  for (let d = days; d >= 1; d--) {
    const count = 3 + Math.round(4 + 3 * Math.sin(d / 2) + rnd() * 3);
    for (let k = 0; k < count; k++) {
      const started = today - d * 86_400_000 + Math.floor((8 + rnd() * 12) * 3_600_000);
      const pages = 1 + Math.floor(rnd() * 4);
      const duration = pages === 1 ? Math.floor(rnd() * 20_000) : Math.floor(20_000 + rnd() * 400_000);
      const [device, browser, os] = pick(HISTORY.devices);
      const entry = pick(HISTORY.pages);
      const exit = pages === 1 ? entry : pick(HISTORY.pages);
      const clicks = Math.floor(rnd() * 6);
      const id = `hist_${siteId}_${d}_${k}`;
      await stack.db.query(
        `INSERT INTO sessions (id, site_id, started_at, last_seen_at, ended_at, visitor_id, entry_page, exit_page, referrer_domain,
           country, device, browser, os, event_count, page_views, clicks, custom_events, errors, max_scroll_percent,
           first_event_at, last_event_at, duration_ms)
         VALUES ($1, $2, to_timestamp($3 / 1000.0), to_timestamp(($3 + $4) / 1000.0), to_timestamp(($3 + $4) / 1000.0), $5, $6, $7, $8,
           $9, $10, $11, $12, $13, $14, $15, 0, 0, $16, to_timestamp($3 / 1000.0), to_timestamp(($3 + $4) / 1000.0), $4)`,
        [id, siteId, started, duration, `v${Math.floor(rnd() * 1e9)}`, entry, exit, pick(HISTORY.sources), pick(HISTORY.countries), device, browser, os,
          pages * 3 + clicks + 2, pages, clicks, Math.round(rnd() * 100)],
      );
      await stack.db.query(
        `INSERT INTO page_daily (site_id, day, path, page_views) VALUES ($1, (to_timestamp($2 / 1000.0) AT TIME ZONE 'UTC')::date, $3, $4)
         ON CONFLICT (site_id, day, path) DO UPDATE SET page_views = page_daily.page_views + EXCLUDED.page_views`,
        [siteId, started, entry, pages],
      );
      n++;
    }
  }
  // Rows written straight into Postgres, as an import would: rollups are rebuilt from them.
  await rebuildRollups(stack.db, { siteId });
  // The D1 read cache catches up from Postgres on the cron, as in production.
  const worker = await stack.mf.getWorker('edgereplay');
  const result = await worker.scheduled({ cron: '*/5 * * * *' });
  assert.equal(result.outcome, 'ok');
  return n;
}
