// What a view is given to render: where it is, for which site and period,
// who is looking, and how to change any of that.
import type { Site, User } from './api';
import { apiParams, sharedParams, withParams, type DayRange, type ViewQuery } from './state';

export interface Ctx {
  url: URL;
  params: Record<string, string>;
  q: ViewQuery;
  range: DayRange;
  /** The period compared against, or null when comparison is off. */
  previous: DayRange | null;
  site: Site | null;
  sites: Site[];
  me: User;
  admin: boolean;
  /** Aborted when the view is replaced. */
  signal: AbortSignal;
  today: string;
}

/** The /analytics query string for the current site, period and filters. */
export function analyticsQuery(ctx: Ctx, extra: Record<string, string | number> = {}, range: DayRange = ctx.range): string {
  return apiParams(ctx.site!.id, range, ctx.q.filters, extra);
}

/** A dashboard link that keeps site, period and filters. */
export function linkTo(ctx: Ctx, path: string, changes: Record<string, string | null> = {}): string {
  return withParams(path, sharedParams(ctx.url.search), changes);
}

/** The current view with some parameters changed. */
export function here(ctx: Ctx, changes: Record<string, string | null>): string {
  return withParams(ctx.url.pathname, ctx.url.search, changes);
}
