// Session paths (migrations/postgres/0050) and the matchers goals and funnels
// use on them. A path is "\x1f" + steps joined by "\x1f" + "\x1f"; a step is
// 'p' + page path or 'e' + event name with its properties ("\x1d" key "\x1e"
// value, sorted by key), then "\x1c" and an 8-digit ms offset from the
// session start. A matcher becomes SQL that finds where its step starts: one
// strpos() for an exact page or event, else one PostgreSQL regular expression
// (ARE). User text is always a bind parameter, escaped where it sits in a
// pattern, so it is never SQL nor a pattern of its own.
import { ApiError } from '../errors';
import type { Steps } from '../core';

/** Longest offset an 8-digit step time holds (27.7 h; a session takes batches for 24 h). */
const MAX_OFFSET_MS = 99_999_999;

/** A batch's steps in the path form, offsets from the session start. */
export function encodePath(steps: Steps['steps'], startedAtMs: number): string {
  if (!steps.length) return '';
  let out = '\x1f';
  for (const s of steps) {
    const offset = Math.min(Math.max(s.ts - startedAtMs, 0), MAX_OFFSET_MS);
    out += `${s.step}\x1c${String(offset).padStart(8, '0')}\x1f`;
  }
  return out;
}

export interface PathStep {
  /** ms from the session's start */
  t: number;
  kind: 'page' | 'event';
  /** page path or event name */
  value: string;
  props?: Record<string, string>;
}

/** A stored path read back as steps (the session API shows it). */
export function decodePath(path: string): PathStep[] {
  return path.split('\x1f').filter(Boolean).map((x) => {
    const [body, time] = x.split('\x1c');
    const kind = body[0] === 'e' ? 'event' : 'page';
    const [value, ...pairs] = body.slice(1).split('\x1d');
    const step: PathStep = { t: Number(time), kind, value };
    if (pairs.length) step.props = Object.fromEntries(pairs.map((p) => p.split('\x1e', 2) as [string, string]));
    return step;
  });
}

export type PageMatch = 'exact' | 'prefix' | 'wildcard';

/** One goal or funnel step: a page (exact, prefix, or `*` wildcards), or a custom event with an optional property. */
export interface Matcher {
  kind: 'page' | 'event';
  match?: PageMatch;
  value: string;
  prop_key?: string | null;
  prop_value?: string | null;
}

/** Text as the core keeps it in a step: control characters become spaces. */
const clean = (text: string) => text.replace(/[\u0000-\u001f]/g, ' ');

/** ARE-escapes every ASCII character that is not a letter or digit (a backslash before one is always literal). */
const escapeRe = (text: string) => clean(text).replace(/[\u0020-\u002f\u003a-\u0040\u005b-\u0060\u007b-\u007f]/g, (ch) => `\\${ch}`);

/**
 * The key path_keys() indexes for the steps `m` matches: 'p' + path or 'e' +
 * event name (an event's properties are checked on the rows it finds); null
 * for a page prefix or wildcard, which no single key names.
 */
export function matcherKey(m: Matcher): string | null {
  if (m.kind === 'page') return m.match === 'prefix' || m.match === 'wildcard' ? null : `p${clean(m.value)}`;
  return `e${clean(m.value)}`;
}

/**
 * How to find a step `m` matches: literals whose earliest strpos() is the
 * step's start (an exact page, a page prefix or a wildcard whose only `*`
 * ends it; an event without properties), or a regular expression whose
 * match starts at it, with a literal every match contains (`has`: a strpos()
 * that rules most sessions out before the expression runs).
 */
export function matcherSearch(m: Matcher): { literals: string[] } | { pattern: string; has: string } {
  if (m.kind === 'page') {
    const v = m.value;
    if (m.match === 'prefix') return { literals: [`\x1fp${clean(v)}`] };
    if (m.match === 'wildcard') {
      const parts = v.split('*');
      // "/p/*": a page step runs to its "\x1c", so a trailing * is a prefix.
      if (parts.length === 2 && parts[1] === '') return { literals: [`\x1fp${clean(parts[0])}`] };
      return { pattern: `\\u001fp${parts.map(escapeRe).join('[^\\u001c\\u001f]*')}\\u001c`, has: `\x1fp${clean(parts[0])}` };
    }
    return { literals: [`\x1fp${clean(v)}\x1c`] };
  }
  const name = `e${clean(m.value)}`;
  if (m.prop_key == null) return { literals: [`\x1f${name}\x1c`, `\x1f${name}\x1d`] };
  return {
    pattern: `\\u001f${escapeRe(name)}(?:\\u001d[^\\u001c]*)?\\u001d${escapeRe(m.prop_key)}\\u001e${escapeRe(m.prop_value ?? '')}[\\u001d\\u001c]`,
    has: `\x1f${name}\x1d`,
  };
}

const MAX_TEXT = 200;

/** Validates a matcher from a request body (400 bad_request otherwise). */
export function parseMatcher(raw: unknown, where: string): Matcher {
  const bad = (why: string) => new ApiError(400, 'bad_request', `${where}: ${why}`);
  if (!raw || typeof raw !== 'object') throw bad('must be an object.');
  const r = raw as Record<string, unknown>;
  if (r.kind !== 'page' && r.kind !== 'event') throw bad("kind must be 'page' or 'event'.");
  if (typeof r.value !== 'string' || !r.value.trim() || r.value.length > MAX_TEXT) throw bad(`value must be 1..${MAX_TEXT} characters.`);
  const value = r.value.trim();
  if (r.kind === 'page') {
    const match = (r.match ?? 'exact') as PageMatch;
    if (!['exact', 'prefix', 'wildcard'].includes(match)) throw bad("match must be 'exact', 'prefix' or 'wildcard'.");
    if (!value.startsWith('/') && !value.startsWith('*')) throw bad('a page path starts with /.');
    return { kind: 'page', match, value };
  }
  const key = r.prop_key == null || r.prop_key === '' ? null : r.prop_key;
  if (key !== null && (typeof key !== 'string' || key.length > 40)) throw bad('prop_key must be up to 40 characters.');
  const propValue = key === null ? null : r.prop_value == null ? '' : String(r.prop_value);
  if (propValue !== null && propValue.length > 100) throw bad('prop_value must be up to 100 characters.');
  return { kind: 'event', match: 'exact', value, prop_key: key, prop_value: propValue };
}

/** Values of one custom-event property key per site and day with a row of their own; later new ones count as '(other)'. */
export const PROP_VALUES_PER_KEY = 100;
