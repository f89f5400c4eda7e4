// Small building blocks every view uses: panels, metric cards, ranked lists,
// empty states, the snippet box and buttons that copy. Text goes in as text
// (Preact never sets HTML from a string), so page URLs, titles and click texts
// recorded from tracked sites cannot inject markup into the dashboard.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { cls } from '../cls';
import { count, countryName, percent } from '../format';
import type { GoalCells } from './goal';
import { HttpError } from '../api';

export function Panel(props: { title: string; id?: string; actions?: ComponentChildren; note?: ComponentChildren; children?: ComponentChildren; wide?: boolean }) {
  const headingId = props.id ?? `panel-${props.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section class={cls('panel', { wide: props.wide })} aria-labelledby={headingId}>
      <header class="panel-head">
        <h2 id={headingId}>{props.title}</h2>
        {props.actions}
      </header>
      {props.children}
      {props.note ? <p class="panel-note">{props.note}</p> : null}
    </section>
  );
}

/** A change against the previous period: green when it is good news. */
export function Delta(props: { value: number | null; lowerIsBetter?: boolean }) {
  if (props.value === null) return <span class="delta none" title="Nothing to compare with">–</span>;
  const v = props.value;
  const good = props.lowerIsBetter ? v < 0 : v > 0;
  const flat = Math.abs(v) < 0.005;
  const arrow = flat ? '' : v > 0 ? '↑' : '↓';
  return (
    <span class={cls('delta', { good: good && !flat, bad: !good && !flat })}>
      <span aria-hidden="true">{arrow}</span>
      <span class="sr-only">{flat ? 'unchanged' : v > 0 ? 'up' : 'down'} </span>
      {flat ? '0%' : percent(Math.abs(v))}
      <span class="sr-only"> against the previous period</span>
    </span>
  );
}

export interface RankedItem {
  label: ComponentChildren;
  /** The raw value a click filters by, when rows filter. */
  key?: string;
  value: number;
  /** Shown instead of the value, e.g. a share. */
  display?: string;
  secondary?: string;
  href?: string;
}

/**
 * A ranked list with a bar behind each row, as Plausible shows breakdowns.
 * Rows with an href are links (a filter, or a detail view). With `goal`, two
 * more columns: the goal's conversions and conversion rate per row ("…" while
 * they load, "–" for a row the goal's answer does not have).
 */
export function Ranked(props: { items: RankedItem[]; label: string; metric: string; max?: number; empty?: ComponentChildren; name?: string; goal?: GoalCells }) {
  if (!props.items.length) return <p class="empty-small">{props.empty ?? 'Nothing in this period.'}</p>;
  const max = props.max ?? Math.max(...props.items.map((i) => i.value), 1);
  const goal = props.goal;
  const goalCells = (item: RankedItem) => {
    if (!goal) return null;
    const n = goal.cells && item.key !== undefined ? goal.cells.get(item.key) : undefined;
    const text = (v: string) => (goal.cells ? (n ? v : '–') : '…');
    return [
      <td class="num goal-col" data-conversions={n?.conversions}>{text(count(n?.conversions))}</td>,
      <td class="num goal-col" data-rate={n?.rate}>{text(percent(n?.rate, 1))}</td>,
    ];
  };
  return (
    <table class={cls('ranked', { 'with-goal': Boolean(goal) })} data-list={props.name} aria-busy={goal && !goal.cells ? 'true' : undefined}>
      <thead>
        <tr>
          <th scope="col">{props.label}</th>
          <th scope="col" class="num">{props.metric}</th>
          {goal ? (
            <th scope="col" class="num goal-col" title={goal.goal.name ? `Sessions that reached ${goal.goal.name}` : undefined}>
              <span class="wide-only">Conversions</span>
              <span class="narrow-only" aria-hidden="true">Conv.</span>
            </th>
          ) : null}
          {goal ? <th scope="col" class="num goal-col" title="Conversion rate: the conversions over the row's sessions">CR</th> : null}
        </tr>
      </thead>
      <tbody>
        {props.items.map((item) => (
          <tr data-key={item.key} style={{ '--w': `${Math.max(0.5, (item.value / max) * 100)}%` }}>
            <td class="label">{item.href ? <a href={item.href} title={item.key ? `Filter by ${item.key}` : undefined}>{item.label}</a> : item.label}</td>
            <td class="num" data-value={item.value}>
              {item.display ?? item.value.toLocaleString('en-US')}
              {item.secondary ? <span class="secondary">{item.secondary}</span> : null}
            </td>
            {goalCells(item)}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

// Line icons for empty states (24×24, stroked): drawn, so they look the same on every system.
const EMPTY_ICONS = {
  chart: 'M4 19h16M6 16l4-5 3 3 5-7',
  search: 'M11 18a7 7 0 1 1 0-14 7 7 0 0 1 0 14zM20 20l-4-4',
  lock: 'M6 11h12v9H6zM8.5 11V8a3.5 3.5 0 0 1 7 0v3',
  clock: 'M12 21a9 9 0 1 1 0-18 9 9 0 0 1 0 18zM12 7v5l3 2',
  key: 'M8 15a4 4 0 1 1 0-8 4 4 0 0 1 0 8zM12 11h9M18 11v3M15 11v2',
  play: 'M5 4h14v16H5zM10 9v6l5-3z',
  compass: 'M12 21a9 9 0 1 1 0-18 9 9 0 0 1 0 18zM15.5 8.5l-2 5-5 2 2-5z',
  ship: 'M3 17l2 3h14l2-3zM6 17V9h12v8M12 9V4M9 6h6',
  plant: 'M12 21v-8M12 13c0-4-3-6-7-6 0 4 3 6 7 6zM12 11c0-4 3-6 7-6 0 4-3 6-7 6z',
};
export type EmptyIcon = keyof typeof EMPTY_ICONS;

export function Empty(props: { title: string; children?: ComponentChildren; icon?: EmptyIcon }) {
  return (
    <div class="empty" role="status">
      <svg class="empty-icon" viewBox="0 0 24 24" width="40" height="40" aria-hidden="true" focusable="false">
        <path d={EMPTY_ICONS[props.icon ?? 'chart']} fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round" />
      </svg>
      <h2>{props.title}</h2>
      {props.children}
    </div>
  );
}

/** A word a button says for two seconds after it acted ("Copied"), then its label again. */
export function useSaid(): [string | null, (said: string) => void] {
  const [said, setSaid] = useState<string | null>(null);
  useEffect(() => {
    if (!said) return;
    const timer = setTimeout(() => setSaid(null), 2000);
    return () => clearTimeout(timer);
  }, [said]);
  return [said, setSaid];
}

/** A button that copies text, and says so. */
export function CopyButton(props: { text: () => string; label?: string }) {
  const label = props.label ?? 'Copy';
  const [said, setSaid] = useSaid();
  return (
    <button
      type="button"
      class="btn small"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(props.text());
          setSaid('Copied');
        } catch {
          setSaid('Select and copy');
        }
      }}
    >
      {said ?? label}
    </button>
  );
}

export function snippetFor(siteId: string): string {
  return `<script defer src="${location.origin}/tracker.js" data-site="${siteId}"></script>`;
}

export function Snippet(props: { siteId: string }) {
  const text = snippetFor(props.siteId);
  return (
    <div class="snippet">
      <pre tabindex={0} aria-label="Tracking snippet">
        <code>{text}</code>
      </pre>
      <CopyButton text={() => text} label="Copy snippet" />
    </div>
  );
}

/** A secret shown once after it is made (a token, a shared link, an invitation), with a copy button. */
export function Reveal(props: { what: string; note: ComponentChildren; value: string; kind: 'secret' | 'share-url' | 'invite-url'; copy: string; after?: ComponentChildren }) {
  const mark = (kind: typeof props.kind) => (props.kind === kind ? '' : undefined);
  return (
    <div class="reveal" role="alert">
      {props.note}
      <div class="snippet">
        <pre tabindex={0} aria-label={props.what}>
          <code data-secret={mark('secret')} data-share-url={mark('share-url')} data-invite-url={mark('invite-url')}>{props.value}</code>
        </pre>
        <CopyButton text={() => props.value} label={props.copy} />
      </div>
      {props.after}
    </div>
  );
}

export function ErrorNote(props: { error: unknown }) {
  const e = props.error;
  const message = e instanceof HttpError ? e.message : e instanceof Error ? e.message : String(e);
  return (
    <div class="error-note" role="alert">
      <strong>Could not load this.</strong> {message}
    </div>
  );
}

/** Data shown to screen readers as a table, for a chart they cannot see. */
export function HiddenTable(props: { caption: string; head: string[]; rows: (string | number)[][] }) {
  return (
    <table class="sr-only">
      <caption>{props.caption}</caption>
      <thead>
        <tr>{props.head.map((c) => <th scope="col">{c}</th>)}</tr>
      </thead>
      <tbody>
        {props.rows.map((r) => (
          <tr>{r.map((c) => <td>{c}</td>)}</tr>
        ))}
      </tbody>
    </table>
  );
}

/** Horizontal bars for a fixed set of buckets (engagement). */
export function Buckets(props: { rows: { bucket: string; sessions: number }[]; total: number; label: string }) {
  const max = Math.max(...props.rows.map((r) => r.sessions), 1);
  return (
    <table class="buckets" aria-label={props.label}>
      <thead class="sr-only">
        <tr>
          <th scope="col">Bucket</th>
          <th scope="col">Sessions</th>
          <th scope="col">Share</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => (
          <tr data-key={r.bucket}>
            <th scope="row">{r.bucket}</th>
            <td class="bar-cell">
              <span class="bar" style={{ width: `${(r.sessions / max) * 100}%` }} />
            </td>
            <td class="num" data-value={r.sessions}>
              {r.sessions.toLocaleString('en-US')}
              <span class="secondary">{props.total ? percent(r.sessions / props.total) : '0%'}</span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Skeleton() {
  return (
    <div class="skeleton" aria-busy="true" aria-label="Loading">
      <div class="sk sk-title" />
      <div class="sk-row">
        <div class="sk sk-card" />
        <div class="sk sk-card" />
        <div class="sk sk-card" />
      </div>
      <div class="sk sk-block" />
    </div>
  );
}

/**
 * A country as its code in a small box and its English name. Not a flag
 * emoji: Windows and many Linux setups draw those as two letters anyway.
 */
export function Country(props: { code: string | null | undefined; short?: boolean }) {
  const known = props.code && /^[A-Z]{2}$/.test(props.code);
  return (
    <span class="country" title={countryName(props.code)}>
      <span class="cc" aria-hidden="true">{known ? props.code : '??'}</span>
      {props.short ? <span class="sr-only">{countryName(props.code)}</span> : countryName(props.code)}
    </span>
  );
}
