// The replay's clock: the moment shown, playing or paused, speed and the
// skipping of idle stretches; it drives the DOM player (rrweb's Replayer) so
// the page, the timeline and the scrubber always show the same moment. The
// stage, controls and timeline render from it; useClock re-renders them on
// every change.
import { useEffect, useReducer, useState } from 'preact/hooks';
import { rewrite } from '../router';
import { skipIdle, type Timeline } from './timeline';
import type { DomPlayer } from './player';

export const SPEEDS = [0.5, 1, 2, 4, 8];
export const SEEK_STEP_MS = 5000;

const storedSpeed = () => {
  const speed = Number(localStorage.getItem('edgereplay.speed'));
  return SPEEDS.includes(speed) ? speed : 1;
};

export class ReplayClock {
  t: number;
  playing = false;
  speed = storedSpeed();
  skip = localStorage.getItem('edgereplay.skip') !== 'off';
  private raf = 0;
  private last = 0;
  private dom: DomPlayer | null = null;
  private domPlaying = false;

  constructor(
    readonly tl: Timeline,
    start: number,
    private readonly changed: () => void,
  ) {
    this.t = start;
  }

  /** The DOM player, once its chunk has loaded and it is mounted. */
  attach(dom: DomPlayer): void {
    this.dom = dom;
    dom.setSpeed(this.speed);
    this.syncDom(true);
  }

  get hasDomPlayer(): boolean {
    return this.dom !== null;
  }

  play(): void {
    if (this.t >= this.tl.duration) this.t = 0;
    this.playing = true;
    this.last = performance.now();
    this.syncDom(true);
    this.changed();
    this.raf = requestAnimationFrame(this.frame);
  }

  pause(): void {
    this.playing = false;
    cancelAnimationFrame(this.raf);
    this.syncDom(true);
    this.changed();
    this.remember();
  }

  toggle(): void {
    if (this.playing) this.pause();
    else this.play();
  }

  seek(to: number): void {
    this.t = Math.min(Math.max(0, to), this.tl.duration);
    this.syncDom(true);
    this.changed();
    if (!this.playing) this.remember();
  }

  setSpeed(speed: number): void {
    this.speed = speed;
    localStorage.setItem('edgereplay.speed', String(speed));
    this.dom?.setSpeed(speed);
    if (this.playing) this.syncDom(true);
    this.changed();
  }

  setSkip(skip: boolean): void {
    this.skip = skip;
    localStorage.setItem('edgereplay.skip', skip ? 'on' : 'off');
    this.changed();
  }

  stop(): void {
    cancelAnimationFrame(this.raf);
    this.dom?.destroy();
    this.dom = null;
  }

  private readonly frame = (now: number) => {
    const dt = Math.min(now - this.last, 250); // a background tab must not jump ahead
    this.last = now;
    let next = this.t + dt * this.speed;
    let jumped = false;
    if (this.skip) {
      const skipped = skipIdle(next, this.tl.idle);
      jumped = skipped !== next;
      next = skipped;
    }
    if (next >= this.tl.duration) {
      this.t = this.tl.duration;
      this.pause();
      return;
    }
    this.t = next;
    this.syncDom(jumped);
    this.changed();
    this.raf = requestAnimationFrame(this.frame);
  };

  private syncDom(force: boolean): void {
    const dom = this.dom;
    if (!dom) return;
    const want = this.t - this.tl.rrwebStart;
    const total = dom.total();
    if (!this.playing || want < 0 || want >= total) {
      if (this.domPlaying || force) dom.seek(Math.min(Math.max(0, want), total), false);
      this.domPlaying = false;
      return;
    }
    if (force || !this.domPlaying || Math.abs(dom.time() - want) > 400) {
      dom.seek(want, true);
      this.domPlaying = true;
    }
  }

  /** The address names the moment shown, ready to share. */
  private remember(): void {
    const url = new URL(location.href);
    if (!url.pathname.startsWith('/app/sessions/')) return;
    if (this.t > 0) url.searchParams.set('t', (this.t / 1000).toFixed(1));
    else url.searchParams.delete('t');
    rewrite(url.pathname + url.search);
  }
}

/** One clock for the component's life, stopped when it goes; each change re-renders it. */
export function useClock(tl: Timeline, start: number): ReplayClock {
  const [, changed] = useReducer((n: number) => n + 1, 0);
  const [clock] = useState(() => new ReplayClock(tl, start, () => changed(undefined)));
  useEffect(() => () => clock.stop(), [clock]);
  return clock;
}
