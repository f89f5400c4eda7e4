// A session's stored events as a timeline: moments to list and mark on the
// scrubber, the stretches where nothing happens (skipped while playing), the
// rrweb recording and where it starts, and what the visitor saw at any time.
// Pure functions over the NDJSON lines of /replay/:id/events; the dashboard's
// unit tests run them in Node.
import type { StoredEvent } from '../../../src/contract';
import { pathOf } from '../format';

export type { StoredEvent } from '../../../src/contract';

export type Kind = 'page_view' | 'click' | 'scroll' | 'custom' | 'error' | 'visibility';
export const KINDS: { kind: Kind; label: string }[] = [
  { kind: 'page_view', label: 'Pages' },
  { kind: 'click', label: 'Clicks' },
  { kind: 'scroll', label: 'Scrolling' },
  { kind: 'custom', label: 'Custom events' },
  { kind: 'error', label: 'Errors' },
  { kind: 'visibility', label: 'Tab changes' },
];

export interface Moment {
  /** ms after the session's first event. */
  t: number;
  kind: Kind;
  title: string;
  detail: string;
  event: StoredEvent;
}

export interface RrwebEvent {
  type: number;
  timestamp: number;
  data?: { source?: number; [k: string]: unknown };
  [k: string]: unknown;
}

export interface Timeline {
  /** Epoch ms of the first event. */
  t0: number;
  /** ms from the first to the last event (at least 1). */
  duration: number;
  moments: Moment[];
  /** rrweb events in time order; empty when the session has no DOM recording. */
  rrweb: RrwebEvent[];
  /** ms after t0 at which the recording starts. */
  rrwebStart: number;
  /** [from, to) stretches without activity, in ms after t0. */
  idle: [number, number][];
  /** What of the recording is missing (README, "Session replay"). */
  gaps: RecordingGaps;
}

export interface RecordingGaps {
  /** Events sent in parts whose parts have not all arrived (replay's stand-ins). */
  partial: { of: number; have: number }[];
  /** Events too large to record even in parts: their JSON's length. */
  tooLarge: number[];
}

function recordingGaps(events: StoredEvent[]): RecordingGaps {
  const gaps: RecordingGaps = { partial: [], tooLarge: [] };
  for (const e of events) {
    const d = e.type === 'rrweb' && e.data && typeof e.data === 'object' ? (e.data as Record<string, unknown>) : null;
    if (!d) continue;
    if (typeof d.part === 'string' && Number.isFinite(d.have)) gaps.partial.push({ of: Number(d.of), have: Number(d.have) });
    else if (Number.isFinite(d.too_large)) gaps.tooLarge.push(Number(d.too_large));
  }
  return gaps;
}

/** A gap longer than this is skipped while playing with "skip inactivity" on. */
export const IDLE_GAP_MS = 5000;
/** How much of an idle stretch is still played at each end. */
export const IDLE_LEAD_MS = 1000;

// rrweb: EventType.FullSnapshot = 2, Meta = 4, IncrementalSnapshot = 3 with
// IncrementalSource.Mutation = 0 (the page changed by itself, not the visitor).
const RRWEB_FULL_SNAPSHOT = 2;
const RRWEB_META = 4;
const RRWEB_INCREMENTAL = 3;
const RRWEB_MUTATION = 0;

const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));

function describe(e: StoredEvent): { kind: Kind; title: string; detail: string } | null {
  switch (e.type) {
    case 'page_view':
      return { kind: 'page_view', title: str(e.title) || 'Page view', detail: pathOf(str(e.url)) };
    case 'click': {
      const text = str(e.text);
      return { kind: 'click', title: text ? `Click “${text.slice(0, 60)}”` : 'Click', detail: `${str(e.selector) || 'element'} at ${Number(e.x)}, ${Number(e.y)}` };
    }
    case 'scroll':
      return { kind: 'scroll', title: `Scrolled to ${Number(e.scroll_percent)}%`, detail: '' };
    case 'custom':
      return { kind: 'custom', title: str(e.name) || 'Custom event', detail: e.props === undefined ? '' : str(e.props) };
    case 'error':
      return { kind: 'error', title: 'Error', detail: [str(e.message), str(e.source)].filter(Boolean).join(' · ') };
    case 'visibility':
      return { kind: 'visibility', title: e.state === 'hidden' ? 'Left the tab' : 'Came back to the tab', detail: '' };
    default:
      return null;
  }
}

export function buildTimeline(lines: StoredEvent[]): Timeline {
  const events = lines.filter((e) => Number.isFinite(e.ts)).sort((a, b) => a.ts - b.ts || (a.seq ?? 0) - (b.seq ?? 0) || (a.i ?? 0) - (b.i ?? 0));
  const rrweb = events
    .filter((e) => e.type === 'rrweb' && e.data && typeof e.data === 'object' && Number.isFinite((e.data as RrwebEvent).timestamp))
    .map((e) => e.data as RrwebEvent)
    .sort((a, b) => a.timestamp - b.timestamp);
  const starts = [events[0]?.ts, rrweb[0]?.timestamp].filter((n): n is number => Number.isFinite(n));
  const t0 = starts.length ? Math.min(...starts) : 0;
  const ends = [events[events.length - 1]?.ts, rrweb[rrweb.length - 1]?.timestamp].filter((n): n is number => Number.isFinite(n));
  const duration = Math.max(1, (ends.length ? Math.max(...ends) : t0) - t0);

  const moments: Moment[] = [];
  const active: number[] = [];
  for (const e of events) {
    const d = describe(e);
    if (!d) continue;
    moments.push({ t: e.ts - t0, ...d, event: e });
    if (d.kind !== 'visibility') active.push(e.ts - t0);
  }
  for (const r of rrweb) {
    const visitorDid = r.type === RRWEB_INCREMENTAL ? r.data?.source !== RRWEB_MUTATION : r.type === RRWEB_FULL_SNAPSHOT || r.type === RRWEB_META;
    if (visitorDid) active.push(r.timestamp - t0);
  }
  return { t0, duration, moments, rrweb, rrwebStart: rrweb.length ? rrweb[0].timestamp - t0 : 0, idle: idleRanges(active, duration), gaps: recordingGaps(lines) };
}

/** Stretches longer than IDLE_GAP_MS between activity, less a lead at each end. */
export function idleRanges(times: number[], duration: number, gap = IDLE_GAP_MS, lead = IDLE_LEAD_MS): [number, number][] {
  const sorted = [...new Set([0, ...times.filter((t) => t >= 0 && t <= duration), duration])].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (let k = 1; k < sorted.length; k++) {
    if (sorted[k] - sorted[k - 1] > gap) out.push([sorted[k - 1] + lead, sorted[k] - lead]);
  }
  return out;
}

/** Where playback continues from `t`: the end of the idle stretch it is in, or `t`. */
export function skipIdle(t: number, idle: [number, number][]): number {
  for (const [a, b] of idle) if (t >= a && t < b) return b;
  return t;
}

/** Index of the last moment at or before `t` (binary search); -1 before the first. */
export function momentIndexAt(moments: Moment[], t: number): number {
  let lo = 0;
  let hi = moments.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (moments[mid].t <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

export interface PageState {
  url: string | null;
  title: string | null;
  /** ms after t0 the page was opened. */
  since: number;
  /** The deepest scroll on this page so far. */
  scroll: number;
  /** Clicks on this page so far, oldest first. */
  clicks: { t: number; x: number; y: number; label: string }[];
}

/** What the visitor had on screen at `t`, from the tracker's events alone. */
export function pageAt(tl: Timeline, t: number): PageState {
  const state: PageState = { url: null, title: null, since: 0, scroll: 0, clicks: [] };
  for (const m of tl.moments) {
    if (m.t > t) break;
    const e = m.event;
    if (m.kind === 'page_view') {
      Object.assign(state, { url: str(e.url), title: str(e.title) || null, since: m.t, scroll: 0, clicks: [] });
    } else if (m.kind === 'scroll') {
      state.scroll = Math.max(state.scroll, Number(e.scroll_percent) || 0);
    } else if (m.kind === 'click') {
      state.clicks.push({ t: m.t, x: Number(e.x) || 0, y: Number(e.y) || 0, label: m.title });
    }
  }
  return state;
}

/** Parses ?t= (seconds, or m:ss) into ms within the session. */
export function parseMoment(value: string | null, duration: number): number {
  if (!value) return 0;
  const parts = value.split(':').map(Number);
  if (parts.some((n) => !Number.isFinite(n) || n < 0)) return 0;
  const seconds = parts.reduce((acc, n) => acc * 60 + n, 0);
  return Math.min(Math.round(seconds * 1000), duration);
}
