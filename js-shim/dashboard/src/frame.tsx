// The frame around every view: top bar with the site picker and account,
// navigation, and the toolbar (period, comparison, filters). Rendered from
// the view's context on every navigation; Preact keeps its elements, so
// keyboard focus survives a change of filter or period.
import type { ComponentChildren } from 'preact';
import type { Ctx } from './context';
import { here, linkTo } from './context';
import { dayRange, countryName } from './format';
import { navigate } from './router';
import { ROUTES, type RouteDef } from './routes';
import { FILTER_LABELS, FILTERS, type FilterName } from './state';

const RANGE_LABELS = { today: 'Today', '7d': '7 days', '30d': '30 days', custom: 'Custom' } as const;

export function filterText(name: FilterName, value: string): string {
  return name === 'country' ? countryName(value) : value;
}

export function Frame(props: { ctx: Ctx; route: RouteDef | null; busy: boolean; onSignOut: () => void; children?: ComponentChildren }) {
  const { ctx, route } = props;
  const role = ctx.admin ? 'admin' : ctx.share ? 'shared link' : ctx.org?.role;
  return (
    <div class="shell">
      <a
        class="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="/app" aria-label="edgereplay overview">
          <span class="logo" aria-hidden="true" />
          <span>edgereplay</span>
        </a>
        <OrgPicker ctx={ctx} />
        <label class="site-label" for="site-picker">
          <span class="sr-only">Site</span>
        </label>
        <SitePicker ctx={ctx} route={route} />
        <span class="spacer" />
        <div class="account">
          <span class="who" title={ctx.me.email}>
            <span class="who-email">{ctx.me.email}</span>
            {role ? <span class="badge" data-role={role}>{role}</span> : null}
          </span>
        </div>
        <button type="button" class="btn ghost small" onClick={props.onSignOut}>
          Sign out
        </button>
      </header>
      <Nav ctx={ctx} route={route} />
      <main id="main" tabindex={-1}>
        <Toolbar ctx={ctx} route={route} />
        {/* Until the view is drawn: screen readers wait, and so can tests. */}
        <div class="view" aria-busy={props.busy ? 'true' : undefined}>
          {props.children}
        </div>
      </main>
    </div>
  );
}

function SitePicker(props: { ctx: Ctx; route: RouteDef | null }) {
  const { ctx, route } = props;
  return (
    <select
      id="site-picker"
      value={ctx.site?.id ?? ''}
      disabled={ctx.sites.length === 0}
      hidden={!route?.needsSite && !route?.pattern.startsWith('/app/sessions')}
      onChange={(e) => {
        // A site change keeps the page and period but not the filters: they name the other site's values.
        const keep = new URLSearchParams();
        for (const k of ['range', 'from', 'to', 'compare']) {
          const v = ctx.url.searchParams.get(k);
          if (v) keep.set(k, v);
        }
        keep.set('site', e.currentTarget.value);
        const path = ctx.url.pathname.startsWith('/app/sessions/') ? '/app/sessions' : ctx.url.pathname;
        navigate(`${path}?${keep}`);
      }}
    >
      {ctx.sites.map((s) => <option value={s.id}>{s.name}</option>)}
    </select>
  );
}

/** The organisation switcher: another organisation, its first site, the same page. */
function OrgPicker(props: { ctx: Ctx }) {
  const { ctx } = props;
  return (
    <select
      id="org-picker"
      aria-label="Organisation"
      value={ctx.org?.id ?? ''}
      hidden={ctx.orgs.length < 2}
      onChange={(e) => {
        localStorage.setItem('edgereplay.org', e.currentTarget.value);
        localStorage.removeItem('edgereplay.site');
        const path = ctx.url.pathname.startsWith('/app/settings/') ? ctx.url.pathname.replace(/^(\/app\/settings\/[a-z]+).*$/, '$1') : '/app';
        navigate(path);
      }}
    >
      {ctx.orgs.map((o) => <option value={o.id}>{o.name}</option>)}
    </select>
  );
}

const shownIn = (ctx: Ctx, r: RouteDef) => (!r.admin || ctx.admin) && (!r.manage || ctx.manage) && (!r.login || !ctx.share);

function Nav(props: { ctx: Ctx; route: RouteDef | null }) {
  const { ctx, route } = props;
  const section = (name: 'analytics' | 'settings', title: string) => (
    <div class="nav-section">
      <h2 class="nav-title">{title}</h2>
      <ul>
        {ROUTES.filter((r) => r.nav === name && shownIn(ctx, r)).map((r) => {
          const current = route === r || (r.pattern === '/app/sessions' && route?.pattern === '/app/sessions/:id') ||
            (r.pattern === '/app/settings/sites' && route?.pattern === '/app/settings/sites/:id');
          return (
            <li key={r.pattern}>
              <a href={name === 'analytics' ? linkTo(ctx, r.pattern) : r.pattern} aria-current={current ? 'page' : undefined}>
                {r.title}
              </a>
            </li>
          );
        })}
      </ul>
    </div>
  );
  const anySettings = ROUTES.some((r) => r.nav === 'settings' && shownIn(ctx, r));
  return (
    <nav id="nav" class="nav" aria-label="Dashboard">
      {section('analytics', 'Analytics')}
      {anySettings ? section('settings', 'Settings') : null}
    </nav>
  );
}

function Toolbar(props: { ctx: Ctx; route: RouteDef | null }) {
  const { ctx, route } = props;
  const hidden = !route?.toolbar || !ctx.site;
  return (
    <div class="toolbar" role="region" aria-label="Period and filters" hidden={hidden}>
      {hidden ? null : (
        <>
          <div class="toolbar-row">
            <div class="segmented" role="group" aria-label="Period">
              {(['today', '7d', '30d', 'custom'] as const).map((key) => {
                const changes =
                  key === 'custom'
                    ? { range: 'custom', from: ctx.range.from, to: ctx.range.to }
                    : { range: key === '7d' ? null : key, from: null, to: null };
                return (
                  <a class="seg" href={here(ctx, { ...changes, cursor: null })} aria-current={ctx.q.range === key ? 'true' : undefined}>
                    {RANGE_LABELS[key]}
                  </a>
                );
              })}
            </div>
            {ctx.q.range === 'custom' ? <CustomRange ctx={ctx} /> : null}
            <span class="period" aria-live="polite">
              {dayRange(ctx.range.from, ctx.range.to)} <span class="muted">UTC</span>
            </span>
            {route?.toolbar === 'full' ? (
              <label class="compare">
                <input
                  type="checkbox"
                  checked={ctx.q.compare}
                  onChange={(e) => navigate(here(ctx, { compare: e.currentTarget.checked ? null : 'off' }))}
                />{' '}
                Compare with previous period
              </label>
            ) : null}
          </div>
          <div class="toolbar-row filters">
            <Chips ctx={ctx} />
            <AddFilter ctx={ctx} />
          </div>
        </>
      )}
    </div>
  );
}

function CustomRange(props: { ctx: Ctx }) {
  const { ctx } = props;
  return (
    <form
      class="custom-range"
      onSubmit={(e) => {
        e.preventDefault();
        const data = new FormData(e.currentTarget);
        navigate(here(ctx, { range: 'custom', from: String(data.get('from')), to: String(data.get('to')), cursor: null }));
      }}
    >
      <label>From <input type="date" name="from" value={ctx.range.from} max={ctx.today} required /></label>
      <label>To <input type="date" name="to" value={ctx.range.to} max={ctx.today} required /></label>
      <button class="btn small" type="submit">Apply</button>
    </form>
  );
}

function Chips(props: { ctx: Ctx }) {
  const { ctx } = props;
  const active = FILTERS.filter((f) => ctx.q.filters[f]);
  if (!active.length && !ctx.q.bots) return null;
  return (
    <ul class="chips" aria-label="Active filters">
      {ctx.q.bots ? (
        <li class="chip" key="bots" data-bots-chip>
          <span>Bot sessions <strong>included</strong></span>
          <a class="chip-x" href={here(ctx, { bots: null, cursor: null })} aria-label="Leave bot sessions out">×</a>
        </li>
      ) : null}
      {active.map((f) => {
        const value = filterText(f, ctx.q.filters[f] ?? '');
        return (
          <li class="chip" key={f}>
            <span>
              {FILTER_LABELS[f]} is <strong>{value}</strong>
            </span>
            <a class="chip-x" href={here(ctx, { [f]: null, cursor: null })} aria-label={`Remove filter ${FILTER_LABELS[f]} is ${value}`}>
              ×
            </a>
          </li>
        );
      })}
      {active.length > 1 ? (
        <li key="clear">
          <a class="clear-filters" href={here(ctx, Object.fromEntries(FILTERS.map((f) => [f, null])))}>Clear all</a>
        </li>
      ) : null}
    </ul>
  );
}

function AddFilter(props: { ctx: Ctx }) {
  const { ctx } = props;
  return (
    <details class="add-filter">
      <summary class="btn small">+ Filter</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const data = new FormData(e.currentTarget);
          const dimension = String(data.get('dimension'));
          const raw = String(data.get('value') ?? '').trim();
          const v = dimension === 'country' ? raw.toUpperCase() : raw;
          if (v) navigate(here(ctx, { [dimension]: v, cursor: null }));
        }}
      >
        <select name="dimension" aria-label="Filter by">
          {FILTERS.map((f) => <option value={f}>{FILTER_LABELS[f]}</option>)}
        </select>
        <input name="value" required placeholder="e.g. /pricing, DE, mobile, google.com" aria-label="Value" />
        <button class="btn small primary" type="submit">Apply</button>
      </form>
    </details>
  );
}
