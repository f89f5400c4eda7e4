// Sessions placed in the past directly in every store, as ingest would have
// left them (ingest itself refuses sessions that old): chunks in R2 under the
// start date's prefix, the row in Postgres with its applied seqs, the daily
// page rollup, and the D1 cache row.
import type { Stack } from './stack.ts';
import type { Event } from './factories.ts';
import { loadCore } from '../../core/load-core.ts';
import { rebuildRollups } from '../../../scripts/lib/rollups.mjs';

export const DAY_MS = 86_400_000;

// The R2 key layout is the core's alone (ARCHITECTURE.md §5 rule 5): the
// harness asks it too.
const core = loadCore();

/** The session's R2 prefix, `sessions/YYYY/MM/DD/{session_id}/` by the core. */
export function dayPrefix(sessionId: string, startedAt: Date | string): string {
  const r = core.sessionPrefix(sessionId, new Date(startedAt).toISOString());
  if (!r.ok) throw new Error(r.message);
  return r.key;
}

/** `sessions/`, `pending/` or `quarantine/`, by the core. */
export function rootPrefix(root: 'sessions' | 'pending' | 'quarantine'): string {
  return core.rootPrefix(root);
}

/** The R2 folder of one UTC day, `sessions/YYYY/MM/DD/` by the core. */
export function dayFolder(at: Date | string): string {
  const r = core.dayPrefix(new Date(at).getTime());
  if (!r.ok) throw new Error(r.message);
  return r.key;
}

/** A deferred batch's marker (`pending/…`), or with seq -1 its session's marker folder, by the core. */
export function pendingKey(sessionId: string, seq: number): string {
  const r = core.markerKey('pending', sessionId, seq);
  if (!r.ok) throw new Error(r.message);
  return r.key;
}

export function chunkKey(sessionId: string, startedAt: Date | string, seq: number): string {
  const r = core.deriveR2Key(sessionId, new Date(startedAt).toISOString(), seq);
  if (!r.ok) throw new Error(r.message);
  return r.key;
}

/** One NDJSON line as the core normalises an event. */
function line(e: Event, seq: number, i: number, sessionId: string): string {
  const { ts, ...rest } = e;
  return `${JSON.stringify({ ts, seq, i, session_id: sessionId, ...rest })}\n`;
}

export interface Placed {
  id: string;
  siteId: string;
  startedAt: Date;
  prefix: string;
  events: number;
}

export async function placeSession(stack: Stack, siteId: string, id: string, startedAt: Date, batches: Event[][]): Promise<Placed> {
  const bucket = await stack.bucket();
  const prefix = dayPrefix(id, startedAt);
  let bytes = 0;
  const pages = new Map<string, number>();
  for (const [seq, events] of batches.entries()) {
    const body = events.map((e, i) => line(e, seq, i, id)).join('');
    bytes += body.length;
    await bucket.put(chunkKey(id, startedAt, seq), body, {
      customMetadata: { site_id: siteId, session_id: id, seq: String(seq), events: String(events.length) },
    });
    for (const e of events) {
      if (e.type !== 'page_view') continue;
      const key = `${new Date(e.ts).toISOString().slice(0, 10)}|${new URL(String(e.url)).pathname}`;
      pages.set(key, (pages.get(key) ?? 0) + 1);
    }
  }
  const all = batches.flat();
  const pageViews = all.filter((e) => e.type === 'page_view').length;
  const last = new Date(Math.max(startedAt.getTime(), ...all.map((e) => e.ts)));
  await stack.db.query(
    `INSERT INTO sessions (id, site_id, started_at, last_seen_at, event_count, page_views, applied, chunks, bytes_stored, entry_page)
     VALUES ($1, $2, $3, $4, $5, $6, COALESCE((SELECT range_agg(int4range(x, x + 1)) FROM unnest($7::int[]) AS x), '{}'), $8, $9, '/')`,
    [id, siteId, startedAt, last, all.length, pageViews, batches.map((_, seq) => seq), batches.length, bytes],
  );
  for (const [key, views] of pages) {
    const [day, path] = key.split('|');
    await stack.db.query(
      `INSERT INTO page_daily (site_id, day, path, page_views) VALUES ($1, $2, $3, $4)
       ON CONFLICT (site_id, day, path) DO UPDATE SET page_views = page_daily.page_views + EXCLUDED.page_views`,
      [siteId, day, path, views],
    );
  }
  // A row written straight into Postgres: its site's rollups are recounted, as after an import.
  await rebuildRollups(stack.db, { siteId });
  await (await stack.d1())
    .prepare('INSERT INTO sessions (id, site_id, started_at, last_seen_at, event_count, page_views, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)')
    .bind(id, siteId, startedAt.toISOString(), last.toISOString(), all.length, pageViews, new Date().toISOString())
    .run();
  return { id, siteId, startedAt, prefix, events: all.length };
}

/** What every store holds of a session: R2 objects, the Postgres row, the D1 row. */
export async function presence(stack: Stack, s: { id: string; prefix: string }) {
  const r2 = (await (await stack.bucket()).list({ prefix: s.prefix })).objects.length;
  const pgRow = (await stack.db.query('SELECT 1 FROM sessions WHERE id = $1', [s.id])).rowCount ?? 0;
  const d1Row = (await (await stack.d1()).prepare('SELECT 1 FROM sessions WHERE id = ?1').bind(s.id).first()) ? 1 : 0;
  return { r2, pg: pgRow, d1: d1Row };
}
