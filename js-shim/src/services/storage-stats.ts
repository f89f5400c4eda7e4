// Storage stats for the admin: R2 objects and bytes per site and day, sessions
// per site and day, and row counts per table.
import type { AppEnv } from '../env';
import { DAY_MS, startOfDay } from '../lib/days';
import type { Sql } from '../storage/pg';
import { sessionsPerSiteDay, tableRowCounts } from '../storage/pg-storage';
import { CallBudget, scanPrefix } from '../storage/r2';
import { getCore } from '../wasm';
import { dayPrefix, R2_CALL_BUDGET } from './clear';
import { quarantined } from './reconcile';

export interface SiteDay {
  site_id: string;
  day: string;
  sessions: number;
  events: number;
  r2_objects: number;
  r2_bytes: number;
}

/**
 * R2 objects and bytes per site and day (from listing each day's prefix; an
 * object's site is in its metadata), sessions per site and day, and row
 * counts per table. `complete` is false when the R2 listing hit its budget.
 */
export async function storageStats(env: AppEnv, sql: Sql, from: Date, to: Date) {
  const budget = new CallBudget(R2_CALL_BUDGET);
  const rows = new Map<string, SiteDay>();
  const row = (site_id: string, day: string) => {
    const key = `${day}|${site_id}`;
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { site_id, day, sessions: 0, events: 0, r2_objects: 0, r2_bytes: 0 }));
    return r;
  };
  let complete = true;
  for (let day = startOfDay(from.getTime()); day < to && complete; day = new Date(day.getTime() + DAY_MS)) {
    const name = day.toISOString().slice(0, 10);
    complete = await scanPrefix(env.EVENTS, dayPrefix(day), budget, (objects) => {
      for (const o of objects) {
        const r = row(o.customMetadata?.site_id ?? 'unknown', name);
        r.r2_objects++;
        r.r2_bytes += o.size;
      }
    });
  }
  let pending = 0;
  if (complete) complete = await scanPrefix(env.EVENTS, getCore().rootPrefix('pending'), budget, (objects) => void (pending += objects.length));
  const quarantine = await quarantined(env.EVENTS);
  for (const s of await sessionsPerSiteDay(sql, from, to)) {
    const r = row(s.site_id as string, s.day as string);
    r.sessions = s.sessions as number;
    r.events = s.events as number;
  }
  const bySiteDay = [...rows.values()].sort((a, b) => (a.day === b.day ? (a.site_id < b.site_id ? -1 : 1) : a.day < b.day ? -1 : 1));
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    by_site_day: bySiteDay,
    totals: {
      sessions: bySiteDay.reduce((n, r) => n + r.sessions, 0),
      r2_objects: bySiteDay.reduce((n, r) => n + r.r2_objects, 0),
      r2_bytes: bySiteDay.reduce((n, r) => n + r.r2_bytes, 0),
      pending_markers: pending,
      quarantined: quarantine.count,
    },
    quarantine,
    tables: await tableRowCounts(sql),
    complete,
  };
}
