// One error type and one renderer. Every error body is
// {"error":{"code":"snake_case","message":"human text"}}, its code one of
// the closed list in contract.ts.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorBody, ErrorCode } from './contract';

export type { ErrorCode };

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

/** app.onError: ApiErrors as they are, anything else as a 500 without internals. */
export function renderError(err: Error, c: Context): Response {
  if (err instanceof ApiError) {
    return c.json(errorBody(err.code, err.message), err.status, err.headers);
  }
  console.error('unhandled error', err);
  return c.json(errorBody('internal_error', 'Something went wrong on our side.'), 500);
}
