// What the replay view says when a recording is missing or incomplete: the
// snapshot still arriving or lost, a page too large to record, or why a visit
// has no recording at all (README, "Session replay").
import type { SessionSummary, Site } from '../api';
import type { Timeline } from './timeline';

/** Why this session shows no recorded page, or what of it is missing; null when it is all there. */
export function recordingNote(tl: Timeline, session: SessionSummary & { replay_sampled?: boolean | null }, site: Site | null): { state: string; text: string } | null {
  const hasDom = tl.rrweb.some((e) => e.type === 2);
  const ended = Boolean(session.ended_at);
  const partial = tl.gaps.partial[0];
  if (partial) {
    const parts = `${partial.have} of ${partial.of} parts of its full snapshot`;
    return ended
      ? { state: 'lost', text: `Part of this recording was lost: only ${parts} arrived, so ${hasDom ? 'one page' : 'the page'} cannot be rebuilt${hasDom ? '' : ' and is drawn from its events'}.` }
      : { state: 'arriving', text: `This recording is still arriving: ${parts} are stored so far. Reload in a moment.` };
  }
  if (hasDom) return null;
  const large = tl.gaps.tooLarge[0];
  if (large) return { state: 'too_large', text: `This page was too large to record, even in parts (a ${(large / 1e6).toFixed(1)} MB DOM snapshot; the limit is about 40 MB): it is drawn from its events.` };
  if (tl.rrweb.length) {
    return ended
      ? { state: 'lost', text: "This recording's full snapshot was lost (it never reached storage): the page is drawn from its events." }
      : { state: 'arriving', text: "This recording's full snapshot is still arriving. Reload in a moment." };
  }
  if (site && !site.replay_enabled) return { state: 'replay_off', text: 'Replay is off for this site: the page is drawn from its events.' };
  if (session.replay_sampled === false) {
    return { state: 'not_sampled', text: `This visit was not sampled for replay (the site records ${Math.round((site?.replay_sample_rate ?? 0) * 100)}% of visits): the page is drawn from its events.` };
  }
  if (session.replay_sampled === true) {
    return { state: 'page_opted_out', text: 'Replay was on for this visit, but its pages recorded nothing: they carry data-replay="false", or the recorder could not load. The page is drawn from its events.' };
  }
  return { state: 'none', text: 'This session has no DOM recording (replay is off for the site or the visit was not sampled): the page is drawn from its events.' };
}

