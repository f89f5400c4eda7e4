// The goal report and its breakdowns over closed days (goal_days) on real
// Postgres: each kept answer is compared with the same read a millisecond
// short of midnight, which scans every session of the range as before:
// after a fill, with the comparison period, across more than a week, after
// ingest, after a goal is edited or deleted and after a session is cleared.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resetStatements, seedSite, startStack, workerStatements, type Stack } from './harness/stack.ts';
import { sendBatch, startSession } from './harness/session.ts';
import { pageView } from './harness/factories.ts';
import { asToken, asUser, logIn, makeAdmin, type Login } from './harness/accounts.ts';
import { closedBefore } from '../../js-shim/src/lib/params.ts';
import { rebuildRollups } from '../../scripts/lib/rollups.mjs';

const DAY_MS = 86_400_000;
const DIMS = ['entry_page', 'exit_page', 'referrer', 'utm_source', 'utm_medium', 'utm_campaign', 'country', 'device', 'browser', 'os'];

describe('goals over closed days', () => {
  let stack: Stack;
  let token: string;
  let admin: Login;
  const site = 'site_goal_days';
  const day = (back: number) => new Date(Date.now() - back * DAY_MS).toISOString().slice(0, 10);
  /** The end of a day a millisecond early: not a whole day, so the read scans every session (no rollups, no kept days). */
  const justBefore = (back: number) => encodeURIComponent(new Date(Date.parse(`${day(back)}T00:00:00Z`) + DAY_MS - 1).toISOString());
  /** Closed days in [day(back), day(until)]. */
  const closed = (back: number, until = 0) =>
    Math.max(0, Math.min(back - until + 1, (closedBefore(Date.now()) - Date.parse(`${day(back)}T00:00:00Z`)) / DAY_MS));
  const get = async (path: string) => {
    const res = await asToken(stack, token, path);
    assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
    return (await res.json()) as Record<string, any>;
  };
  const change = async (method: string, path: string, body?: unknown) => {
    const res = await asUser(stack, admin, path, { method, body });
    return { status: res.status, body: res.status === 204 ? {} : ((await res.json()) as Record<string, any>) };
  };
  const report = (body: Record<string, any>) => ({ sessions: body.sessions, goals: body.goals, bots_excluded: body.bots_excluded, compare: body.compare });
  const week = `from=${day(6)}&to=${day(0)}&compare_from=${day(13)}&compare_to=${day(7)}&site_id=${site}`;
  const weekScan = `from=${day(6)}&to=${justBefore(0)}&compare_from=${day(13)}&compare_to=${justBefore(7)}&site_id=${site}`;
  const kept = async (where = '') =>
    (await stack.db.query(`SELECT count(*)::int AS n FROM goal_days WHERE site_id = $1 AND dim = '' ${where}`, [site])).rows[0].n as number;
  const fills = async () =>
    (await workerStatements(stack)).byQuery.filter((r) => r.query.includes('INSERT INTO goal_days')).reduce((n, r) => n + r.calls, 0);
  const goalIds: string[] = [];

  before(async () => {
    stack = await startStack();
    ({ token } = await seedSite(stack, site));
    const a = await makeAdmin(stack, 'goal-days-admin@example.com', 'goal-days-admin-password');
    admin = await logIn(stack, a.email, a.password);
    // Visits over 17 days, today's included, with every breakdown's column varied (and sometimes empty).
    let seed = 7;
    const rand = (n: number) => Math.floor(((seed = (seed * 48271) % 2147483647) / 2147483647) * n);
    const pick = <T,>(xs: T[]) => xs[rand(xs.length)];
    const pages = ['/', '/plans', '/plan/pro', '/signup', '/blog', '/pricing'];
    for (let k = 0; k < 340; k++) {
      const back = k % 17;
      const started = new Date(Date.parse(`${day(back)}T00:00:00Z`) + rand(86_000) * 1000);
      if (started.getTime() > Date.now()) continue;
      const path: string[] = [];
      const visited: string[] = [];
      let t = 0;
      for (let i = 0, n = 1 + rand(7); i < n; i++) {
        const page = pick(pages);
        const step = rand(6) === 0 ? `ebuy${rand(2) ? '\x1dplan\x1epro' : ''}` : `p${page}`;
        if (path.length && path[path.length - 1].startsWith(step)) continue;
        if (step.startsWith('p')) visited.push(page);
        t += 1 + rand(40_000);
        path.push(`${step}\x1c${String(t).padStart(8, '0')}`);
      }
      const utm = rand(3) === 0;
      await stack.db.query(
        `INSERT INTO sessions (id, site_id, started_at, last_seen_at, entry_page, exit_page, referrer_domain, utm_source, utm_medium, utm_campaign,
                               country, device, browser, os, path, is_bot)
         VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
        [`goal_days_session_${k}`, site, started, visited[0] ?? '/', visited[visited.length - 1] ?? '/', pick([null, 'news.example', 'search.example']),
          utm ? pick(['mail', 'ads']) : null, utm ? pick(['email', 'cpc']) : null, utm ? pick(['spring', 'autumn']) : null,
          pick([null, 'DE', 'FR', 'US']), pick(['desktop', 'mobile', null]), pick(['Chrome', 'Firefox']), pick(['Linux', 'iOS', null]),
          `\x1f${path.join('\x1f')}\x1f`, k % 11 === 0],
      );
    }
    await rebuildRollups(stack.db, { siteId: site });
    for (const g of [
      { name: 'Signup', kind: 'page', value: '/signup' },
      { name: 'Plans', kind: 'page', match: 'prefix', value: '/plan' },
      { name: 'Pro pages', kind: 'page', match: 'wildcard', value: '/p*n/p*' },
      { name: 'Pro buys', kind: 'event', value: 'buy', prop_key: 'plan', prop_value: 'pro' },
    ]) {
      const res = await change('POST', '/api/conversions/goals', { site_id: site, ...g });
      assert.equal(res.status, 201);
      goalIds.push(res.body.goal.id);
    }
  });
  after(() => stack?.close());

  it('keeps each closed day of the period and the comparison period, and answers as a scan does', async () => {
    const scanned = report(await get(`/api/conversions/goals/report?${weekScan}`));
    assert.ok(scanned.goals.every((g: any) => g.conversions > 0 && g.conversions < scanned.sessions), JSON.stringify(scanned.goals));
    assert.ok(scanned.compare.goals.some((g: any) => g.conversions > 0));
    assert.equal(await kept(), 0);
    await resetStatements(stack);
    assert.deepEqual(report(await get(`/api/conversions/goals/report?${week}`)), scanned);
    // One statement per run of missing days: the period's and the comparison period's.
    assert.equal(await fills(), closed(6) ? 2 : 1);
    assert.equal(await kept(), (closed(6) + closed(13, 7)) * goalIds.length);
    await resetStatements(stack);
    assert.deepEqual(report(await get(`/api/conversions/goals/report?${week}`)), scanned);
    assert.equal(await fills(), 0);
  });

  it('answers every breakdown from the same kept days, as a scan does', async () => {
    await resetStatements(stack);
    for (const dims of [DIMS.slice(0, 4), DIMS.slice(4, 8), DIMS.slice(8)]) {
      const path = (range: string) => `/api/conversions/goals/breakdown?${range}&dims=${dims.join(',')}&limit=250`;
      const cached = await get(path(`from=${day(6)}&to=${day(0)}&site_id=${site}`));
      const scanned = await get(path(`from=${day(6)}&to=${justBefore(0)}&site_id=${site}`));
      for (const dim of dims) {
        assert.ok(scanned.dims[dim].length > 1 && scanned.dims[dim].some((r: any) => r.goals.some((g: any) => g.conversions > 0)), dim);
        assert.deepEqual(cached.dims[dim], scanned.dims[dim], dim);
      }
    }
    assert.equal(await fills(), 0);
    const perValue = await stack.db.query(`SELECT count(*)::int AS n, min(conversions) AS least FROM goal_days WHERE site_id = $1 AND dim <> ''`, [site]);
    assert.ok(perValue.rows[0].n > 0 && perValue.rows[0].least > 0, JSON.stringify(perValue.rows[0]));
  });

  it('keeps scanning filtered reads and reads with bots, keeping nothing', async () => {
    const before = await kept();
    await resetStatements(stack);
    for (const extra of ['&country=DE', '&include_bots=1']) {
      const cachedRange = `from=${day(6)}&to=${day(0)}&site_id=${site}${extra}`;
      const scanRange = `from=${day(6)}&to=${justBefore(0)}&site_id=${site}${extra}`;
      assert.deepEqual(report(await get(`/api/conversions/goals/report?${cachedRange}`)), report(await get(`/api/conversions/goals/report?${scanRange}`)));
      assert.deepEqual((await get(`/api/conversions/goals/breakdown?${cachedRange}&dim=referrer`)).rows, (await get(`/api/conversions/goals/breakdown?${scanRange}&dim=referrer`)).rows);
    }
    assert.equal(await fills(), 0);
    assert.equal(await kept(), before);
  });

  it('answers from the kept days, and forgets them when a goal changes, goes, or a day’s sessions are cleared', async () => {
    await get(`/api/conversions/goals/report?${week}`);
    // A kept number that differs from the sessions shows whether the answer came from the kept days.
    await stack.db.query(`UPDATE goal_days SET conversions = conversions + 1000 WHERE goal_id = $1 AND dim = ''`, [goalIds[0]]);
    const scanned = report(await get(`/api/conversions/goals/report?${weekScan}`));
    const read = report(await get(`/api/conversions/goals/report?${week}`));
    assert.equal(read.goals[0].conversions, scanned.goals[0].conversions + 1000 * closed(6));
    assert.deepEqual(read.goals.slice(1), scanned.goals.slice(1));

    const patched = await change('PATCH', `/api/conversions/goals/${goalIds[0]}`, { site_id: site, name: 'Pricing', kind: 'page', value: '/pricing' });
    assert.equal(patched.status, 200);
    assert.equal(await kept(`AND goal_id = '${goalIds[0]}'`), 0);
    const edited = report(await get(`/api/conversions/goals/report?${weekScan}`));
    assert.notDeepEqual(edited.goals[0], scanned.goals[0]);
    assert.deepEqual(report(await get(`/api/conversions/goals/report?${week}`)), edited);
    assert.equal(await kept(`AND goal_id = '${goalIds[0]}'`), closed(6) + closed(13, 7));
    const pricing = `/api/conversions/goals/breakdown?from=${day(6)}&to=${day(0)}&site_id=${site}&dim=entry_page&goal=${goalIds[0]}&limit=250`;
    assert.deepEqual((await get(pricing)).rows, (await get(pricing.replace(`to=${day(0)}`, `to=${justBefore(0)}`))).rows);

    // Clearing a session of a closed day drops that day's kept rows of every goal; the next read counts without it.
    const { rows } = await stack.db.query(
      `SELECT id, (started_at AT TIME ZONE 'UTC')::date::text AS day FROM sessions
       WHERE site_id = $1 AND path LIKE '%p/signup%' AND NOT is_bot AND started_at >= $2 AND started_at < $3 ORDER BY id LIMIT 1`,
      [site, `${day(6)}T00:00:00Z`, new Date(closedBefore(Date.now())).toISOString()],
    );
    assert.equal(rows.length, 1);
    const before = await kept();
    const cleared = await asUser(stack, admin, '/api/admin/storage/clear', { method: 'POST', body: { session_id: rows[0].id, confirm: rows[0].id } });
    assert.equal(cleared.status, 200, await cleared.text());
    assert.equal((await stack.db.query('SELECT count(*)::int AS n FROM goal_days WHERE site_id = $1 AND day = $2', [site, rows[0].day])).rows[0].n, 0);
    assert.equal(await kept(), before - goalIds.length);
    const after = report(await get(`/api/conversions/goals/report?${weekScan}`));
    assert.notDeepEqual(after, edited);
    assert.deepEqual(report(await get(`/api/conversions/goals/report?${week}`)), after);
    assert.equal(await kept(), before);
    const breakdown = `/api/conversions/goals/breakdown?from=${day(6)}&to=${day(0)}&site_id=${site}&dims=exit_page,country&limit=250`;
    assert.deepEqual((await get(breakdown)).dims, (await get(breakdown.replace(`to=${day(0)}`, `to=${justBefore(0)}`))).dims);

    // A deleted goal's rows go with it.
    assert.equal((await change('DELETE', `/api/conversions/goals/${goalIds[0]}?site_id=${site}`)).status, 204);
    assert.equal(await kept(`AND goal_id = '${goalIds[0]}'`), 0);
    goalIds.shift();
  });

  it('fills more than a week of closed days, a week per statement, and counts today’s visits as they arrive', async () => {
    const created = await change('POST', '/api/conversions/goals', { site_id: site, name: 'Blog', kind: 'page', value: '/blog' });
    assert.equal(created.status, 201);
    goalIds.push(created.body.goal.id);
    const long = `from=${day(16)}&to=${day(0)}&site_id=${site}`;
    const longScan = `from=${day(16)}&to=${justBefore(0)}&site_id=${site}`;
    await resetStatements(stack);
    const saved = report(await get(`/api/conversions/goals/report?${long}`));
    // Days 16..0: the new goal misses every closed one, the others the days before the week they kept.
    assert.equal(await fills(), Math.ceil(closed(16) / 7));
    assert.equal(await kept(`AND goal_id = '${created.body.goal.id}'`), closed(16));
    assert.equal(await kept(), closed(16) * goalIds.length);
    assert.deepEqual(saved, report(await get(`/api/conversions/goals/report?${longScan}`)));
    const breakdown = (range: string) => `/api/conversions/goals/breakdown?${range}&dims=entry_page,referrer,utm_campaign,device&limit=250`;
    assert.deepEqual((await get(breakdown(long))).dims, (await get(breakdown(longScan))).dims);

    // A visit today (an open day, scanned) to the new goal's page, through ingest.
    const s = await startSession(stack, site, { url: 'https://example.com/' });
    const t = Date.parse(s.session_started_at);
    assert.equal((await sendBatch(stack, s, 0, [pageView(t + 10, 'https://example.com/blog')])).status, 202);
    const now = report(await get(`/api/conversions/goals/report?${long}`));
    assert.equal(now.goals[goalIds.length - 1].conversions, saved.goals[goalIds.length - 1].conversions + 1);
    assert.deepEqual(now, report(await get(`/api/conversions/goals/report?${longScan}`)));
    assert.deepEqual((await get(breakdown(long))).dims, (await get(breakdown(longScan))).dims);
  });

  it('answers the report and a breakdown asked at once while one of them fills the days', async () => {
    const created = await change('POST', '/api/conversions/goals', { site_id: site, name: 'Pricing', kind: 'page', value: '/pricing' });
    assert.equal(created.status, 201);
    goalIds.push(created.body.goal.id);
    const range = `from=${day(16)}&to=${day(0)}&site_id=${site}`;
    const scan = `from=${day(16)}&to=${justBefore(0)}&site_id=${site}`;
    const [a, b] = await Promise.all([get(`/api/conversions/goals/report?${range}`), get(`/api/conversions/goals/breakdown?${range}&dim=country&limit=250`)]);
    assert.deepEqual(report(a), report(await get(`/api/conversions/goals/report?${scan}`)));
    assert.deepEqual(b.rows, (await get(`/api/conversions/goals/breakdown?${scan}&dim=country&limit=250`)).rows);
    assert.equal(await kept(`AND goal_id = '${created.body.goal.id}'`), closed(16));
  });
  it('answers conversions per page viewed from kept days as a scan does, and forgets a day whose session is cleared', async () => {
    // The pages list ranks pages by views (page_daily); these sessions were written straight into Postgres.
    await stack.db.query(
      `INSERT INTO page_daily (site_id, day, path, page_views)
       SELECT site_id, (started_at AT TIME ZONE 'UTC')::date, page, count(*)::int FROM sessions, unnest(pages) page
       WHERE site_id = $1 AND NOT is_bot GROUP BY 1, 2, 3 ON CONFLICT DO NOTHING`,
      [site],
    );
    const pages = (range: string) => `/api/conversions/goals/breakdown?${range}&dim=page&limit=250`;
    const long = `from=${day(16)}&to=${day(0)}&site_id=${site}`;
    const longScan = `from=${day(16)}&to=${justBefore(0)}&site_id=${site}`;
    const scanned = (await get(pages(longScan))).rows;
    assert.ok(scanned.length > 3 && scanned.every((r: any) => r.sessions > 0), JSON.stringify(scanned));
    assert.ok(scanned.some((r: any) => r.goals.some((g: any) => g.conversions > 0)));
    const pageFills = async () =>
      (await workerStatements(stack)).byQuery.filter((r) => /INSERT INTO (page_session_days|goal_days)/.test(r.query)).reduce((n, r) => n + r.calls, 0);
    const keptPages = async () =>
      (await stack.db.query(`SELECT count(*)::int AS n FROM page_session_days WHERE site_id = $1 AND page = ''`, [site])).rows[0].n as number;
    await resetStatements(stack);
    assert.deepEqual((await get(pages(long))).rows, scanned);
    assert.equal(await keptPages(), closed(16));
    assert.equal(
      (await stack.db.query(`SELECT count(*)::int AS n FROM goal_days WHERE site_id = $1 AND dim = 'page' AND value = ''`, [site])).rows[0].n,
      closed(16) * goalIds.length,
    );
    assert.ok((await pageFills()) > 0);
    await resetStatements(stack);
    assert.deepEqual((await get(pages(long))).rows, scanned);
    assert.equal(await pageFills(), 0, 'the second read keeps nothing new');
    // Filtered reads and reads with bots scan and keep nothing.
    for (const extra of ['&country=DE', '&include_bots=1']) {
      assert.deepEqual((await get(pages(long + extra))).rows, (await get(pages(longScan + extra))).rows, extra);
    }
    assert.equal(await pageFills(), 0);

    // A kept number that differs from the sessions shows the answer comes from the kept days...
    const { rows: [victim] } = await stack.db.query(
      `SELECT id, (started_at AT TIME ZONE 'UTC')::date::text AS day, pages[1] AS page FROM sessions
       WHERE site_id = $1 AND NOT is_bot AND started_at >= $2 AND started_at < $3 AND cardinality(pages) > 0 ORDER BY id LIMIT 1`,
      [site, `${day(16)}T00:00:00Z`, new Date(closedBefore(Date.now())).toISOString()],
    );
    await stack.db.query(`UPDATE page_session_days SET sessions = sessions + 1000 WHERE site_id = $1 AND day = $2 AND page = $3`, [site, victim.day, victim.page]);
    const tampered = (await get(pages(long))).rows.find((r: any) => r.value === victim.page);
    assert.equal(tampered.sessions, scanned.find((r: any) => r.value === victim.page).sessions + 1000);
    // ...and clearing a session of that day drops the day, so the next read counts without it.
    const cleared = await asUser(stack, admin, '/api/admin/storage/clear', { method: 'POST', body: { session_id: victim.id, confirm: victim.id } });
    assert.equal(cleared.status, 200, await cleared.text());
    assert.equal((await stack.db.query('SELECT count(*)::int AS n FROM page_session_days WHERE site_id = $1 AND day = $2', [site, victim.day])).rows[0].n, 0);
    const after = (await get(pages(longScan))).rows;
    assert.equal(after.find((r: any) => r.value === victim.page).sessions, scanned.find((r: any) => r.value === victim.page).sessions - 1);
    assert.deepEqual((await get(pages(long))).rows, after);
  });
});
