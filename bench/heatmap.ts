// Heatmaps at scale: 30 days of a busy page's click cells (about half of
// every 24 × 200 grid filled, at each of the three widths, every day) among
// 100 other pages, with their scroll-depth and click-issue rollups, in a real
// PostgreSQL; then GET /api/insights/heatmap (and the scroll and click-issue
// routes) for those 30 days through the built Worker in Miniflare, one
// request at a time. Writes bench/out/heatmap.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { seedSite, startStack } from '../tests/worker/harness/stack.ts';

const OUT = fileURLToPath(new URL('./out/', import.meta.url));
const DAYS = 30;
const OTHER_PAGES = 100;
const RUNS = 20;
const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] * 10) / 10;
};

async function timed(fn: () => Promise<void>, runs = RUNS, warm = 2) {
  for (let k = 0; k < warm; k++) await fn();
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return { p50_ms: pct(times, 50), p95_ms: pct(times, 95) };
}

const stack = await startStack();
try {
  const { siteId, token } = await seedSite(stack, 'busy');
  const t0 = Date.now();
  await stack.db.query(`
    SELECT setseed(0.19);
    INSERT INTO click_cells_daily (site_id, path, width, day, y, x, clicks)
    SELECT $1, '/pricing', w, (now() AT TIME ZONE 'UTC')::date - d, y, x, 1 + floor(pow(random(), 4) * 400)::int
    FROM generate_series(0, ${DAYS - 1}) d, unnest(ARRAY['phone', 'tablet', 'desktop']) w,
         generate_series(0, 199) y, generate_series(0, 23) x
    WHERE random() < 0.5;
    INSERT INTO click_cells_daily (site_id, path, width, day, y, x, clicks)
    SELECT $1, '/p/' || p, w, (now() AT TIME ZONE 'UTC')::date - d, floor(random() * 60)::int, floor(random() * 24)::int, 1
    FROM generate_series(1, ${OTHER_PAGES}) p, generate_series(0, ${DAYS - 1}) d, unnest(ARRAY['phone', 'tablet', 'desktop']) w,
         generate_series(1, 60) k
    ON CONFLICT DO NOTHING;
    INSERT INTO click_pages_daily (site_id, day, path, width, clicks)
    SELECT site_id, day, path, width, sum(clicks) FROM click_cells_daily GROUP BY 1, 2, 3, 4;
    INSERT INTO scroll_depth_daily (site_id, path, day, depth, page_views)
    SELECT $1, '/pricing', (now() AT TIME ZONE 'UTC')::date - d, depth, 20000 - depth * 1500
    FROM generate_series(0, ${DAYS - 1}) d, generate_series(0, 10) depth;
    INSERT INTO page_daily (site_id, day, path, page_views)
    SELECT $1, (now() AT TIME ZONE 'UTC')::date - d, '/pricing', 20000 FROM generate_series(0, ${DAYS - 1}) d;
    INSERT INTO click_issues_daily (site_id, path, day, kind, selector, clicks, last_ts, last_x, last_y, last_width)
    SELECT $1, '/pricing', (now() AT TIME ZONE 'UTC')::date - d, k, 'div.card>p.s' || s, 1 + floor(random() * 50)::int,
           extract(epoch FROM now())::bigint * 1000 - d::bigint * ${DAY_MS}, 10, 10, 'desktop'
    FROM generate_series(0, ${DAYS - 1}) d, unnest(ARRAY['rage', 'dead']) k, generate_series(1, 40) s;
    ANALYZE;`.replace(/\$1/g, `'${siteId}'`));
  const { rows } = await stack.db.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE path = '/pricing')::int AS page FROM click_cells_daily`);
  console.log(`heatmap bench: ${rows[0].n.toLocaleString('en-US')} cell rows (${rows[0].page.toLocaleString('en-US')} of /pricing) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const today = Date.now() - (Date.now() % DAY_MS);
  const range = `site_id=${siteId}&from=${isoDay(today - (DAYS - 1) * DAY_MS)}&to=${isoDay(today)}`;
  const get = async (path: string) => {
    const res = await stack.fetch(path, { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<Record<string, any>>;
  };
  const heat = await get(`/api/insights/heatmap?${range}&path=/pricing&width=desktop`);
  if (heat.cells.length < 2000) throw new Error(`only ${heat.cells.length} cells answered`);
  const result = {
    days: DAYS,
    cell_rows: rows[0].n,
    page_cell_rows: rows[0].page,
    cells_answered: heat.cells.length,
    heatmap: await timed(async () => void (await get(`/api/insights/heatmap?${range}&path=/pricing&width=desktop`))),
    scroll: await timed(async () => void (await get(`/api/insights/scroll?${range}&path=/pricing`))),
    clicks: await timed(async () => void (await get(`/api/insights/clicks?${range}&path=/pricing`))),
  };
  console.log(`heatmap bench: heatmap p50 ${result.heatmap.p50_ms} ms (p95 ${result.heatmap.p95_ms}), scroll p50 ${result.scroll.p50_ms} ms, clicks p50 ${result.clicks.p50_ms} ms`);
  mkdirSync(OUT, { recursive: true });
  writeFileSync(`${OUT}heatmap.json`, JSON.stringify(result, null, 2) + '\n');
} finally {
  await stack.close();
}
