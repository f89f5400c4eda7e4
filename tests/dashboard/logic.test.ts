// The dashboard's rules without a browser: periods and their comparison,
// links that keep the filters, number formats, and the replay timeline
// (ordering, idle stretches, what was on screen when, deep links).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiParams, change, previousRange, readQuery, resolveRange, sharedParams, withParams } from '../../js-shim/dashboard/src/state.ts';
import { bytes, clock, compact, dayRange, duration } from '../../js-shim/dashboard/src/format.ts';
import { recordingNote } from '../../js-shim/dashboard/src/replay/recording.ts';
import { buildTimeline, idleRanges, momentIndexAt, pageAt, parseMoment, skipIdle, type StoredEvent } from '../../js-shim/dashboard/src/replay/timeline.ts';

const TODAY = '2026-03-10';

describe('periods', () => {
  it('defaults to the last 7 UTC days, today included, with comparison on', () => {
    const q = readQuery('');
    assert.equal(q.range, '7d');
    assert.equal(q.compare, true);
    assert.deepEqual(resolveRange(q, TODAY), { from: '2026-03-04', to: TODAY, days: 7 });
  });

  it('reads today, 30 days and custom ranges, swapping reversed bounds', () => {
    assert.deepEqual(resolveRange(readQuery('range=today'), TODAY), { from: TODAY, to: TODAY, days: 1 });
    assert.deepEqual(resolveRange(readQuery('range=30d'), TODAY), { from: '2026-02-09', to: TODAY, days: 30 });
    assert.deepEqual(resolveRange(readQuery('range=custom&from=2026-02-20&to=2026-02-01'), TODAY), { from: '2026-02-01', to: '2026-02-20', days: 20 });
  });

  it('falls back to 7 days for a custom range that does not parse, and caps a long one', () => {
    assert.equal(resolveRange(readQuery('range=custom&from=yesterday&to=2026-03-01'), TODAY).days, 7);
    assert.equal(resolveRange(readQuery('range=custom&from=2020-01-01&to=2026-03-01'), TODAY).days, 400);
  });

  it('compares with the period of the same length just before, across a month end', () => {
    assert.deepEqual(previousRange({ from: '2026-03-01', to: '2026-03-07', days: 7 }), { from: '2026-02-22', to: '2026-02-28', days: 7 });
    assert.deepEqual(previousRange({ from: TODAY, to: TODAY, days: 1 }), { from: '2026-03-09', to: '2026-03-09', days: 1 });
  });

  it('reports the change, and nothing when there is nothing to compare with', () => {
    assert.equal(change(15, 10), 0.5);
    assert.equal(change(5, 10), -0.5);
    assert.equal(change(0, 0), 0);
    assert.equal(change(3, 0), null);
    assert.equal(change(3, undefined), null);
  });
});

describe('links and API queries', () => {
  it('sends the site, the days and only the filters that are set', () => {
    const q = readQuery('site=shop&country=DE&device=&source=(direct)&bogus=1');
    assert.deepEqual(q.filters, { country: 'DE', source: '(direct)' });
    const params = new URLSearchParams(apiParams('shop', { from: '2026-03-04', to: TODAY, days: 7 }, q.filters, { limit: 6 }));
    assert.deepEqual(Object.fromEntries(params), { site_id: 'shop', from: '2026-03-04', to: TODAY, country: 'DE', source: '(direct)', limit: '6' });
  });

  it('counts bots in only when the address says bots=1, and keeps that from view to view', () => {
    assert.equal(readQuery('site=shop').bots, false);
    assert.equal(readQuery('site=shop&bots=0').bots, false);
    const q = readQuery('site=shop&bots=1');
    assert.equal(q.bots, true);
    const r = { from: '2026-03-04', to: TODAY, days: 7 };
    assert.equal(new URLSearchParams(apiParams('shop', r, q.filters, {}, q.bots)).get('include_bots'), '1');
    assert.equal(new URLSearchParams(apiParams('shop', r, q.filters)).has('include_bots'), false);
    assert.equal(sharedParams('?site=shop&bots=1&sort=duration_ms'), 'site=shop&bots=1');
  });

  it('keeps site, period and filters from view to view, and nothing view-specific', () => {
    assert.equal(sharedParams('?site=shop&range=30d&country=DE&sort=duration_ms&t=12&metric=events'), 'site=shop&range=30d&country=DE');
    assert.equal(withParams('/app', 'site=shop&country=DE', { country: null, device: 'mobile' }), '/app?site=shop&device=mobile');
    assert.equal(withParams('/app', 'country=DE', { country: null }), '/app');
  });

  it('keeps the picked goal from view to view, and none when the address names none', () => {
    assert.equal(readQuery('site=shop&goal=g1').goal, 'g1');
    assert.equal(readQuery('site=shop&goal=').goal, null);
    assert.equal(sharedParams('?site=shop&goal=g1&metric=events'), 'site=shop&goal=g1');
  });
});

describe('formats', () => {
  it('writes durations, clocks, sizes and counts for people', () => {
    assert.equal(duration(0), '0s');
    assert.equal(duration(42_400), '42s');
    assert.equal(duration(185_000), '3m 05s');
    assert.equal(duration(3_725_000), '1h 02m');
    assert.equal(clock(7_900), '0:07');
    assert.equal(clock(3_723_000), '1:02:03');
    assert.equal(bytes(512), '512 B');
    assert.equal(bytes(17_400), '17 KB');
    assert.equal(bytes(5 * 1024 * 1024), '5.0 MB');
    assert.equal(compact(9_999), '9,999');
    assert.equal(compact(12_345), '12.3K');
    assert.equal(dayRange('2026-03-04', '2026-03-10'), 'Mar 4 – Mar 10, 2026');
    assert.equal(dayRange('2025-12-30', '2026-01-02'), 'Dec 30, 2025 – Jan 2, 2026');
  });
});

describe('replay timeline', () => {
  const T = 1_700_000_000_000;
  const ev = (ts: number, type: string, extra: object = {}, seq = 0, i = 0): StoredEvent => ({ ts: T + ts, type, seq, i, ...extra });
  const rr = (ts: number, type: number, source?: number): StoredEvent => ev(ts, 'rrweb', { data: { type, timestamp: T + ts, data: source === undefined ? {} : { source } } });
  const lines = [
    ev(20_000, 'click', { x: 10, y: 900, selector: 'a#buy', text: 'Buy' }, 1, 0),
    ev(0, 'page_view', { url: 'https://shop.example/?utm_source=x' }),
    rr(-50, 4),
    rr(-40, 2),
    ev(1_000, 'scroll', { scroll_percent: 40 }),
    ev(2_000, 'scroll', { scroll_percent: 25 }),
    ev(3_000, 'click', { x: 5, y: 6, selector: 'button' }),
    rr(3_100, 3, 0), // a page mutation: not the visitor's doing
    ev(19_000, 'page_view', { url: 'https://shop.example/pricing' }, 1, 0),
    ev(20_000, 'error', { message: 'boom' }, 1, 1),
    ev(21_000, 'visibility', { state: 'hidden' }, 1, 2),
  ];
  const tl = buildTimeline(lines);

  it('orders moments by time, batch and position, and starts at the earliest event', () => {
    assert.equal(tl.t0, T - 50);
    assert.equal(tl.duration, 21_050);
    assert.deepEqual(tl.moments.map((m) => m.kind), ['page_view', 'scroll', 'scroll', 'click', 'page_view', 'click', 'error', 'visibility']);
    assert.equal(tl.moments[0].detail, '/?utm_source=x');
    assert.equal(tl.moments[5].title, 'Click “Buy”');
    assert.equal(tl.moments[5].detail, 'a#buy at 10, 900');
  });

  it('hands the rrweb recording to the player with where it starts', () => {
    assert.deepEqual(tl.rrweb.map((e) => e.type), [4, 2, 3]);
    assert.equal(tl.rrwebStart, 0);
  });

  it('finds the idle stretch between activity, less a second at each end, and skips it', () => {
    assert.deepEqual(tl.idle, [[4_050, 18_050]]);
    assert.equal(skipIdle(5_000, tl.idle), 18_050);
    assert.equal(skipIdle(3_500, tl.idle), 3_500);
    assert.deepEqual(idleRanges([1_000, 2_000], 3_000), []);
    assert.deepEqual(idleRanges([], 12_000), [[1_000, 11_000]]);
  });

  it('knows the moment and the page at any time', () => {
    assert.equal(momentIndexAt(tl.moments, 0), -1);
    assert.equal(momentIndexAt(tl.moments, 50), 0);
    assert.equal(momentIndexAt(tl.moments, 19_049), 3);
    assert.equal(momentIndexAt(tl.moments, 99_000), tl.moments.length - 1);
    const early = pageAt(tl, 3_050);
    assert.equal(early.url, 'https://shop.example/?utm_source=x');
    assert.equal(early.scroll, 40, 'the deepest scroll, not the last');
    assert.equal(early.clicks.length, 1);
    const late = pageAt(tl, 20_100);
    assert.equal(late.url, 'https://shop.example/pricing');
    assert.deepEqual(late.clicks.map((c) => [c.x, c.y]), [[10, 900]], 'a new page starts with no clicks');
    assert.equal(late.scroll, 0);
  });

  it('opens a deep link at seconds or m:ss, within the session', () => {
    assert.equal(parseMoment('12.5', 60_000), 12_500);
    assert.equal(parseMoment('1:05', 600_000), 65_000);
    assert.equal(parseMoment('999', 60_000), 60_000);
    assert.equal(parseMoment('-3', 60_000), 0);
    assert.equal(parseMoment('abc', 60_000), 0);
    assert.equal(parseMoment(null, 60_000), 0);
  });

  it('copes with a session that has events but no recording, and with no events', () => {
    const plain = buildTimeline([ev(0, 'page_view', { url: '/' })]);
    assert.deepEqual(plain.rrweb, []);
    assert.equal(plain.duration, 1);
    assert.equal(buildTimeline([]).moments.length, 0);
  });
});

describe('replay completeness', () => {
  const session = (extra: object = {}) => ({ ended_at: null, replay_sampled: true, ...extra }) as any;
  const site = (extra: object = {}) => ({ replay_enabled: true, replay_sample_rate: 0.25, ...extra }) as any;
  const rr = (ts: number, data: object): StoredEvent => ({ ts, seq: 0, i: 0, type: 'rrweb', data } as StoredEvent);
  const pv: StoredEvent = { ts: 1, seq: 0, i: 0, type: 'page_view', url: '/' } as StoredEvent;

  it('says a snapshot sent in parts is still arriving while the session is open, and lost once it ended', () => {
    const tl = buildTimeline([pv, rr(2, { part: 'a1', of: 5, have: 3 })]);
    assert.equal(recordingNote(tl, session(), site())?.state, 'arriving');
    assert.match(recordingNote(tl, session(), site())!.text, /3 of 5 parts/);
    assert.equal(recordingNote(tl, session({ ended_at: '2026-03-10T00:00:00Z' }), site())?.state, 'lost');
  });

  it('says why a page has no recording: too large, replay off, not sampled, or the page opted out', () => {
    assert.equal(recordingNote(buildTimeline([pv, rr(2, { too_large: 45e6, event_type: 2 })]), session(), site())?.state, 'too_large');
    assert.equal(recordingNote(buildTimeline([pv]), session(), site({ replay_enabled: false }))?.state, 'replay_off');
    assert.match(recordingNote(buildTimeline([pv]), session({ replay_sampled: false }), site())!.text, /not sampled .*25%/);
    assert.match(recordingNote(buildTimeline([pv]), session(), site())!.text, /data-replay="false"/);
  });

  it('says nothing when the recording is whole, and names a lost full snapshot', () => {
    const whole = buildTimeline([pv, rr(2, { type: 4, timestamp: 2, data: {} }), rr(3, { type: 2, timestamp: 3, data: {} })]);
    assert.equal(recordingNote(whole, session(), site()), null);
    const noSnapshot = buildTimeline([pv, rr(2, { type: 4, timestamp: 2, data: {} })]);
    assert.equal(recordingNote(noSnapshot, session({ ended_at: '2026-03-10T00:00:00Z' }), site())?.state, 'lost');
  });
});
