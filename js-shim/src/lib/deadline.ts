// A deadline on work a response waits for: the R2 put a 2xx depends on.
export const DEFAULT_R2_PUT_TIMEOUT_MS = 10_000;

/** Rejects when `work` has not settled within `ms` (the work itself is not cancelled). */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => timer !== null && clearTimeout(timer));
}
