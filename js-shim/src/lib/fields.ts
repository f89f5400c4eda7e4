// Validation of admin request bodies and queries: each reader returns the
// typed value or throws a 400 naming the field.
import { ApiError } from '../errors';

export type Body = Record<string, unknown>;

const bad = (message: string) => new ApiError(400, 'bad_request', message);

export function text(body: Body, name: string, opts: { max?: number; required?: boolean; pattern?: RegExp } = {}): string | undefined {
  const v = body[name];
  if (v === undefined || v === null || v === '') {
    if (opts.required) throw bad(`${name} is required.`);
    return undefined;
  }
  if (typeof v !== 'string') throw bad(`${name} must be a string.`);
  if (v.length > (opts.max ?? 200)) throw bad(`${name} is longer than ${opts.max ?? 200} characters.`);
  if (opts.pattern && !opts.pattern.test(v)) throw bad(`${name} is not valid.`);
  return v;
}

export function bool(body: Body, name: string): boolean | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw bad(`${name} must be true or false.`);
  return v;
}

export function number(body: Body, name: string, min: number, max: number, integer = false): number | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw bad(`${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}.`);
  }
  return v;
}

/** A YYYY-MM-DD date (its UTC midnight) or an ISO 8601 time. */
export function time(value: string | undefined, name: string): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const d = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00.000Z`) : /^\d{4}-\d{2}-\d{2}T/.test(value) ? new Date(value) : null;
  if (!d || Number.isNaN(d.getTime())) throw bad(`${name} must be YYYY-MM-DD or an ISO 8601 time.`);
  return d;
}

export const SESSION_ID = /^[A-Za-z0-9_-]{8,64}$/;
