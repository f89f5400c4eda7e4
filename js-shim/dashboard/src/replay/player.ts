// The DOM replay, loaded only when a session carries rrweb events: rrweb-player
// (MIT) draws the recorded page in a sandboxed iframe, scaled to the stage.
// Its own controls are off; the replay view's clock drives rrweb's Replayer,
// so the page, the timeline and the scrubber always show the same moment.
import Player from 'rrweb-player';
import 'rrweb-player/dist/style.css';

export interface DomPlayer {
  /** Shows the page at `ms` after the first recorded event, playing on or not. */
  seek(ms: number, play: boolean): void;
  pause(): void;
  setSpeed(speed: number): void;
  /** Where rrweb's own clock is, in ms after the first recorded event. */
  time(): number;
  /** The recording's length in ms. */
  total(): number;
  resize(width: number, height: number): void;
  destroy(): void;
}

export function mountPlayer(target: HTMLElement, events: unknown[], size: { width: number; height: number }): DomPlayer {
  // Player's typings leave out the Svelte component methods it has ($set, $destroy).
  const player = new Player({
    target,
    props: {
      events: events as never,
      width: size.width,
      height: size.height,
      autoPlay: false,
      showController: false,
      skipInactive: false,
      // The recording's focused field must not take the keyboard from the viewer.
      triggerFocus: false,
      mouseTail: { duration: 600, lineCap: 'round', lineWidth: 3, strokeStyle: 'rgba(79, 70, 229, 0.55)' },
    },
  }) as Player & { $set(props: Record<string, unknown>): void; $destroy(): void };
  const replayer = player.getReplayer();
  // A picture of a page, not a place to type: out of the tab order.
  replayer.iframe.setAttribute('tabindex', '-1');
  replayer.iframe.setAttribute('title', 'Recorded page');
  replayer.pause(0);
  return {
    seek(ms, play) {
      const at = Math.max(0, ms);
      if (play) replayer.play(at);
      // Paused, rrweb applies only the events before the moment (timestamp <
      // baseline; one exactly at it is left to the timer that pausing clears),
      // so the page shown at a moment includes what happened at it: one ms on.
      // Without it, the end of a recording whose last event is a mutation
      // shows the page before that mutation.
      else replayer.pause(at + 1);
    },
    pause() {
      replayer.pause();
    },
    setSpeed(speed) {
      replayer.setConfig({ speed });
    },
    time() {
      return replayer.getCurrentTime();
    },
    total() {
      return replayer.getMetaData().totalTime;
    },
    resize(width, height) {
      player.$set({ width, height });
      player.triggerResize();
    },
    destroy() {
      replayer.pause();
      player.$destroy();
    },
  };
}

export interface StillPage {
  /** The recorded page's full height in its own CSS pixels (once its styles have loaded). */
  height(): number;
  destroy(): void;
}

/**
 * A recorded page drawn still and whole (every screen of it, not only the
 * first) at the width it was recorded at: rrweb's rebuild of one full
 * snapshot, for the heatmap to be drawn over. Scale it with CSS from outside.
 */
export function mountPage(target: HTMLElement, events: unknown[], size: { width: number; height: number }): StillPage {
  const player = new Player({
    target,
    props: { events: events as never, width: size.width, height: size.height, autoPlay: false, showController: false, skipInactive: false, triggerFocus: false, mouseTail: false },
  }) as Player & { $set(props: Record<string, unknown>): void; $destroy(): void };
  const replayer = player.getReplayer();
  replayer.iframe.setAttribute('tabindex', '-1');
  replayer.iframe.setAttribute('title', 'Recorded page');
  replayer.pause(0);
  const measure = () => {
    const doc = replayer.iframe.contentDocument;
    const full = Math.max(size.height, doc?.documentElement?.scrollHeight ?? 0, doc?.body?.scrollHeight ?? 0);
    if (replayer.iframe.style.height !== `${full}px`) {
      replayer.iframe.style.height = `${full}px`;
      replayer.iframe.setAttribute('height', String(full));
      player.$set({ width: size.width, height: full });
    }
    return full;
  };
  measure();
  return {
    height: measure,
    destroy() {
      player.$destroy();
    },
  };
}
