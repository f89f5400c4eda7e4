// The read-side query shape shared by Postgres and the D1 cache: a site, a
// time range on session start, and optional dimension filters. Parsed from
// the URL by routes, turned into SQL by each storage adapter.
export interface Filters {
  page?: string; // entry page path
  country?: string;
  device?: string;
  browser?: string;
  os?: string;
  source?: string; // referrer domain or utm_source
}

export interface RangeQuery {
  siteId: string;
  from: Date;
  to: Date;
  filters: Filters;
  /** Count sessions flagged as bots too (`include_bots`); by default they are left out. */
  includeBots?: boolean;
}

export type SessionSort = 'started_at' | 'last_seen_at' | 'duration_ms' | 'event_count' | 'page_views';
export const SESSION_SORTS: SessionSort[] = ['started_at', 'last_seen_at', 'duration_ms', 'event_count', 'page_views'];

export interface ListQuery extends RangeQuery {
  sort: SessionSort;
  limit: number;
  /** The sort value and id of the last row of the previous page. */
  after?: { value: string; id: string };
}

/** Maps a filter name to its sessions column (source is special: two columns). */
export const FILTER_COLUMNS: Record<Exclude<keyof Filters, 'source'>, string> = {
  page: 'entry_page',
  country: 'country',
  device: 'device',
  browser: 'browser',
  os: 'os',
};

export function encodeCursor(value: unknown, id: string): string {
  const v = value instanceof Date ? value.toISOString() : String(value);
  return btoa(`${v}|${id}`).replace(/=+$/, '');
}

export function decodeCursor(cursor: string): { value: string; id: string } | undefined {
  try {
    const text = atob(cursor);
    const bar = text.lastIndexOf('|');
    if (bar < 0) return undefined;
    return { value: text.slice(0, bar), id: text.slice(bar + 1) };
  } catch {
    return undefined;
  }
}
