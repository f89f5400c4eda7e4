// What a view is given to render: where it is, for which site and period,
// who is looking, and how to change any of that.
import type { Org, Site, User } from './api';
import { apiParams, sharedParams, withParams, type DayRange, type ViewQuery } from './state';

export interface Ctx {
  url: URL;
  params: Record<string, string>;
  q: ViewQuery;
  range: DayRange;
  /** The period compared against, or null when comparison is off. */
  previous: DayRange | null;
  site: Site | null;
  /** The sites of the current organisation the caller may read. */
  sites: Site[];
  me: User;
  /** The instance admin. */
  admin: boolean;
  /** The caller's organisations, and the one shown. */
  orgs: Org[];
  org: Org | null;
  /** May manage the current organisation (its owner or unnarrowed admin, or the instance admin). */
  manage: boolean;
  /** Reading through a shared link (no settings; replays only when the link includes them). */
  share: { siteId: string; replays: boolean } | null;
  /** Aborted when the view is replaced. */
  signal: AbortSignal;
  today: string;
}

/** The /analytics query string for the current site, period and filters (bots included when the address says so). */
export function analyticsQuery(ctx: Ctx, extra: Record<string, string | number> = {}, range: DayRange = ctx.range): string {
  return apiParams(ctx.site!.id, range, ctx.q.filters, extra, ctx.q.bots);
}

/** A dashboard link that keeps site, period and filters. */
export function linkTo(ctx: Ctx, path: string, changes: Record<string, string | null> = {}): string {
  return withParams(path, sharedParams(ctx.url.search), changes);
}

/** The current view with some parameters changed. */
export function here(ctx: Ctx, changes: Record<string, string | null>): string {
  return withParams(ctx.url.pathname, ctx.url.search, changes);
}
