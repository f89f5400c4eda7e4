// The wire contract (ARCHITECTURE.md §4): the limits a client must respect,
// the event types, the shapes the API sends and answers with, and the closed
// list of error codes. One module for the Worker, the dashboard, the tracker
// build and the tests; it imports nothing, so each of them can bundle it.

// ---------------------------------------------------------------- limits

/** Events in one batch at most (the core's Limits::max_events); session/start answers it as max_batch. */
export const MAX_BATCH = 200;
/** Bytes of one batch body (Limits::max_batch_bytes): 413 past it, unread. */
export const MAX_BATCH_BYTES = 1024 * 1024;
/** Bytes of one event: rrweb full snapshots are large single events. */
export const MAX_EVENT_BYTES = 512 * 1024;
/** Bytes of a session/start body. */
export const MAX_START_BYTES = 16 * 1024;
/** Bytes of a small form body (a clear, a ban, a share, an invitation). */
export const MAX_FORM_BYTES = 4096;
/** The batch interval when the Worker's BATCH_INTERVAL_MS is unset. */
export const DEFAULT_BATCH_INTERVAL_MS = 20_000;

// ---------------------------------------------------------------- events

/** The event types the core accepts (wasm/include/edgereplay/event.hpp EventType). */
export const EVENT_TYPES = ['page_view', 'click', 'scroll', 'visibility', 'custom', 'error', 'rrweb'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** An event as a client sends it: its type, its time (epoch ms) and the type's fields. */
export interface TrackedEvent {
  type: EventType | (string & {});
  ts: number;
  [field: string]: unknown;
}

/** An event as stored and replayed: as sent, plus its place in the session (batch seq, index in the batch). */
export interface StoredEvent extends TrackedEvent {
  seq?: number;
  i?: number;
}

// ---------------------------------------------------------------- tracking

/** POST /track/session/start's answer: the session's credentials and how to send its batches. */
export interface SessionStart {
  session_id: string;
  /** ISO 8601 UTC with milliseconds, sent back verbatim in every batch. */
  session_started_at: string;
  token: string;
  batch_interval_ms: number;
  /** Events per batch at most. */
  max_batch: number;
  /** Whether this session records a replay. */
  replay: boolean;
}

/** The credentials every batch carries. */
export type SessionCredentials = Pick<SessionStart, 'session_id' | 'session_started_at' | 'token'>;

/** A batch's body: POST /track/events/batch, or /track/session/end with ended_at. */
export interface BatchBody extends SessionCredentials {
  seq: number;
  events: TrackedEvent[];
  ended_at?: number;
}

/** A batch's 202 answer. */
export interface BatchOutcome {
  accepted: number;
  rejected: number;
  /** Refused events counted by reason. */
  reasons: Record<string, number>;
  /** The seq was stored before with these bytes: a retry, counted once. */
  duplicate: boolean;
  /** Stored in R2; its aggregates follow once Postgres answers. */
  deferred: boolean;
}

// ---------------------------------------------------------------- sites and sessions

/** What an admin sets on a site. */
export interface SiteSettings {
  name: string;
  domain: string;
  allowed_origins: string[];
  replay_enabled: boolean;
  replay_sample_rate: number;
  retention_days: number;
  respect_dnt: boolean;
  /** User-Agent substrings (case-insensitive) that flag a new session as a bot's, besides isbot's list. */
  bot_patterns: string[];
}

/** A site's own bot patterns: how many at most, and the length of each. */
export const MAX_BOT_PATTERNS = 50;
export const MAX_BOT_PATTERN_CHARS = 100;

/** A site as /api/sites answers it. */
export interface Site extends SiteSettings {
  id: string;
  organization_id: string;
  created_at: string;
}

/** A session's running counts, summed from its batches (the core's aggregate delta). */
export interface EventCounts {
  event_count: number;
  page_views: number;
  clicks: number;
  custom_events: number;
  errors: number;
  rrweb_events: number;
  max_scroll_percent: number;
}

/** Where a session came from and on what, as session/start recorded it. */
export interface SessionOrigin {
  entry_page: string | null;
  exit_page: string | null;
  referrer: string | null;
  referrer_domain: string | null;
  utm_source: string | null;
  country: string | null;
  device: string | null;
  browser: string | null;
  os: string | null;
  screen: string | null;
  language: string | null;
}

/** A session as the session list answers it (times as ISO 8601 text). */
export interface SessionSummary extends SessionOrigin, EventCounts {
  id: string;
  site_id: string;
  visitor_id?: string | null;
  started_at: string;
  last_seen_at: string;
  ended_at: string | null;
  duration_ms: number;
}

/** One session as /api/sessions/:id answers it: the summary and the rest of its row. */
export interface SessionDetail extends SessionSummary {
  utm_medium: string | null;
  utm_campaign: string | null;
  timezone: string | null;
  bytes_stored: number;
  /** session/start told the tracker to record a DOM replay (null: started before this was kept). */
  replay_sampled?: boolean | null;
}

// ---------------------------------------------------------------- conversions

/** A goal's numbers over some sessions: those that reached it (conversions) and their share (rate). */
export interface GoalNumbers {
  id: string;
  name: string;
  conversions: number;
  rate: number;
}

/** A goal by id and name. */
export type GoalName = Pick<GoalNumbers, 'id' | 'name'>;

/** One value of a goal breakdown: its sessions and each goal's numbers over them. */
export interface GoalBreakdownRow {
  value: string;
  sessions: number;
  goals: GoalNumbers[];
}

/** GET /api/conversions/goals/breakdown: one breakdown's rows (dim=), or several breakdowns (dims=). */
export interface GoalBreakdown {
  /** The goal asked for with goal=<id>; null: every goal of the site. */
  goal: GoalName | null;
  /** The site's goals, so a client can offer the others. */
  site_goals: GoalName[];
  path_cap: number;
  dim?: string;
  rows?: GoalBreakdownRow[];
  dims?: Record<string, GoalBreakdownRow[]>;
}

// ---------------------------------------------------------------- errors

/**
 * The core's error codes by numeric value (wasm/include/edgereplay/error.hpp;
 * tests/core/abi.test.ts holds the two equal). They reach clients unchanged.
 */
export const CORE_ERRORS = [
  'ok',
  'bad_json',
  'payload_too_large',
  'bad_session_id',
  'bad_session_started_at',
  'session_in_future',
  'session_expired',
  'bad_seq',
  'bad_events',
  'too_many_events',
  'bad_utf8',
  'too_deep',
  'bad_argument',
  'bad_delta',
  'out_of_memory',
  'bad_ended_at',
  'session_too_large',
] as const;
export type CoreErrorCode = (typeof CORE_ERRORS)[number];

/** The codes the Worker adds to the core's. */
export const API_ERRORS = [
  'bad_request',
  'unsupported_media_type',
  'inflated_too_large',
  'bad_encoding',
  'bad_token',
  'unknown_site',
  'origin_not_allowed',
  'do_not_track',
  'unauthorized',
  'forbidden',
  'banned',
  'password_required',
  'account_exists',
  'misconfigured',
  'conflict',
  'seq_conflict',
  'session_erased',
  'confirmation_required',
  'not_found',
  'storage_unavailable',
  'database_unavailable',
  'scan_timeout',
  'no_snapshot',
  'rate_limited',
  'internal_error',
] as const;

/** The closed list of codes an error body carries. */
export type ErrorCode = Exclude<CoreErrorCode, 'ok'> | (typeof API_ERRORS)[number];

/** Every error answer: {"error":{"code","message"}}. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}
