// The replay's timeline: every event of the session in order (pages, clicks
// with their positions, scrolling, custom events, errors, tab changes), the
// one at the clock's moment marked and kept in view, a click on one seeks
// there, and checkboxes choose which kinds are listed.
import { useEffect, useRef } from 'preact/hooks';
import { cls } from '../cls';
import { clock as clockText } from '../format';
import type { ReplayClock } from './clock';
import { KINDS, momentIndexAt, type Kind, type Timeline } from './timeline';

/** A page view is shown a moment after it happened, once the page has drawn. */
const PAGE_SETTLE_MS = 300;

export function TimelinePanel(props: { clock: ReplayClock; tl: Timeline; hidden: Set<Kind>; onToggle: (kind: Kind, shown: boolean) => void }) {
  const { clock, tl, hidden } = props;
  const index = momentIndexAt(tl.moments, clock.t);
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const ol = list.current;
    const current = ol?.querySelector<HTMLElement>('li.current:not([hidden])');
    if (!ol || !current) return;
    const top = current.offsetTop - ol.offsetTop;
    if (top < ol.scrollTop || top > ol.scrollTop + ol.clientHeight - current.offsetHeight) ol.scrollTop = top - ol.clientHeight / 3;
  }, [index]);
  const kindCount = (k: Kind) => tl.moments.filter((m) => m.kind === k).length;
  return (
    <aside class="events-col" aria-label="Timeline">
      <h2 class="events-title">Timeline</h2>
      <fieldset class="kind-filters">
        <legend class="sr-only">Show in the list</legend>
        {KINDS.filter((k) => kindCount(k.kind) > 0).map((k) => (
          <label class={`kind-toggle kind-${k.kind}`}>
            <input type="checkbox" checked={!hidden.has(k.kind)} onChange={(e) => props.onToggle(k.kind, e.currentTarget.checked)} />
            {k.label} <span class="muted">{kindCount(k.kind)}</span>
          </label>
        ))}
      </fieldset>
      <ol class="events" aria-label="Events of the session" ref={list}>
        {tl.moments.map((m, k) => (
          <li class={cls(`ev kind-${m.kind}`, { past: k <= index, current: k === index })} data-kind={m.kind} hidden={hidden.has(m.kind)} aria-current={k === index ? 'true' : undefined}>
            <button type="button" data-index={k} onClick={() => clock.seek(m.kind === 'page_view' ? Math.min(m.t + PAGE_SETTLE_MS, tl.duration) : m.t)}>
              <span class="ev-time">{clockText(m.t)}</span>
              <span class="ev-icon" aria-hidden="true" />
              <span class="ev-body">
                <span class="ev-title">{m.title}</span>
                {m.detail ? <span class="ev-detail">{m.detail}</span> : null}
              </span>
            </button>
          </li>
        ))}
      </ol>
    </aside>
  );
}
