// The events every benchmark sends: what the tracker records on a shop page
// (page views, clicks, scrolls, custom events, visibility changes and rrweb
// DOM mutations of about 1 KB), from a seeded generator so every run and every
// benchmark (core, native, end to end) works on the same bytes.

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const PAGES = [
  ['https://shop.example.com/', 'Example Shop'],
  ['https://shop.example.com/pricing?plan=pro&utm_source=newsletter', 'Pricing — Example Shop'],
  ['https://shop.example.com/products/espresso-machine-x2#reviews', 'Espresso Machine X2'],
  ['https://shop.example.com/café/menu', 'Café menu'],
  ['https://shop.example.com/checkout/step-2', 'Checkout'],
] as const;
const SELECTORS = [
  'button#buy',
  'nav > a[href="/pricing"]',
  'div.card:nth-child(3) > h2.title',
  'input[name="email"]',
  'ul.menu > li.menu-item:nth-child(2) > a',
  'form#signup button[type="submit"]',
];
const CUSTOM: Array<[string, Record<string, unknown>]> = [
  ['add_to_cart', { sku: 'ESP-2041', price: 349.9, currency: 'EUR', qty: 1 }],
  ['signup', { plan: 'pro', trial: true }],
  ['video_play', { id: 'intro', position: 12.5 }],
  ['search', { q: 'milk frother', results: 14 }],
  ['newsletter', { source: 'footer' }],
];

/** An rrweb incremental snapshot (DOM mutation) of about 1 KB. */
function rrwebData(r: () => number, id: number): Record<string, unknown> {
  const adds: unknown[] = [];
  const data = {
    type: 3,
    data: {
      source: 0,
      texts: [{ id: id + 1, value: 'Prix réduit : 299 € — livraison offerte' }],
      attributes: [{ id, attributes: { class: 'btn btn-primary is-active', 'aria-expanded': 'true', style: null } }],
      removes: [{ parentId: id - 1, id: id + 2 }],
      adds,
    },
    timestamp: 0,
  };
  let n = 0;
  while (JSON.stringify(data).length < 1000) {
    adds.push({
      parentId: id,
      nextId: n ? id + 10 + n - 1 : null,
      node: {
        type: 2,
        tagName: n % 2 ? 'li' : 'span',
        attributes: { class: `menu-item item-${n}`, 'data-pos': String(Math.floor(r() * 100)) },
        childNodes: [],
        id: id + 10 + n,
      },
    });
    n++;
  }
  return data;
}

/** A visit in progress: its random stream, clock and rrweb node ids. */
export interface Visit {
  r: () => number;
  ts: number;
  node: number;
  /** Events are 0..stepMs-1 ms apart, so several can share a millisecond. */
  stepMs: number;
}

export function newVisit(seed: number, startMs: number, stepMs = 800): Visit {
  return { r: mulberry32(seed), ts: startMs + 500, node: 100, stepMs };
}

export type TrackerEvent = Record<string, unknown> & { type: string; ts: number };

/**
 * The visit's next `count` events. With `rejectAt`, the events at those
 * indexes are ones ingest must drop (an unknown type, a ts past the window).
 */
export function nextEvents(v: Visit, count: number, rejectAt?: { unknownType: number; lateTs: number; late: number }): TrackerEvent[] {
  const { r } = v;
  const events: TrackerEvent[] = [];
  for (let i = 0; i < count; i++) {
    v.ts += Math.floor(r() * v.stepMs);
    const ts = v.ts;
    if (rejectAt && i === rejectAt.unknownType) {
      events.push({ type: 'hover', ts, x: 10, y: 20 });
    } else if (rejectAt && i === rejectAt.late) {
      events.push({ type: 'click', ts: rejectAt.lateTs, x: 1, y: 2, selector: 'a' });
    } else if (i % 40 === 0) {
      const [url, title] = PAGES[Math.floor(r() * PAGES.length)];
      events.push({ type: 'page_view', ts, url, referrer: i ? PAGES[0][0] : 'https://www.google.com/', title });
    } else if (i % 20 === 7) {
      v.node += 40;
      const data = rrwebData(r, v.node);
      (data as { timestamp: number }).timestamp = ts;
      events.push({ type: 'rrweb', ts, data });
    } else {
      const p = r();
      if (p < 0.4) {
        const selector = SELECTORS[Math.floor(r() * SELECTORS.length)];
        events.push({ type: 'click', ts, x: Math.floor(r() * 1440), y: Math.floor(r() * 900), selector });
      } else if (p < 0.7) {
        events.push({ type: 'scroll', ts, scroll_percent: Math.round(r() * 10000) / 100 });
      } else if (p < 0.97) {
        const [name, props] = CUSTOM[Math.floor(r() * CUSTOM.length)];
        events.push({ type: 'custom', ts, name, props });
      } else {
        events.push({ type: 'visibility', ts, state: r() < 0.5 ? 'hidden' : 'visible' });
      }
    }
  }
  return events;
}

export function shuffled<T>(items: T[], seed: number): T[] {
  const r = mulberry32(seed);
  const out = [...items];
  for (let k = out.length - 1; k > 0; k--) {
    const j = Math.floor(r() * (k + 1));
    [out[k], out[j]] = [out[j], out[k]];
  }
  return out;
}
