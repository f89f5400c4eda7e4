// POST /track/*: the public ingest API (ARCHITECTURE.md §4). A batch costs no
// database read: the session token proves site and session, the core derives
// the R2 key, R2 must hold the chunk before any 2xx, then one Postgres
// statement applies the aggregate delta.
import { Hono, type Context } from 'hono';
import { DEFAULT_BATCH_INTERVAL_MS, MAX_BATCH, MAX_START_BYTES, type SessionStart } from '../contract';
import type { AppBindings } from '../env';
import { ApiError } from '../errors';
import { readBody, readJson } from '../lib/body';
import { flaggedAsBot } from '../lib/bots';
import { describeClient, pathOf, referrerDomain, utmTags } from '../lib/visitor';
import { db, unreachableAs503 } from '../lib/db';
import { inflateBody } from '../lib/gzip';
import { limitTracking } from '../lib/rate-limit';
import { dailyVisitorId, randomId, signSessionToken, SITE_ID, verifySessionToken } from '../lib/token';
import { compactInBackground } from '../services/background';
import { ingestBatch, type BatchKind } from '../services/ingest';
import { originAllowed, siteForIngest, siteForStart } from '../services/site-config';
import { syncSessions } from '../storage/d1-cache-sync';
import { insertSession } from '../storage/pg-ingest';
import { getCore } from '../wasm';

const track = new Hono<AppBindings>();

// CORS: the tracker sends text/plain JSON, which needs no preflight; other
// clients get one. The Origin itself is checked against the site per request.
track.use('*', async (c, next) => {
  const origin = c.req.header('origin');
  if (c.req.method === 'OPTIONS') {
    return new Response(null, {
      status: 204,
      headers: {
        'Access-Control-Allow-Origin': origin ?? '*',
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': 'Content-Type',
        'Access-Control-Max-Age': '86400',
        Vary: 'Origin',
      },
    });
  }
  await next();
  if (origin) {
    c.res.headers.set('Access-Control-Allow-Origin', origin);
    c.res.headers.append('Vary', 'Origin');
  }
});

interface StartBody {
  site_id?: unknown;
  url?: unknown;
  referrer?: unknown;
  screen?: unknown;
  language?: unknown;
  timezone?: unknown;
  utm?: unknown;
  webdriver?: unknown;
  bot?: unknown;
}

const text = (v: unknown, max: number): string | null => (typeof v === 'string' && v ? v.slice(0, max) : null);

function parseUrl(v: unknown): URL | null {
  if (typeof v !== 'string') return null;
  try {
    return new URL(v);
  } catch {
    return null;
  }
}

track.post('/session/start', async (c) => {
  const body = await readJson<StartBody>(c.req.raw, MAX_START_BYTES);
  if (typeof body.site_id !== 'string' || !SITE_ID.test(body.site_id)) {
    throw new ApiError(400, 'bad_request', 'site_id must match [A-Za-z0-9_-]{1,64}.');
  }
  const siteId = body.site_id;
  await limitTracking(c, siteId);
  const site = await siteForStart(c.env, () => db(c), siteId, c.executionCtx).catch((err) => {
    throw unreachableAs503(err);
  });
  if (!site) throw new ApiError(404, 'unknown_site', `No site ${siteId}.`);
  const origin = c.req.header('origin');
  if (!originAllowed(site, origin)) throw new ApiError(403, 'origin_not_allowed', `Origin ${origin} may not track site ${siteId}.`);
  // The tracker already stays quiet under Do Not Track / Global Privacy Control;
  // this holds for any other sender too, unless the site opted out of it.
  if (site.respect_dnt && (c.req.header('dnt') === '1' || c.req.header('sec-gpc') === '1')) {
    throw new ApiError(403, 'do_not_track', 'The visitor asked not to be tracked (DNT or Sec-GPC).');
  }

  const now = Date.now();
  const sessionId = randomId();
  const startedAt = new Date(now).toISOString();
  const url = parseUrl(body.url);
  const referrer = text(body.referrer, 1024);
  const client = describeClient(c.req.raw);
  const ip = c.req.header('cf-connecting-ip') ?? c.req.header('x-forwarded-for') ?? '';
  const isBot = flaggedAsBot(c.req.header('user-agent'), body, site.bot_patterns);
  const visitorId = await dailyVisitorId(c.env.TOKEN_SECRET, siteId, startedAt.slice(0, 10), ip, c.req.header('user-agent') ?? '', isBot);

  const replay = site.replay_enabled && Math.random() < site.replay_sample_rate;
  let row;
  try {
    row = await insertSession(db(c), {
      id: sessionId,
      siteId,
      startedAtMs: now,
      visitorId,
      entryPage: pathOf(url),
      referrer,
      referrerDomain: referrerDomain(referrer, url?.hostname ?? null),
      utm: utmTags(url, body.utm),
      ...client,
      screen: text(body.screen, 32),
      language: text(body.language, 35),
      timezone: text(body.timezone, 64),
      isBot,
      replaySampled: replay,
    });
  } catch (err) {
    throw unreachableAs503(err);
  }
  c.executionCtx.waitUntil(syncSessions(c.env, [row]));

  const token = await signSessionToken(c.env.TOKEN_SECRET, siteId, sessionId, startedAt);
  return c.json<SessionStart>({
    session_id: sessionId,
    session_started_at: startedAt,
    token,
    batch_interval_ms: Number(c.env.BATCH_INTERVAL_MS) || DEFAULT_BATCH_INTERVAL_MS,
    max_batch: MAX_BATCH,
    replay,
  });
});

async function ingest(c: Context<AppBindings>, kind: BatchKind) {
  const core = getCore();
  // One cap for both: the bytes on the wire, and what a gzip body inflates to.
  const limit = core.getLimits().maxBatchBytes;
  const bytes = await inflateBody(await readBody(c.req.raw, limit), limit);
  const now = Date.now();
  const minEvents = kind === 'end' ? 0 : 1;
  let result = core.ingestBatch(bytes, now, { minEvents });
  if (!result.ok) throw new ApiError(result.status as 400, result.code, result.message);

  const siteId = await verifySessionToken(c.env.TOKEN_SECRET, result.meta.token, result.meta.session_id, result.meta.session_started_at);
  if (!siteId || (result.meta.site_id && result.meta.site_id !== siteId)) {
    throw new ApiError(403, 'bad_token', 'The session token does not match this session.');
  }
  await limitTracking(c, siteId);
  // The token proves the session started from an allowed origin; a cached
  // site config (never Postgres) also catches an origin removed since.
  const origin = c.req.header('origin');
  const site = await siteForIngest(c.env, siteId, now);
  if (site === null) throw new ApiError(404, 'unknown_site', `No site ${siteId}.`);
  if (site && !originAllowed(site, origin)) throw new ApiError(403, 'origin_not_allowed', `Origin ${origin} may not track site ${siteId}.`);
  // A site that records no replays stores no DOM recording: rrweb events are
  // refused per event (replay_off). Rare, so the batch is read once more only then.
  if (site && !site.replay_enabled && result.meta.delta.rrweb_events > 0) {
    result = core.ingestBatch(bytes, now, { minEvents, allowRrweb: false });
    if (!result.ok) throw new ApiError(result.status as 400, result.code, result.message);
  }
  const { meta, ndjson } = result;

  const outcome = await ingestBatch(c.env, c.executionCtx, () => db(c), kind, meta, ndjson, siteId, now);
  if (kind === 'end') {
    compactInBackground(c.env, c.executionCtx, { id: meta.session_id, site_id: siteId, started_at: meta.session_started_at });
  }
  return c.json(outcome, 202);
}

track.post('/events/batch', (c) => ingest(c, 'batch'));
track.post('/event', (c) => ingest(c, 'event'));
track.post('/session/end', (c) => ingest(c, 'end'));

export default track;
