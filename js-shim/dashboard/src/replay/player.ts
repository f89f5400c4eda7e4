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
      else replayer.pause(at);
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
