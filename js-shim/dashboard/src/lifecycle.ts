// Things a rendered view holds on to (timers, charts, the replay player) and
// must let go of when the next view replaces it.
let disposers: (() => void)[] = [];

export function onDispose(fn: () => void): void {
  disposers.push(fn);
}

export function disposeAll(): void {
  const current = disposers;
  disposers = [];
  for (const fn of current) {
    try {
      fn();
    } catch (err) {
      console.error(err);
    }
  }
}
