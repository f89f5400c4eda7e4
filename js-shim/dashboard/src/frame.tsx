// The frame around every view: top bar with the site picker and account,
// navigation, and the toolbar (period, comparison, filters). Built once and
// updated in place, so keyboard focus survives a change of filter or period.
import { h, replace } from './h';
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

export class Frame {
  readonly el: HTMLElement;
  readonly view: HTMLElement;
  private sitePicker: HTMLSelectElement;
  private orgPicker: HTMLSelectElement;
  private account: HTMLElement;
  private nav: HTMLElement;
  private toolbar: HTMLElement;
  private ctx: Ctx | null = null;

  constructor(opts: { onSignOut: () => void }) {
    this.sitePicker = (
      <select
        id="site-picker"
        onChange={() => {
          if (!this.ctx) return;
          // A site change keeps the page and period but not the filters: they name the other site's values.
          const keep = new URLSearchParams();
          for (const k of ['range', 'from', 'to', 'compare']) {
            const v = this.ctx.url.searchParams.get(k);
            if (v) keep.set(k, v);
          }
          keep.set('site', this.sitePicker.value);
          const path = this.ctx.url.pathname.startsWith('/app/sessions/') ? '/app/sessions' : this.ctx.url.pathname;
          navigate(`${path}?${keep}`);
        }}
      />
    ) as HTMLSelectElement;
    // The organisation switcher: another organisation, its first site, the same page.
    this.orgPicker = (
      <select
        id="org-picker"
        aria-label="Organisation"
        onChange={() => {
          if (!this.ctx) return;
          localStorage.setItem('edgereplay.org', this.orgPicker.value);
          localStorage.removeItem('edgereplay.site');
          const path = this.ctx.url.pathname.startsWith('/app/settings/') ? this.ctx.url.pathname.replace(/^(\/app\/settings\/[a-z]+).*$/, '$1') : '/app';
          navigate(path);
        }}
      />
    ) as HTMLSelectElement;
    this.account = <div class="account" />;
    this.nav = <nav id="nav" class="nav" aria-label="Dashboard" />;
    this.toolbar = <div class="toolbar" role="region" aria-label="Period and filters" />;
    this.view = <div class="view" />;
    this.el = (
      <div class="shell">
        <a
          class="skip-link"
          href="#main"
          onClick={(e: Event) => {
            e.preventDefault();
            this.el.querySelector<HTMLElement>('#main')?.focus();
          }}
        >
          Skip to content
        </a>
        <header class="topbar">
          <a class="brand" href="/app" aria-label="edgereplay overview">
            <span class="logo" aria-hidden="true" />
            <span>edgereplay</span>
          </a>
          {this.orgPicker}
          <label class="site-label" for="site-picker">
            <span class="sr-only">Site</span>
          </label>
          {this.sitePicker}
          <span class="spacer" />
          {this.account}
          <button type="button" class="btn ghost small" onClick={opts.onSignOut}>
            Sign out
          </button>
        </header>
        {this.nav}
        <main id="main" tabindex="-1">
          {this.toolbar}
          {this.view}
        </main>
      </div>
    );
  }

  update(ctx: Ctx, route: RouteDef | null): void {
    this.ctx = ctx;
    // Controls are drawn anew; the one that had focus gets it back.
    const focused = (document.activeElement as HTMLElement | null)?.dataset?.fk;
    this.renderSites(ctx, route);
    replace(this.orgPicker, ctx.orgs.map((o) => <option value={o.id} selected={o.id === ctx.org?.id}>{o.name}</option>));
    this.orgPicker.value = ctx.org?.id ?? '';
    this.orgPicker.hidden = ctx.orgs.length < 2;
    const role = ctx.admin ? 'admin' : ctx.share ? 'shared link' : ctx.org?.role;
    replace(
      this.account,
      <span class="who" title={ctx.me.email}>
        <span class="who-email">{ctx.me.email}</span>
        {role ? <span class="badge" data-role={role}>{role}</span> : null}
      </span>,
    );
    this.renderNav(ctx, route);
    this.renderToolbar(ctx, route);
    if (focused) this.el.querySelector<HTMLElement>(`[data-fk="${CSS.escape(focused)}"]`)?.focus();
  }

  private renderSites(ctx: Ctx, route: RouteDef | null): void {
    replace(this.sitePicker, ctx.sites.map((s) => <option value={s.id} selected={s.id === ctx.site?.id}>{s.name}</option>));
    this.sitePicker.value = ctx.site?.id ?? '';
    this.sitePicker.disabled = ctx.sites.length === 0;
    this.sitePicker.hidden = !route?.needsSite && !route?.pattern.startsWith('/app/sessions');
  }

  private renderNav(ctx: Ctx, route: RouteDef | null): void {
    const section = (name: 'analytics' | 'settings', title: string) => (
      <div class="nav-section">
        <h2 class="nav-title">{title}</h2>
        <ul>
          {ROUTES.filter((r) => r.nav === name && (!r.admin || ctx.admin) && (!r.manage || ctx.manage) && (!r.login || !ctx.share)).map((r) => {
            const current = route === r || (r.pattern === '/app/sessions' && route?.pattern === '/app/sessions/:id') ||
              (r.pattern === '/app/settings/sites' && route?.pattern === '/app/settings/sites/:id');
            return (
              <li>
                <a href={name === 'analytics' ? linkTo(ctx, r.pattern) : r.pattern} data-fk={`nav-${r.pattern}`} aria-current={current ? 'page' : undefined}>
                  {r.title}
                </a>
              </li>
            );
          })}
        </ul>
      </div>
    );
    const anySettings = ROUTES.some((r) => r.nav === 'settings' && (!r.admin || ctx.admin) && (!r.manage || ctx.manage) && (!r.login || !ctx.share));
    replace(this.nav, section('analytics', 'Analytics'), anySettings ? section('settings', 'Settings') : null);
  }

  private renderToolbar(ctx: Ctx, route: RouteDef | null): void {
    this.toolbar.hidden = !route?.toolbar || !ctx.site;
    if (this.toolbar.hidden) return replace(this.toolbar);
    const q = ctx.q;
    const ranges = (['today', '7d', '30d', 'custom'] as const).map((key) => {
      const changes =
        key === 'custom'
          ? { range: 'custom', from: ctx.range.from, to: ctx.range.to }
          : { range: key === '7d' ? null : key, from: null, to: null };
      return (
        <a class="seg" data-fk={`range-${key}`} href={here(ctx, { ...changes, cursor: null })} aria-current={q.range === key ? 'true' : undefined}>
          {RANGE_LABELS[key]}
        </a>
      );
    });
    const fromInput = <input type="date" name="from" value={ctx.range.from} max={ctx.today} required /> as HTMLInputElement;
    const toInput = <input type="date" name="to" value={ctx.range.to} max={ctx.today} required /> as HTMLInputElement;
    const custom =
      q.range === 'custom' ? (
        <form
          class="custom-range"
          onSubmit={(e: Event) => {
            e.preventDefault();
            navigate(here(ctx, { range: 'custom', from: fromInput.value, to: toInput.value, cursor: null }));
          }}
        >
          <label>From {fromInput}</label>
          <label>To {toInput}</label>
          <button class="btn small" type="submit">Apply</button>
        </form>
      ) : null;
    const compare = (
      <input
        type="checkbox"
        data-fk="compare"
        checked={q.compare}
        onChange={(e: Event) => navigate(here(ctx, { compare: (e.target as HTMLInputElement).checked ? null : 'off' }))}
      />
    );
    const active = FILTERS.filter((f) => q.filters[f]);
    const chips = active.length ? (
      <ul class="chips" aria-label="Active filters">
        {active.map((f) => (
          <li class="chip">
            <span>
              {FILTER_LABELS[f]} is <strong>{filterText(f, q.filters[f]!)}</strong>
            </span>
            <a class="chip-x" href={here(ctx, { [f]: null, cursor: null })} aria-label={`Remove filter ${FILTER_LABELS[f]} is ${filterText(f, q.filters[f]!)}`}>
              ×
            </a>
          </li>
        ))}
        {active.length > 1 ? (
          <li>
            <a class="clear-filters" href={here(ctx, Object.fromEntries(FILTERS.map((f) => [f, null])))}>Clear all</a>
          </li>
        ) : null}
      </ul>
    ) : null;

    const dim = (
      <select name="dimension" aria-label="Filter by">
        {FILTERS.map((f) => <option value={f}>{FILTER_LABELS[f]}</option>)}
      </select>
    ) as HTMLSelectElement;
    const value = <input name="value" required placeholder="e.g. /pricing, DE, mobile, google.com" aria-label="Value" /> as HTMLInputElement;
    const addFilter = (
      <details class="add-filter">
        <summary class="btn small">+ Filter</summary>
        <form
          onSubmit={(e: Event) => {
            e.preventDefault();
            const v = dim.value === 'country' ? value.value.trim().toUpperCase() : value.value.trim();
            if (v) navigate(here(ctx, { [dim.value]: v, cursor: null }));
          }}
        >
          {dim}
          {value}
          <button class="btn small primary" type="submit">Apply</button>
        </form>
      </details>
    );

    replace(
      this.toolbar,
      <div class="toolbar-row">
        <div class="segmented" role="group" aria-label="Period">{ranges}</div>
        {custom}
        <span class="period" aria-live="polite">
          {dayRange(ctx.range.from, ctx.range.to)} <span class="muted">UTC</span>
        </span>
        {route?.toolbar === 'full' ? <label class="compare">{compare} Compare with previous period</label> : null}
      </div>,
      <div class="toolbar-row filters">
        {chips}
        {addFilter}
      </div>,
    );
  }
}
