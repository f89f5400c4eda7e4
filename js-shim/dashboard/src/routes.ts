// Every page of the dashboard, in navigation order. `toolbar` pages take the
// period and filters; `admin` pages are shown to admins only (the API
// enforces it either way).
import type { ComponentChild } from 'preact';
import type { Ctx } from './context';
import { overviewView } from './views/overview';
import { pagesView } from './views/pages';
import { sourcesView } from './views/sources';
import { locationsView } from './views/locations';
import { devicesView } from './views/devices';
import { engagementView } from './views/engagement';
import { realtimeView } from './views/realtime';
import { sessionsView } from './views/sessions';
import { heatmapsView } from './views/heatmaps';
import { errorsView } from './views/errors';
import { storageView } from './views/storage';
import { replayView } from './views/replay';
import { sitesView, siteView } from './settings/sites';
import { tokensView } from './settings/tokens';
import { usersView } from './settings/users';
import { membersView } from './settings/members';
import { deploymentsView } from './settings/deployments';
import { storageAdminView } from './settings/storage';

export interface RouteDef {
  pattern: string;
  title: string;
  /** Loads what the view needs and renders it (its components keep their own state from there). */
  view: (ctx: Ctx) => ComponentChild | Promise<ComponentChild>;
  /** Shown in the navigation under this section. */
  nav?: 'analytics' | 'settings';
  /** Period and filter controls apply. */
  toolbar?: 'full' | 'filters';
  /** The instance admin only. */
  admin?: boolean;
  /** An owner or admin of the current organisation (or the instance admin). */
  manage?: boolean;
  /** Not through a shared link. */
  login?: boolean;
  /** Needs a site to show anything. */
  needsSite?: boolean;
}

export const ROUTES: RouteDef[] = [
  { pattern: '/app', title: 'Overview', view: overviewView, nav: 'analytics', toolbar: 'full', needsSite: true },
  { pattern: '/app/pages', title: 'Pages', view: pagesView, nav: 'analytics', toolbar: 'full', needsSite: true },
  { pattern: '/app/sources', title: 'Sources', view: sourcesView, nav: 'analytics', toolbar: 'full', needsSite: true },
  { pattern: '/app/locations', title: 'Locations', view: locationsView, nav: 'analytics', toolbar: 'full', needsSite: true },
  { pattern: '/app/devices', title: 'Devices', view: devicesView, nav: 'analytics', toolbar: 'full', needsSite: true },
  { pattern: '/app/engagement', title: 'Engagement', view: engagementView, nav: 'analytics', toolbar: 'full', needsSite: true },
  { pattern: '/app/realtime', title: 'Realtime', view: realtimeView, nav: 'analytics', needsSite: true },
  { pattern: '/app/heatmaps', title: 'Heatmaps', view: heatmapsView, nav: 'analytics', toolbar: 'full', needsSite: true },
  { pattern: '/app/errors', title: 'Errors', view: errorsView, nav: 'analytics', toolbar: 'full', needsSite: true },
  { pattern: '/app/sessions', title: 'Sessions', view: sessionsView, nav: 'analytics', toolbar: 'full', needsSite: true },
  { pattern: '/app/sessions/:id', title: 'Replay', view: replayView },
  { pattern: '/app/storage', title: 'Storage', view: storageView, nav: 'analytics', toolbar: 'full', needsSite: true },
  { pattern: '/app/settings/sites', title: 'Sites', view: sitesView, nav: 'settings', manage: true },
  { pattern: '/app/settings/sites/:id', title: 'Site settings', view: siteView, manage: true },
  { pattern: '/app/settings/members', title: 'Members', view: membersView, nav: 'settings', manage: true },
  { pattern: '/app/settings/tokens', title: 'API tokens', view: tokensView, nav: 'settings', manage: true },
  { pattern: '/app/settings/users', title: 'Users', view: usersView, nav: 'settings', admin: true },
  { pattern: '/app/settings/deployments', title: 'Deployments', view: deploymentsView, nav: 'settings', login: true },
  { pattern: '/app/settings/storage', title: 'Data & storage', view: storageAdminView, nav: 'settings', admin: true },
];
