// Deadlines on work a response waits for: the R2 put a 2xx depends on, and
// the aggregate statement after it (a statement stuck behind a lock or on a
// stalled connection would otherwise hold the request open: Workers set no
// wall-clock limit on a request whose client still waits).
export const DEFAULT_R2_PUT_TIMEOUT_MS = 10_000;
export const DEFAULT_PG_APPLY_TIMEOUT_MS = 10_000;

/** The work did not settle in time. Its code reads as a connection timeout, which callers treat as "unreachable: defer". */
export class DeadlineError extends Error {
  readonly code = 'ETIMEDOUT';
}

/** Rejects with a DeadlineError when `work` has not settled within `ms` (the work itself is not cancelled). */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => timer !== null && clearTimeout(timer));
}
