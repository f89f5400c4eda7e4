// The replay's controls: the scrubber with the session's moments and idle
// stretches marked on it, play and pause, previous and next event, speed,
// skipping of inactivity, and a link to the moment shown.
import type { SessionSummary } from '../api';
import { clock as clockText } from '../format';
import { rewrite } from '../router';
import { useSaid } from '../components/ui';
import { SEEK_STEP_MS, SPEEDS, type ReplayClock } from './clock';
import type { Kind, Timeline } from './timeline';

// Drawn, not typed: media-control characters are missing from many fonts.
const ICONS = {
  play: 'M8 5v14l11-7z',
  pause: 'M6 5h4v14H6zM14 5h4v14h-4z',
  previous: 'M6 6h2v12H6zM9.5 12L18 18V6z',
  next: 'M16 6h2v12h-2zM6 18l8.5-6L6 6z',
};

function Icon(props: { d: string }) {
  return (
    <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
      <path d={props.d} fill="currentColor" />
    </svg>
  );
}

export function Controls(props: { clock: ReplayClock; tl: Timeline; session: SessionSummary; hidden: Set<Kind> }) {
  const { clock, tl, hidden } = props;
  const t = clock.t;
  const step = (dir: 1 | -1) => {
    const visible = tl.moments.filter((m) => !hidden.has(m.kind));
    const target = dir > 0 ? visible.find((m) => m.t > t + 50) : [...visible].reverse().find((m) => m.t < t - 50);
    clock.seek(target ? target.t : dir > 0 ? tl.duration : 0);
  };
  return (
    <div class="controls" role="group" aria-label="Playback">
      <div class="scrub">
        <div class="scrub-track" aria-hidden="true">
          {tl.idle.map(([a, b]) => <span class="idle" style={{ left: `${(a / tl.duration) * 100}%`, width: `${((b - a) / tl.duration) * 100}%` }} />)}
          <span class="progress" style={{ width: `${(t / tl.duration) * 100}%` }} />
          {tl.moments
            .filter((m) => m.kind !== 'scroll' && m.kind !== 'visibility')
            .map((m) => <span class={`mark kind-${m.kind}`} data-kind={m.kind} hidden={hidden.has(m.kind)} style={{ left: `${(m.t / tl.duration) * 100}%` }} />)}
        </div>
        <input
          type="range"
          class="scrub-input"
          min="0"
          max={String(tl.duration)}
          step="any"
          value={String(t)}
          aria-label="Position in the session"
          aria-valuetext={`${clockText(t)} of ${clockText(tl.duration)}`}
          onInput={(e) => clock.seek(Number(e.currentTarget.value))}
          onKeyDown={(e) => {
            // The same steps as everywhere on the page, not the slider's own (1 ms with step="any").
            const keys: Record<string, number> = {
              ArrowRight: t + SEEK_STEP_MS, ArrowUp: t + SEEK_STEP_MS, ArrowLeft: t - SEEK_STEP_MS, ArrowDown: t - SEEK_STEP_MS,
              PageUp: t + 6 * SEEK_STEP_MS, PageDown: t - 6 * SEEK_STEP_MS, Home: 0, End: tl.duration,
            };
            const to = keys[e.key];
            if (to === undefined) return;
            e.preventDefault();
            clock.seek(to);
          }}
        />
      </div>
      <div class="controls-row">
        <button type="button" class="btn ghost small icon" aria-label="Previous event" title="Previous event" onClick={() => step(-1)}><Icon d={ICONS.previous} /></button>
        <button type="button" class="btn play" aria-label={clock.playing ? 'Pause' : 'Play'} data-state={clock.playing ? 'playing' : 'paused'} onClick={() => clock.toggle()}>
          <Icon d={clock.playing ? ICONS.pause : ICONS.play} />
        </button>
        <button type="button" class="btn ghost small icon" aria-label="Next event" title="Next event" onClick={() => step(1)}><Icon d={ICONS.next} /></button>
        <span class="time" aria-hidden="true">{`${clockText(t)} / ${clockText(tl.duration)}`}</span>
        <span class="spacer" />
        <label class="inline">
          Speed{' '}
          <select aria-label="Speed" value={String(clock.speed)} onChange={(e) => clock.setSpeed(Number(e.currentTarget.value))}>
            {SPEEDS.map((s) => <option value={String(s)}>{s}×</option>)}
          </select>
        </label>
        <label class="inline switch">
          <input type="checkbox" checked={clock.skip} onChange={(e) => clock.setSkip(e.currentTarget.checked)} /> Skip inactivity
        </label>
      </div>
      <div class="controls-row secondary-row">
        <p class="hint muted">Space plays and pauses; ← and → move 5 seconds.</p>
        <span class="spacer" />
        <MomentLink clock={clock} session={props.session} />
      </div>
    </div>
  );
}

function MomentLink(props: { clock: ReplayClock; session: SessionSummary }) {
  const [said, setSaid] = useSaid();
  return (
    <button
      type="button"
      class="btn small ghost"
      onClick={async () => {
        const { session, clock } = props;
        const url = `${location.origin}/app/sessions/${encodeURIComponent(session.id)}?site=${encodeURIComponent(session.site_id)}&t=${(clock.t / 1000).toFixed(1)}`;
        try {
          await navigator.clipboard.writeText(url);
          setSaid('Link copied');
        } catch {
          rewrite(url.slice(location.origin.length));
          setSaid('Link in the address bar');
        }
      }}
    >
      {said ?? 'Copy link to this moment'}
    </button>
  );
}
