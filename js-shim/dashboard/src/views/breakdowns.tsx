// Shared by the breakdown views: rows of the API as ranked list items whose
// links filter every view by that value.
import type { ComponentChildren } from 'preact';
import type { Row } from '../api';
import { here, type Ctx } from '../context';
import { percent } from '../format';
import type { FilterName } from '../state';
import type { RankedItem } from '../components/ui';

/** Values the API reports for a missing dimension; there is nothing to filter by. */
const UNFILTERABLE = new Set(['(unknown)']);

export function items(ctx: Ctx, rows: Row[], filter: FilterName | null, label: (v: string) => ComponentChildren = (v) => v, total?: number): RankedItem[] {
  return rows.map((r) => ({
    label: label(r.value),
    key: r.value,
    value: r.sessions,
    secondary: total ? percent(r.sessions / total) : undefined,
    href: filter && !UNFILTERABLE.has(r.value) ? here(ctx, { [filter]: r.value, cursor: null }) : undefined,
  }));
}

export function Heading(props: { title: string; sub?: ComponentChildren; aside?: ComponentChildren }) {
  return (
    <div class={props.aside ? 'view-head with-aside' : 'view-head'}>
      <div>
        <h1 tabindex={-1}>{props.title}</h1>
        {props.sub ? <p class="muted">{props.sub}</p> : null}
      </div>
      {props.aside}
    </div>
  );
}
