// GET /api/insights/*: click heatmaps, scroll depth, rage and dead clicks and
// error groups of a site, from the page-insight rollups only (never events);
// the heatmap's snapshot is one R2 object read.
import { Hono, type Context } from 'hono';
import { WIDTH_BUCKETS, type WidthBucket } from '../core';
import type { AppBindings } from '../env';
import { ApiError } from '../errors';
import { assertReplayAccess, requireReader } from '../lib/auth';
import { query } from '../lib/db';
import { limitParam, rangeQuery } from '../lib/params';
import { loadSnapshotLine } from '../services/snapshot';
import * as q from '../storage/pg-insights';

/** The grid the core rolls clicks into (wasm/include/edgereplay/insights.hpp). */
export const HEAT_GRID = { columns: 24, row_px: 50, rows: 200 } as const;

const insights = new Hono<AppBindings>();
insights.use('*', requireReader);

function pathParam(c: Context<AppBindings>, required: boolean): string | undefined {
  const path = c.req.query('path');
  if (path === undefined || path === '') {
    if (required) throw new ApiError(400, 'bad_request', 'path is required (a page path such as /pricing).');
    return undefined;
  }
  if (!path.startsWith('/') || path.length > 512) throw new ApiError(400, 'bad_request', 'path must start with / and be at most 512 characters.');
  return path;
}

function widthParam(c: Context<AppBindings>): WidthBucket {
  const width = c.req.query('width') ?? 'desktop';
  if (!WIDTH_BUCKETS.includes(width as WidthBucket)) throw new ApiError(400, 'bad_request', `width must be one of ${WIDTH_BUCKETS.join(', ')}.`);
  return width as WidthBucket;
}

insights.get('/pages', async (c) => {
  const range = rangeQuery(c);
  return c.json({ pages: await query(c, (sql) => q.clickedPages(sql, range, limitParam(c, 50, 200))) });
});

insights.get('/heatmap', async (c) => {
  const range = rangeQuery(c);
  const path = pathParam(c, true)!;
  const width = widthParam(c);
  const { cells, widths, snapshot } = await query(c, (sql) => q.heatmap(sql, { ...range, path, width }));
  const clicksByWidth = Object.fromEntries(WIDTH_BUCKETS.map((w) => [w, widths[w] ?? 0]));
  return c.json({
    path,
    width,
    grid: HEAT_GRID,
    clicks: clicksByWidth[width],
    clicks_by_width: clicksByWidth,
    cells,
    snapshot: snapshot
      ? { session_id: snapshot.session_id, at: new Date(Number(snapshot.ts)).toISOString(), viewport_width: snapshot.viewport_width, viewport_height: snapshot.viewport_height }
      : null,
  });
});

// The recorded page itself: rrweb's meta and full-snapshot events, ready for its rebuild.
insights.get('/heatmap/snapshot', async (c) => {
  const { siteId } = rangeQuery(c);
  // A recorded page is replay data: a shared link shows it only when replays are included.
  assertReplayAccess(c);
  const path = pathParam(c, true)!;
  const width = widthParam(c);
  const ref = await query(c, (sql) => q.snapshotRef(sql, siteId, path, width));
  if (!ref) throw new ApiError(404, 'no_snapshot', `No recorded snapshot of ${path} at ${width} width: no sampled session with replay has visited it.`);
  const line = await loadSnapshotLine(c.env.EVENTS, ref);
  if (!line) throw new ApiError(404, 'no_snapshot', `The recorded snapshot of ${path} is no longer stored.`);
  const stored = JSON.parse(new TextDecoder().decode(line)) as { data: { timestamp?: number } };
  const meta = { type: 4, timestamp: ref.ts - 1, data: { href: path, width: ref.viewport_width, height: ref.viewport_height } };
  return c.json({ session_id: ref.session_id, events: [meta, { ...stored.data, timestamp: stored.data.timestamp ?? ref.ts }] }, 200, {
    'Cache-Control': 'private, max-age=300',
  });
});

insights.get('/scroll', async (c) => {
  const range = rangeQuery(c);
  const path = pathParam(c, true)!;
  const { page_views, depths } = await query(c, (sql) => q.scrollDepth(sql, { ...range, path }));
  return c.json({
    path,
    page_views,
    depths: depths.map((d) => ({ ...d, share: page_views ? Math.min(1, d.page_views / page_views) : 0 })),
  });
});

insights.get('/clicks', async (c) => {
  const range = rangeQuery(c);
  const path = pathParam(c, false);
  const kind = c.req.query('kind');
  if (kind !== undefined && kind !== 'rage' && kind !== 'dead') throw new ApiError(400, 'bad_request', 'kind must be rage or dead.');
  const rows = await query(c, (sql) => q.clickIssues(sql, { ...range, path, kind }, limitParam(c, 50, 200)));
  return c.json({ issues: rows });
});

insights.get('/errors', async (c) => {
  const range = rangeQuery(c);
  const rows = await query(c, (sql) => q.errorGroups(sql, range, limitParam(c, 50, 200), 10));
  return c.json({ groups: rows });
});

export default insights;
