// Session paths (migrations/postgres/0050) and the matchers goals and funnels
// use on them. A path is "\x1f" + steps joined by "\x1f" + "\x1f"; a step is an
// 8-digit ms offset from the session start, then 'p' + page path or 'e' +
// event name with its properties ("\x1d" key "\x1e" value, sorted by key).
// A matcher becomes one PostgreSQL regular expression (ARE) over that text,
// which finds the step wherever it is in the path; user text in it is always
// escaped, so it cannot be a pattern of its own.
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
    out += String(offset).padStart(8, '0') + s.step + '\x1f';
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
    const t = Number(x.slice(0, 8));
    const kind = x[8] === 'e' ? 'event' : 'page';
    const [value, ...pairs] = x.slice(9).split('\x1d');
    const step: PathStep = { t, kind, value };
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

const STEP_START = '\\u001f[0-9]{8}';

/** The regular expression that finds a step `m` matches (its match starts at the step's leading separator). */
export function matcherPattern(m: Matcher): string {
  if (m.kind === 'page') {
    const v = m.value;
    if (m.match === 'prefix') return `${STEP_START}p${escapeRe(v)}`;
    if (m.match === 'wildcard') return `${STEP_START}p${v.split('*').map(escapeRe).join('[^\\u001f]*')}(?=\\u001f)`;
    return `${STEP_START}p${escapeRe(v)}(?=\\u001f)`;
  }
  const name = `${STEP_START}e${escapeRe(m.value)}`;
  if (m.prop_key == null) return `${name}(?=[\\u001d\\u001f])`;
  return `${name}(?:\\u001d[^\\u001f]*)?\\u001d${escapeRe(m.prop_key)}\\u001e${escapeRe(m.prop_value ?? '')}(?=[\\u001d\\u001f])`;
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
