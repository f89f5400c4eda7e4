// The dashboard: checks the login, then renders the frame (site picker,
// navigation, period and filters) and the view the address names, from one
// state: what the screen shows. Each navigation loads the view's data and
// renders it in place of the last one (Preact keeps the frame's elements).
import './styles.css';
import { Fragment, render as draw, type ComponentChild } from 'preact';
import { call, HttpError, isAdmin, setSharePass, sharePass, whenUnauthorized, type Org, type Site } from './api';
import type { Ctx } from './context';
import { match, navigate, onNavigate, rewrite } from './router';
import { ROUTES, type RouteDef } from './routes';
import { dayOf, previousRange, readQuery, resolveRange, withParams } from './state';
import { Empty, ErrorNote, Skeleton } from './components/ui';
import { Frame } from './frame';
import { LoginPage } from './views/login';
import { inviteView } from './views/invite';
import { shareEntryView } from './views/share-entry';
import { overviewCalls, overviewView } from './views/overview';
import { currentUser, forget, session, signOut } from './session';

const SITE_KEY = 'edgereplay.site';
const ORG_KEY = 'edgereplay.org';

/** What the screen shows: a page of its own (login, invitation, shared link, a fatal error), or the frame and a view. */
type Screen =
  | { kind: 'page'; page: ComponentChild }
  | { kind: 'frame'; ctx: Ctx; route: RouteDef | null; content: ComponentChild; busy: boolean; seq: number };

let controller: AbortController | null = null;
let screen: Screen | null = null;
let seq = 0;
const root = document.getElementById('app')!;

function show(next: Screen): void {
  // The shell's "Loading edgereplay…" is not Preact's: it goes before the first draw, or it stays beside the app.
  if (!screen) root.querySelector(':scope > .boot')?.remove();
  screen = next;
  draw(<Root screen={next} />, root);
}

function Root(props: { screen: Screen }) {
  const s = props.screen;
  if (s.kind === 'page') return <>{s.page}</>;
  return (
    <Frame ctx={s.ctx} route={s.route} busy={s.busy} onSignOut={signOutAndLeave}>
      {/* A new key per drawn view: the last one is unmounted (its timers, charts and player let go). */}
      <Fragment key={s.seq}>{s.content}</Fragment>
    </Frame>
  );
}

async function signOutAndLeave(): Promise<void> {
  await signOut();
  screen = null;
  navigate('/app/login');
}

const viewEl = () => root.querySelector<HTMLElement>('.view');

function findRoute(path: string): { route: RouteDef; params: Record<string, string> } | null {
  for (const route of ROUTES) {
    const m = match(route.pattern, path);
    if (m) return { route, params: m.params };
  }
  return null;
}

async function render({ focus }: { focus: boolean }): Promise<void> {
  const focusWasInView = Boolean(viewEl()?.contains(document.activeElement));
  controller?.abort();
  const ctl = (controller = new AbortController());
  let url = new URL(location.href);
  if (url.pathname === '/' || url.pathname === '/app/') {
    rewrite(`/app${url.search}`);
    url = new URL(location.href);
  }

  // An invitation's and a shared link's own pages, outside the frame.
  const secretPage = /^\/(invite|share)\/([A-Za-z0-9_-]{1,80})\/?$/.exec(url.pathname);
  if (secretPage) {
    const page = secretPage[1] === 'invite' ? await inviteView(secretPage[2]) : await shareEntryView(secretPage[2]);
    if (page && !ctl.signal.aborted) {
      show({ kind: 'page', page });
      document.title = `${secretPage[1] === 'invite' ? 'Invitation' : 'Shared dashboard'} · edgereplay`;
      root.querySelector<HTMLElement>('h1')?.focus();
    }
    return;
  }

  if (url.pathname === '/app/login') {
    show({ kind: 'page', page: <LoginPage next={url.searchParams.get('next')} /> });
    document.title = 'Log in · edgereplay';
    root.querySelector<HTMLInputElement>('input')?.focus();
    return;
  }

  try {
    // The first load asks for the user, the sites and the overview's data at once.
    const sitesCall = session.me || session.sites ? null : call<{ sites: Site[] }>('/api/sites', { cache: false });
    sitesCall?.catch(() => {}); // awaited below once logged in
    if (!session.me) prefetchOverview(url);
    session.me ??= await currentUser();
    if (!session.me) return navigate(`/app/login?next=${encodeURIComponent(url.pathname + url.search)}`, { replace: true });
    session.sites ??= (await (sitesCall ?? call<{ sites: Site[] }>('/api/sites', { cache: false }))).sites;
  } catch (err) {
    show({ kind: 'page', page: <div class="fatal"><ErrorNote error={err} /><p><a href={url.pathname + url.search}>Try again</a></p></div> });
    return;
  }
  if (ctl.signal.aborted) return;
  const { me } = session as { me: NonNullable<typeof session.me> };
  const orgs: Org[] = session.orgs ?? [];
  const admin = !session.share && isAdmin(me);

  const found = findRoute(url.pathname);
  const q = readQuery(url.search);
  // The organisation: the one of the site named, else the last one looked at, else the first.
  const named = q.site ? session.sites!.find((s) => s.id === q.site) : undefined;
  const org = orgs.find((o) => o.id === named?.organization_id) ?? orgs.find((o) => o.id === localStorage.getItem(ORG_KEY)) ?? orgs[0] ?? null;
  if (org) localStorage.setItem(ORG_KEY, org.id);
  // The site picker offers the organisation's sites (a shared link: its one site).
  const sites = org ? session.sites!.filter((s) => s.organization_id === org.id) : session.sites!;
  const manage = !session.share && (admin || Boolean(org && (org.role === 'owner' || org.role === 'admin') && org.site_ids === null));
  // The site: the one named, else the last one looked at, else the first.
  const wanted = q.site ?? localStorage.getItem(SITE_KEY);
  const site = sites.find((s) => s.id === wanted) ?? sites[0] ?? null;
  if (site && found?.route.needsSite && q.site !== site.id) {
    rewrite(withParams(url.pathname, url.search, { site: site.id }));
    url = new URL(location.href);
    q.site = site.id;
  }
  if (site) localStorage.setItem(SITE_KEY, site.id);

  const today = dayOf(Date.now());
  const range = resolveRange(q, today);
  const ctx: Ctx = {
    url,
    params: found?.params ?? {},
    q,
    range,
    previous: q.compare ? previousRange(range) : null,
    site,
    sites,
    me,
    admin,
    orgs,
    org,
    manage,
    share: session.share,
    signal: ctl.signal,
    today,
  };

  // The frame at once, with the last view until this one is ready (or a skeleton once loading is noticed).
  const route = found?.route ?? null;
  const kept = screen?.kind === 'frame' ? screen : null;
  const frameOf = (content: ComponentChild, busy: boolean, key: number): Screen => ({ kind: 'frame', ctx, route, content, busy, seq: key });
  show(frameOf(kept?.content ?? null, true, kept?.seq ?? ++seq));

  const title = route?.title ?? 'Not found';
  document.title = `${title}${site && route?.needsSite ? ` · ${site.name}` : ''} · edgereplay`;

  // A skeleton only when loading takes long enough to notice.
  const slow = setTimeout(() => {
    if (!ctl.signal.aborted) show(frameOf(<Skeleton />, true, ++seq));
  }, 150);
  let content: ComponentChild;
  try {
    content = await contentFor(ctx, route);
  } catch (err) {
    if (ctl.signal.aborted || (err instanceof Error && err.name === 'AbortError')) return;
    content = <ErrorNote error={err} />;
  } finally {
    clearTimeout(slow);
  }
  if (ctl.signal.aborted) return;
  show(frameOf(content, false, ++seq));
  const view = viewEl();
  // A new page, or a filter link inside the view that is now gone: continue from the heading.
  if (focus || (focusWasInView && !view?.contains(document.activeElement))) view?.querySelector<HTMLElement>('h1')?.focus();
}

/** Starts the overview's two calls (kept by api.ts's short cache, where the view finds them). */
function prefetchOverview(url: URL): void {
  if (findRoute(url.pathname)?.route.view !== overviewView) return;
  const q = readQuery(url.search);
  const siteId = q.site ?? localStorage.getItem(SITE_KEY);
  if (!siteId) return;
  const range = resolveRange(q, dayOf(Date.now()));
  const calls = overviewCalls(siteId, q.filters, range, q.compare ? previousRange(range) : null, q.bots);
  for (const path of Object.values(calls)) call(path).catch(() => {});
}

async function contentFor(ctx: Ctx, route: RouteDef | null): Promise<ComponentChild> {
  if (!route) {
    return (
      <Empty title="There is no such page" icon="compass">
        <p><a href="/app">Go to the overview</a></p>
      </Empty>
    );
  }
  if ((route.admin && !ctx.admin) || (route.manage && !ctx.manage) || (route.login && ctx.share)) {
    return (
      <Empty title="Admins only" icon="lock">
        <p>{route.title} can be seen and changed by admins of this organisation. Ask one to change your role.</p>
      </Empty>
    );
  }
  if (route.pattern === '/app/sessions/:id' && ctx.share && !ctx.share.replays) {
    return (
      <Empty title="Replays are not shared" icon="lock">
        <p>This shared link shows the analytics of {ctx.site?.name ?? 'its site'}, without session replays.</p>
      </Empty>
    );
  }
  if (route.needsSite && !ctx.site) {
    return (
      <Empty title="No site yet" icon="plant">
        {ctx.manage ? (
          <p><a class="btn primary" href="/app/settings/sites">Add your first site</a> and paste its snippet into your pages.</p>
        ) : (
          <p>No site is shared with you yet. Ask an admin to add one.</p>
        )}
      </Empty>
    );
  }
  return route.view(ctx);
}

whenUnauthorized(() => {
  if (location.pathname === '/app/login' || /^\/(invite|share)\//.test(location.pathname)) return;
  // A revoked shared link: back to the login.
  if (sharePass()) setSharePass(null);
  forget();
  screen = null;
  navigate(`/app/login?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
});

onNavigate((opts) => {
  render(opts).catch((err) => {
    if (err instanceof HttpError && err.status === 401) return;
    console.error(err);
  });
});
render({ focus: false }).catch((err) => console.error(err));
