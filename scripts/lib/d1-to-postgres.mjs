// Copies what the product kept in D1 before Postgres was its source of truth
// (sites, sessions, users, deployments) into Postgres, then verifies that
// every valid D1 row has its Postgres row. Idempotent: a row already in
// Postgres is kept as it is (Postgres wins), so running it twice copies
// nothing the second time. `d1` is a D1 binding or wranglerD1(); `pg` a
// node-postgres client. Reads D1 a page at a time, writes one statement per page.

const SITE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const SESSION_ID = /^[A-Za-z0-9_-]{8,64}$/;

/** SQLite's CURRENT_TIMESTAMP text is UTC without a zone; ISO strings pass through. */
export function toIso(value) {
  if (value === null || value === undefined || value === '') return null;
  const text = String(value);
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text) ? `${text.replace(' ', 'T')}Z` : text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

const jsonList = (text) => {
  try {
    const v = JSON.parse(text ?? '[]');
    return Array.isArray(v) ? v.filter((x) => typeof x === 'string') : [];
  } catch {
    return [];
  }
};

async function* pages(d1, sqlText, keyOf, pageSize) {
  let after = null;
  for (;;) {
    const { results } = await d1.prepare(sqlText).bind(after ?? '', pageSize).all();
    if (!results.length) return;
    yield results;
    if (results.length < pageSize) return;
    after = keyOf(results[results.length - 1]);
  }
}

/** Each table: how it is read from D1, shaped, written and matched in Postgres. */
const TABLES = {
  sites: {
    read: `SELECT id, name, domain, created_at, allowed_origins, replay_enabled, replay_sample_rate, retention_days, respect_dnt
           FROM sites WHERE id > ?1 ORDER BY id LIMIT ?2`,
    key: (r) => r.id,
    shape: (r) => {
      if (!SITE_ID.test(String(r.id))) return 'id does not match [A-Za-z0-9_-]{1,64}';
      if (toIso(r.created_at) === undefined) return 'created_at is not a time';
      const rate = Number(r.replay_sample_rate ?? 1);
      return {
        id: r.id,
        name: r.name ?? r.domain,
        domain: r.domain,
        created_at: toIso(r.created_at),
        allowed_origins: jsonList(r.allowed_origins),
        replay_enabled: Boolean(r.replay_enabled),
        replay_sample_rate: rate >= 0 && rate <= 1 ? rate : 1,
        retention_days: Number(r.retention_days) > 0 ? Math.floor(Number(r.retention_days)) : 365,
        respect_dnt: r.respect_dnt === null || r.respect_dnt === undefined ? true : Boolean(r.respect_dnt),
      };
    },
    write: `INSERT INTO sites (id, name, domain, created_at, allowed_origins, replay_enabled, replay_sample_rate, retention_days, respect_dnt)
            SELECT x.id, x.name, x.domain, COALESCE(x.created_at, now()), ARRAY(SELECT jsonb_array_elements_text(x.allowed_origins)),
                   x.replay_enabled, x.replay_sample_rate, x.retention_days, x.respect_dnt
            FROM jsonb_to_recordset($1::jsonb) AS x(id text, name text, domain text, created_at timestamptz, allowed_origins jsonb,
                 replay_enabled boolean, replay_sample_rate real, retention_days int, respect_dnt boolean)
            ON CONFLICT (id) DO NOTHING`,
    match: `SELECT count(*)::int AS n FROM sites WHERE id = ANY($1::text[])`,
    table: 'sites',
  },
  sessions: {
    read: `SELECT id, site_id, started_at, last_seen_at, ended_at, entry_page, exit_page, referrer, country, device, browser, os,
             event_count, page_views, clicks, max_scroll_percent, visitor_id, custom_events, errors, duration_ms,
             referrer_domain, utm_source, screen, language
           FROM sessions WHERE id > ?1 ORDER BY id LIMIT ?2`,
    key: (r) => r.id,
    shape: (r) => {
      if (!SESSION_ID.test(String(r.id))) return 'id does not match [A-Za-z0-9_-]{8,64}';
      const started = toIso(r.started_at);
      if (!started) return 'started_at is not a time';
      const lastSeen = toIso(r.last_seen_at) ?? toIso(r.ended_at) ?? started;
      const n = (v) => (Number.isFinite(Number(v)) ? Math.max(0, Math.floor(Number(v))) : 0);
      return {
        id: r.id,
        site_id: r.site_id,
        started_at: started,
        last_seen_at: lastSeen < started ? started : lastSeen,
        ended_at: toIso(r.ended_at) ?? null,
        entry_page: r.entry_page ?? null,
        exit_page: r.exit_page ?? null,
        referrer: r.referrer ?? null,
        referrer_domain: r.referrer_domain ?? null,
        utm_source: r.utm_source ?? null,
        country: r.country ?? null,
        device: r.device ?? null,
        browser: r.browser ?? null,
        os: r.os ?? null,
        screen: r.screen ?? null,
        language: r.language ?? null,
        visitor_id: r.visitor_id ?? null,
        event_count: n(r.event_count),
        page_views: n(r.page_views),
        clicks: n(r.clicks),
        custom_events: n(r.custom_events),
        errors: n(r.errors),
        max_scroll_percent: Math.min(100, Math.max(0, Number(r.max_scroll_percent) || 0)),
        duration_ms: r.duration_ms ? n(r.duration_ms) : Math.max(0, Date.parse(lastSeen) - Date.parse(started)),
      };
    },
    // A session whose site is not in Postgres cannot be kept (foreign key); it counts as skipped.
    write: `INSERT INTO sessions (id, site_id, started_at, last_seen_at, ended_at, entry_page, exit_page, referrer, referrer_domain,
              utm_source, country, device, browser, os, screen, language, visitor_id, event_count, page_views, clicks,
              custom_events, errors, max_scroll_percent, duration_ms)
            SELECT x.* FROM jsonb_to_recordset($1::jsonb) AS x(id text, site_id text, started_at timestamptz,
              last_seen_at timestamptz, ended_at timestamptz, entry_page text, exit_page text, referrer text, referrer_domain text,
              utm_source text, country text, device text, browser text, os text, screen text, language text, visitor_id text,
              event_count int, page_views int, clicks int, custom_events int, errors int, max_scroll_percent real, duration_ms bigint)
            WHERE EXISTS (SELECT 1 FROM sites WHERE sites.id = x.site_id)
            ON CONFLICT (id) DO NOTHING`,
    match: `SELECT count(*)::int AS n FROM sessions WHERE id = ANY($1::text[])`,
    orphans: `SELECT count(*)::int AS n FROM jsonb_to_recordset($1::jsonb) AS x(site_id text)
              WHERE NOT EXISTS (SELECT 1 FROM sites WHERE sites.id = x.site_id)`,
    table: 'sessions',
  },
  users: {
    read: `SELECT id, email, name, role, created_at FROM users WHERE id > ?1 ORDER BY id LIMIT ?2`,
    key: (r) => r.id,
    shape: (r) => {
      const email = String(r.email ?? '').trim().toLowerCase();
      if (!/^[^@\s]+@[^@\s]+$/.test(email)) return 'email is not an address';
      return {
        id: String(r.id),
        email,
        name: r.name || email.split('@')[0],
        role: r.role === 'admin' ? 'admin' : 'user',
        created_at: toIso(r.created_at) ?? null,
      };
    },
    // Legacy users had no password: they log in once an admin sets one
    // (npm run admin:create -- --email … --password … for admins).
    // Each copied user joins the default organisation, as the users of 0020
    // did: admins as owners, others as viewers (one member row per user, so
    // the statement's count is the users copied).
    write: `WITH added AS (
              INSERT INTO "user" (id, name, email, email_verified, role, banned, created_at, updated_at)
              SELECT x.id, x.name, x.email, false, x.role, false, COALESCE(x.created_at, now()), now()
              FROM jsonb_to_recordset($1::jsonb) AS x(id text, name text, email text, role text, created_at timestamptz)
              ON CONFLICT DO NOTHING
              RETURNING id, role)
            INSERT INTO member (id, organization_id, user_id, role)
            SELECT 'mem_' || md5(id), 'default', id, CASE WHEN role = 'admin' THEN 'owner' ELSE 'viewer' END FROM added
            ON CONFLICT DO NOTHING`,
    // Matched by id, or by email for a user who exists under another id already.
    match: `SELECT count(*)::int AS n FROM jsonb_to_recordset($1::jsonb) AS x(id text, email text)
            WHERE EXISTS (SELECT 1 FROM "user" u WHERE u.id = x.id OR u.email = x.email)`,
    table: '"user"',
  },
  deployments: {
    read: `SELECT id, version, environment, deployed_at, commit_sha, deployed_by, status, notes
           FROM deployments WHERE id > CAST(?1 AS INTEGER) ORDER BY id LIMIT ?2`,
    key: (r) => r.id,
    shape: (r) => {
      const at = toIso(r.deployed_at);
      if (!at || !r.version) return 'no version or deployed_at';
      return {
        version: String(r.version),
        environment: r.environment ?? 'production',
        deployed_at: at,
        commit_sha: r.commit_sha ?? null,
        deployed_by: r.deployed_by ?? null,
        status: r.status ?? 'success',
        notes: r.notes ?? null,
      };
    },
    // Postgres numbers deployments itself, so a deployment is the same one
    // when version, environment and time agree.
    write: `INSERT INTO deployment_history (version, environment, deployed_at, commit_sha, deployed_by, status, notes)
            SELECT x.version, x.environment, x.deployed_at, x.commit_sha, x.deployed_by, x.status, x.notes
            FROM jsonb_to_recordset($1::jsonb) AS x(version text, environment text, deployed_at timestamptz, commit_sha text,
                 deployed_by text, status text, notes text)
            WHERE NOT EXISTS (SELECT 1 FROM deployment_history d
                              WHERE d.version = x.version AND d.environment = x.environment AND d.deployed_at = x.deployed_at)`,
    match: `SELECT count(*)::int AS n FROM jsonb_to_recordset($1::jsonb) AS x(version text, environment text, deployed_at timestamptz)
            WHERE EXISTS (SELECT 1 FROM deployment_history d
                          WHERE d.version = x.version AND d.environment = x.environment AND d.deployed_at = x.deployed_at)`,
    table: 'deployment_history',
  },
};

export const TABLE_ORDER = ['sites', 'sessions', 'users', 'deployments'];

/**
 * Returns, per table: rows in D1, copied now, already in Postgres, skipped
 * (with reasons, first few ids), matched in Postgres after the copy, and ok
 * when every row that was not skipped is matched.
 */
export async function migrateD1ToPostgres(d1, pg, { pageSize = 500, log = () => {} } = {}) {
  await pg.query(`SET TIME ZONE 'UTC'`);
  const report = {};
  for (const name of TABLE_ORDER) {
    const t = TABLES[name];
    const r = { d1_rows: 0, copied: 0, already_there: 0, skipped: 0, skipped_examples: [], matched: 0, postgres_rows: 0, ok: false };
    for await (const page of pages(d1, t.read, t.key, pageSize)) {
      r.d1_rows += page.length;
      const rows = [];
      for (const raw of page) {
        const shaped = t.shape(raw);
        if (typeof shaped === 'string') {
          r.skipped++;
          if (r.skipped_examples.length < 10) r.skipped_examples.push({ key: raw.id, reason: shaped });
        } else rows.push(shaped);
      }
      if (!rows.length) continue;
      const json = JSON.stringify(rows);
      const byId = name === 'sites' || name === 'sessions';
      const matchArg = byId ? `{${rows.map((x) => `"${String(x.id).replace(/["\\]/g, '\\$&')}"`).join(',')}}` : json;
      const matched = async () => (await pg.query(t.match, [matchArg])).rows[0].n;
      const before = await matched();
      const written = await pg.query(t.write, [json]);
      const after = await matched();
      r.already_there += before;
      r.copied += written.rowCount ?? 0;
      r.matched += after;
      if (t.orphans) {
        // Sessions of a site Postgres does not have cannot be kept (foreign key).
        const orphans = (await pg.query(t.orphans, [json])).rows[0].n;
        r.skipped += orphans;
        if (orphans && r.skipped_examples.length < 10) r.skipped_examples.push({ key: null, reason: `${orphans} sessions whose site is not in Postgres` });
      }
    }
    r.postgres_rows = (await pg.query(`SELECT count(*)::int AS n FROM ${t.table}`)).rows[0].n;
    r.ok = r.matched + r.skipped === r.d1_rows;
    report[name] = r;
    log(`${name}: ${r.d1_rows} in D1, ${r.copied} copied, ${r.already_there} already there, ${r.skipped} skipped, ${r.matched} matched${r.ok ? '' : ' — MISMATCH'}`);
  }
  return report;
}
