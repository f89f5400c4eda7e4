// One error type and one renderer. Every error body is
// {"error":{"code":"snake_case","message":"human text"}}.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * The closed list of error codes the API answers with. Core codes
 * (js-shim/src/core.ts CORE_ERRORS) pass through unchanged.
 */
export type ErrorCode =
  | 'bad_request'
  | 'bad_json'
  | 'payload_too_large'
  | 'inflated_too_large'
  | 'bad_encoding'
  | 'unsupported_media_type'
  | 'bad_session_id'
  | 'bad_session_started_at'
  | 'session_in_future'
  | 'session_expired'
  | 'bad_seq'
  | 'bad_events'
  | 'too_many_events'
  | 'bad_utf8'
  | 'too_deep'
  | 'bad_ended_at'
  | 'session_too_large'
  | 'bad_token'
  | 'unknown_site'
  | 'origin_not_allowed'
  | 'do_not_track'
  | 'unauthorized'
  | 'forbidden'
  | 'banned'
  | 'password_required'
  | 'account_exists'
  | 'misconfigured'
  | 'conflict'
  | 'seq_conflict'
  | 'session_erased'
  | 'confirmation_required'
  | 'not_found'
  | 'storage_unavailable'
  | 'database_unavailable'
  | 'scan_timeout'
  | 'rate_limited'
  | 'internal_error';

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode | string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function errorBody(code: string, message: string) {
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
