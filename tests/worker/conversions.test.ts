// Conversion analytics on real Postgres: session paths kept by the batch's one
// statement, goals, funnels, journeys, custom-event properties and bots, each
// checked against hand-built sessions whose answers are known.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resetStatements, seedSite, startStack, workerStatements, type Stack } from './harness/stack.ts';
import { sendBatch, startSession } from './harness/session.ts';
import { custom, pageView, type Event, type StartedSession } from './harness/factories.ts';
import { asToken, asUser, logIn, makeAdmin, type Login } from './harness/accounts.ts';
import { closedBefore } from '../../js-shim/src/lib/params.ts';

const HEADLESS = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0 Safari/537.36';
const page = (ts: number, path: string): Event => pageView(ts, `https://example.com${path}`);

describe('conversion analytics', () => {
  let stack: Stack;
  let token: string;
  let admin: Login;
  const siteId = 'site_conv';

  before(async () => {
    stack = await startStack();
    ({ token } = await seedSite(stack, siteId));
    const a = await makeAdmin(stack, 'conv-admin@example.com', 'conv-admin-password');
    admin = await logIn(stack, a.email, a.password);
  });
  after(() => stack?.close());

  const api = async (path: string) => {
    const res = await asToken(stack, token, path);
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const change = async (method: string, path: string, body?: unknown) => {
    const res = await asUser(stack, admin, path, { method, body });
    return { status: res.status, body: res.status === 204 ? {} : ((await res.json()) as Record<string, any>) };
  };
  const today = () => new Date().toISOString().slice(0, 10);
  const range = () => `site_id=${siteId}&from=${today()}&to=${today()}`;

  /** A visit: its batches in the order given, each [seq, events at ms offsets from the start]. */
  async function visit(batches: [number, [number, string | { event: string; props?: object }][]][], headers: Record<string, string> = {}, start: object = {}) {
    const s = await startSession(stack, siteId, { url: 'https://example.com/', ...start }, headers);
    const t = Date.parse(s.session_started_at);
    for (const [seq, steps] of batches) {
      const events = steps.map(([dt, step]) => (typeof step === 'string' ? page(t + dt, step) : custom(t + dt, step.event, step.props ?? {})));
      const res = await sendBatch(stack, s, seq, events);
      assert.equal(res.status, 202, await res.clone().text());
    }
    return s;
  }
  const pathOf = async (s: StartedSession) => (await api(`/api/sessions/${s.session_id}`)).body.session;

  it('keeps a visit’s steps in time order with repeats collapsed, whatever order its batches arrive in', async () => {
    const s = await visit([
      [1, [[4000, '/cart'], [5000, '/cart'], [6000, { event: 'purchase', props: { plan: 'pro' } }]]],
      [0, [[0, '/'], [1000, '/'], [2000, '/pricing'], [3000, '/pricing']]],
    ]);
    const row = await pathOf(s);
    assert.deepEqual(row.path.map((p: any) => [p.t, p.kind, p.value]), [
      [0, 'page', '/'],
      [2000, 'page', '/pricing'],
      [4000, 'page', '/cart'],
      [6000, 'event', 'purchase'],
    ]);
    assert.deepEqual(row.path[3].props, { plan: 'pro' });
    assert.equal(row.path_cap, 32);
    assert.equal(row.path_dropped, 0);
  });

  it('keeps the first 32 steps of a long visit and counts the rest, in one write and no read per batch', async () => {
    const s = await startSession(stack, siteId);
    const t = Date.parse(s.session_started_at);
    await resetStatements(stack);
    const pages = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => page(t + (from + k) * 10, `/long/${from + k}`));
    assert.equal((await sendBatch(stack, s, 0, pages(0, 20))).status, 202);
    assert.equal((await sendBatch(stack, s, 1, pages(20, 40))).status, 202);
    const stats = await workerStatements(stack);
    assert.equal(stats.reads, 0);
    assert.equal(stats.writes, 2);
    const row = await pathOf(s);
    assert.equal(row.path.length, 32);
    assert.equal(row.path.at(-1).value, '/long/31');
    assert.equal(row.path_dropped, 8);
  });

  describe('goals, funnels and journeys over known visits', () => {
    // A separate site, so only these visits count.
    const site = 'site_funnel';
    let siteToken: string;
    let ids: Record<string, StartedSession> = {};
    const get = async (path: string) => {
      const res = await asToken(stack, siteToken, path);
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    const q = () => `site_id=${site}&from=${today()}&to=${today()}`;

    before(async () => {
      ({ token: siteToken } = await seedSite(stack, site));
      const v = async (name: string, steps: [number, string | { event: string; props?: object }][], headers: Record<string, string> = {}, start: object = {}) => {
        const s = await startSession(stack, site, { url: `https://example.com${typeof steps[0][1] === 'string' ? steps[0][1] : '/'}`, ...start }, headers);
        const t = Date.parse(s.session_started_at);
        const events = steps.map(([dt, step]) => (typeof step === 'string' ? page(t + dt, step) : custom(t + dt, step.event, step.props ?? {})));
        assert.equal((await sendBatch(stack, s, 0, events)).status, 202);
        ids[name] = s;
      };
      // a: the whole funnel; b: /signup before /pricing; c: never on /;
      // d: the funnel with other pages between its steps, /signup 30 s in.
      await v('a', [[0, '/'], [1000, '/pricing'], [3000, '/signup'], [4000, { event: 'purchase', props: { plan: 'pro' } }]]);
      await v('b', [[0, '/'], [2000, '/signup'], [5000, '/pricing']]);
      await v('c', [[0, '/pricing'], [1000, '/signup']], {}, { referrer: 'https://search.example/' });
      await v('d', [[0, '/'], [1000, '/blog/one'], [3000, '/pricing'], [4000, '/blog/two'], [30_000, '/signup'], [31_000, { event: 'purchase', props: { plan: 'free' } }]]);
      // A bot (headless Chromium's own user agent) that walks the whole funnel.
      await v('bot', [[0, '/'], [1000, '/pricing'], [2000, '/signup'], [3000, { event: 'purchase', props: { plan: 'pro' } }]], { 'user-agent': HEADLESS });
      // Automation that reports navigator.webdriver with a regular user agent.
      await v('driven', [[0, '/'], [1000, '/pricing']], {}, { webdriver: true });
    });

    const funnelSteps = [
      { kind: 'page', value: '/' },
      { kind: 'page', value: '/pricing' },
      { kind: 'page', value: '/signup' },
      { kind: 'event', value: 'purchase' },
    ];

    it('answers the goal report and breakdowns of a site that has no goals yet: its sessions, no goals', async () => {
      const report = await get(`/api/conversions/goals/report?${q()}`);
      assert.equal(report.status, 200, JSON.stringify(report.body));
      assert.equal(report.body.sessions, 4);
      assert.deepEqual(report.body.goals, []);
      const breakdown = await get(`/api/conversions/goals/breakdown?${q()}&dim=entry_page`);
      assert.equal(breakdown.status, 200, JSON.stringify(breakdown.body));
      assert.ok(breakdown.body.rows.length > 0);
    });

    it('counts goals for visits made before the goal existed: exact, prefix and wildcard pages, events and properties', async () => {
      const goals = [
        { name: 'Pricing', kind: 'page', match: 'exact', value: '/pricing' },
        { name: 'Blog', kind: 'page', match: 'prefix', value: '/blog/' },
        { name: 'Any sign', kind: 'page', match: 'wildcard', value: '/sign*' },
        { name: 'Purchase', kind: 'event', value: 'purchase' },
        { name: 'Pro purchase', kind: 'event', value: 'purchase', prop_key: 'plan', prop_value: 'pro' },
        { name: 'Nobody', kind: 'page', value: '/pricing/' },
      ];
      for (const g of goals) assert.equal((await change('POST', '/api/conversions/goals', { site_id: site, ...g })).status, 201);
      const { status, body } = await get(`/api/conversions/goals/report?${q()}`);
      assert.equal(status, 200);
      assert.equal(body.sessions, 4);
      assert.deepEqual(body.goals.map((g: any) => [g.name, g.conversions]), [
        ['Pricing', 4], ['Blog', 1], ['Any sign', 4], ['Purchase', 2], ['Pro purchase', 1], ['Nobody', 0],
      ]);
      assert.equal(body.goals[3].rate, 0.5);
      assert.equal(body.bots_excluded, 2);
      assert.equal(body.path_cap, 32);
    });

    it('answers goals per breakdown value, with the bots left out unless asked for', async () => {
      const { body } = await get(`/api/conversions/goals/breakdown?${q()}&dim=entry_page`);
      const byEntry = Object.fromEntries(body.rows.map((r: any) => [r.value, [r.sessions, r.goals.find((g: any) => g.name === 'Purchase').conversions]]));
      assert.deepEqual(byEntry, { '/': [3, 2], '/pricing': [1, 0] });
      const withBots = await get(`/api/conversions/goals/breakdown?${q()}&dim=entry_page&include_bots=1`);
      assert.deepEqual(withBots.body.rows.find((r: any) => r.value === '/').sessions, 5);
      const referrers = await get(`/api/conversions/goals/breakdown?${q()}&dim=referrer`);
      assert.ok(referrers.body.rows.some((r: any) => r.value === 'search.example' && r.sessions === 1));
      assert.equal((await get(`/api/conversions/goals/breakdown?${q()}&dim=nope`)).status, 400);
    });

    it('counts funnel steps in order but not necessarily adjacent, with conversion and median time per step', async () => {
      const created = await change('POST', '/api/conversions/funnels', { site_id: site, name: 'Checkout', steps: funnelSteps });
      assert.equal(created.status, 201);
      const id = created.body.funnel.id;
      const { status, body } = await get(`/api/conversions/funnels/report?funnel=${id}&${q()}`);
      assert.equal(status, 200);
      // a, b, d start on /; b reaches /pricing only after /signup, so it stops at step 2.
      assert.deepEqual(body.steps.map((s: any) => s.sessions), [3, 3, 2, 2]);
      assert.deepEqual(body.steps.map((s: any) => s.dropped), [0, 0, 1, 0]);
      assert.equal(body.steps[2].conversion_from_previous, 2 / 3);
      assert.equal(body.steps[3].conversion_from_first, 2 / 3);
      // / → /pricing: a 1 s, b 5 s, d 3 s; /pricing → /signup: a 2 s, d 27 s.
      assert.equal(body.steps[1].median_ms_from_previous, 3000);
      assert.equal(body.steps[2].median_ms_from_previous, 14_500);
      assert.equal(body.steps[0].median_ms_from_previous, null);
      assert.equal(body.bots_excluded, 2);

      const bots = await get(`/api/conversions/funnels/report?funnel=${id}&${q()}&include_bots=1`);
      assert.deepEqual(bots.body.steps.map((s: any) => s.sessions), [5, 5, 3, 3]);
      assert.equal(bots.body.bots_excluded, 0);
    });

    it('drops the steps a visit reached after the funnel’s time window', async () => {
      const steps = encodeURIComponent(JSON.stringify(funnelSteps));
      const { body } = await get(`/api/conversions/funnels/report?${q()}&steps=${steps}&window_ms=10000`);
      assert.deepEqual(body.steps.map((s: any) => s.sessions), [3, 3, 1, 1]);
      assert.equal(body.window_ms, 10000);
    });

    it('lists the sessions that left at a step, each linked to its replay', async () => {
      const [funnel] = (await get(`/api/conversions/funnels?site_id=${site}`)).body.funnels;
      const { status, body } = await get(`/api/conversions/funnels/dropoff?funnel=${funnel.id}&${q()}&step=3`);
      assert.equal(status, 200);
      assert.deepEqual(body.sessions.map((s: any) => s.id), [ids.b.session_id]);
      assert.equal(body.sessions[0].replay_url, `/app/sessions/${ids.b.session_id}`);
      assert.deepEqual(body.sessions[0].path.map((p: any) => p.value), ['/', '/signup', '/pricing']);
      assert.equal((await get(`/api/conversions/funnels/dropoff?funnel=${funnel.id}&${q()}&step=1`)).status, 400);
    });

    it('compares a funnel with the period before', async () => {
      const [funnel] = (await get(`/api/conversions/funnels?site_id=${site}`)).body.funnels;
      const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
      const { body } = await get(`/api/conversions/funnels/report?funnel=${funnel.id}&${q()}&compare_from=${yesterday}&compare_to=${yesterday}`);
      assert.deepEqual(body.compare.steps.map((s: any) => s.sessions), [0, 0, 0, 0]);
      assert.deepEqual(body.steps.map((s: any) => s.sessions), [3, 3, 2, 2]);
    });

    it('refuses funnels of fewer than 2 or more than 8 steps, and changes from readers', async () => {
      assert.equal((await change('POST', '/api/conversions/funnels', { site_id: site, steps: funnelSteps.slice(0, 1) })).status, 400);
      const nine = Array.from({ length: 9 }, (_, k) => ({ kind: 'page', value: `/${k}` }));
      assert.equal((await change('POST', '/api/conversions/funnels', { site_id: site, steps: nine })).status, 400);
      const res = await asToken(stack, siteToken, '/api/conversions/funnels', { method: 'POST', body: { site_id: site, steps: funnelSteps } });
      assert.ok(res.status === 401 || res.status === 403, `status ${res.status}`);
    });

    it('draws the top journeys from an entry page and to an exit page, events left out', async () => {
      const { status, body } = await get(`/api/conversions/journeys?${q()}&entry=/&depth=3`);
      assert.equal(status, 200);
      assert.equal(body.sessions, 3);
      assert.deepEqual(body.paths.map((p: any) => [p.steps.join(' '), p.sessions]), [
        ['/ /blog/one /pricing', 1],
        ['/ /pricing /signup', 1],
        ['/ /signup /pricing', 1],
      ]);
      const exits = await get(`/api/conversions/journeys?${q()}&exit=/signup&depth=3`);
      assert.deepEqual(exits.body.paths.map((p: any) => [p.steps.join(' '), p.sessions]), [
        ['/ /pricing /signup', 1],
        ['/pricing /blog/two /signup', 1],
        ['/pricing /signup', 1],
      ]);
      assert.equal((await get(`/api/conversions/journeys?${q()}&depth=6`)).status, 400);
    });

    it('keeps bots out of the rollup totals too, and counts them back in with include_bots', async () => {
      const plain = await get(`/api/analytics/totals?${q()}`);
      const withBots = await get(`/api/analytics/totals?${q()}&include_bots=1`);
      const sessions = (b: any) => b.overview.sessions;
      assert.equal(sessions(plain.body), 4);
      assert.equal(sessions(withBots.body), 6);
      const bots = await stack.db.query(`SELECT sum(sessions)::int AS n FROM rollup_daily WHERE site_id = $1 AND dim = 'bot:total'`, [site]);
      assert.equal(bots.rows[0].n, 2);
    });
  });

  describe('one goal per breakdown value, and per page viewed', () => {
    // Its own site: v1 comes back to / before it buys, v3 buys from /blog, v4 only looks.
    const site = 'site_goal_cols';
    let siteToken: string;
    const goalIds: Record<string, string> = {};
    const get = async (path: string) => {
      const res = await asToken(stack, siteToken, path);
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    const q = (extra = '') => `/api/conversions/goals/breakdown?site_id=${site}&from=${today()}&to=${today()}${extra}`;
    /** [value, sessions, conversions, rate] per row of one goal's breakdown. */
    const table = (rows: any[]) => rows.map((r) => [r.value, r.sessions, r.goals[0].conversions, r.goals[0].rate]);

    before(async () => {
      ({ token: siteToken } = await seedSite(stack, site));
      const v = async (url: string, referrer: string, steps: [number, string | { event: string }][], headers: Record<string, string> = {}) => {
        const s = await startSession(stack, site, { url: `https://example.com${url}`, referrer }, headers);
        const t = Date.parse(s.session_started_at);
        const events = steps.map(([dt, step]) => (typeof step === 'string' ? page(t + dt, step) : custom(t + dt, step.event, {})));
        assert.equal((await sendBatch(stack, s, 0, events)).status, 202);
      };
      await v('/?utm_source=mail', 'https://google.com/', [[0, '/'], [1000, '/pricing'], [2000, '/'], [3000, { event: 'purchase' }]]);
      await v('/', 'https://google.com/', [[0, '/'], [1000, '/pricing']]);
      await v('/blog?utm_source=mail', 'https://news.example.org/', [[0, '/blog'], [1000, { event: 'purchase' }]]);
      await v('/', 'https://other.example/', [[0, '/']]);
      await v('/', 'https://google.com/', [[0, '/'], [500, '/blog'], [1000, { event: 'purchase' }]], { 'user-agent': HEADLESS });
      for (const g of [{ name: 'Purchase', kind: 'event', value: 'purchase' }, { name: 'Pricing', kind: 'page', value: '/pricing' }]) {
        const res = await change('POST', '/api/conversions/goals', { site_id: site, ...g });
        assert.equal(res.status, 201);
        goalIds[g.name] = res.body.goal.id;
      }
    });

    it('answers one goal’s conversions and rate per referrer, with the site’s goals to choose from', async () => {
      const { status, body } = await get(q(`&dim=referrer&goal=${goalIds.Purchase}`));
      assert.equal(status, 200, JSON.stringify(body));
      assert.deepEqual(body.goal, { id: goalIds.Purchase, name: 'Purchase' });
      assert.deepEqual(body.site_goals.map((g: any) => g.name), ['Purchase', 'Pricing']);
      assert.deepEqual(table(body.rows), [['google.com', 2, 1, 0.5], ['news.example.org', 1, 1, 1], ['other.example', 1, 0, 0]]);
      assert.ok(body.rows.every((r: any) => r.goals.length === 1));
    });

    it('counts the sessions that viewed each top page and converted, once per session however often it came back', async () => {
      const { status, body } = await get(q(`&dim=page&goal=${goalIds.Purchase}`));
      assert.equal(status, 200, JSON.stringify(body));
      // Pages in page-view order (/ has 4 views from 3 sessions); the bot's visit counts nowhere.
      assert.deepEqual(table(body.rows), [['/', 3, 1, 1 / 3], ['/pricing', 2, 1, 0.5], ['/blog', 1, 1, 1]]);
      const pricing = await get(q(`&dim=page&goal=${goalIds.Pricing}`));
      assert.deepEqual(table(pricing.body.rows), [['/', 3, 2, 2 / 3], ['/pricing', 2, 2, 1], ['/blog', 1, 0, 0]]);
      // Under a filter the sessions are narrowed (the pages stay the page-view list).
      const google = await get(q(`&dim=page&goal=${goalIds.Purchase}&source=google.com`));
      assert.deepEqual(table(google.body.rows), [['/', 2, 1, 0.5], ['/pricing', 2, 1, 0.5], ['/blog', 0, 0, 0]]);
      const bots = await get(q(`&dim=page&goal=${goalIds.Purchase}&include_bots=1`));
      assert.deepEqual(table(bots.body.rows).slice(0, 1), [['/', 4, 2, 0.5]]);
    });

    it('answers several breakdowns in one request', async () => {
      const { status, body } = await get(q(`&dims=page,utm_source,entry_page&goal=${goalIds.Purchase}`));
      assert.equal(status, 200, JSON.stringify(body));
      assert.deepEqual(Object.keys(body.dims), ['page', 'utm_source', 'entry_page']);
      assert.deepEqual(table(body.dims.utm_source), [['mail', 2, 2, 1]]);
      assert.deepEqual(table(body.dims.entry_page), [['/', 3, 1, 1 / 3], ['/blog', 1, 1, 1]]);
      assert.equal(body.dims.page.length, 3);
      // Without goal=: every goal, in the order they were made.
      const all = await get(q('&dims=referrer'));
      assert.equal(all.body.goal, null);
      assert.deepEqual(all.body.dims.referrer[0].goals.map((g: any) => [g.name, g.conversions]), [['Purchase', 1], ['Pricing', 2]]);
    });

    it('refuses a malformed goal id (400), an unknown one or another site’s (404), and unknown or repeated breakdowns', async () => {
      const malformed = await get(q('&dim=page&goal=no%20such'));
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.error.code, 'bad_request');
      assert.match(malformed.body.error.message, /goal/);
      const unknown = await get(q('&dim=page&goal=AAAAAAAAAAAA'));
      assert.equal(unknown.status, 404);
      assert.deepEqual(unknown.body, { error: { code: 'not_found', message: 'No such goal.' } });
      const elsewhere = await change('POST', '/api/conversions/goals', { site_id: siteId, name: 'Elsewhere', kind: 'page', value: '/' });
      assert.equal((await get(q(`&dim=page&goal=${elsewhere.body.goal.id}`))).status, 404);
      for (const bad of ['&dims=page,nope', '&dims=page,page', '&dims=', '&dim=page&dims=page', '&dims=page,referrer,utm_source,country,os', '&dim=page&limit=251']) {
        const res = await get(q(bad));
        assert.equal(res.status, 400, bad);
        assert.equal(res.body.error.code, 'bad_request', bad);
      }
    });
  });

  it('counts a person as a visitor when a bot on the same address and browser came first that day', async () => {
    const site = 'site_bot_first';
    const { token: siteToken } = await seedSite(stack, site);
    const overview = async (extra = '') =>
      (await (await asToken(stack, siteToken, `/api/analytics/overview?site_id=${site}&from=${today()}&to=${today()}${extra}`)).json()) as Record<string, number>;
    // The same IP and User-Agent: first an automated browser (navigator.webdriver), then a person.
    const same = { 'cf-connecting-ip': '203.0.113.7' };
    await startSession(stack, site, { url: 'https://example.com/', webdriver: true }, same);
    await startSession(stack, site, { url: 'https://example.com/' }, same);
    const people = await overview();
    assert.equal(people.sessions, 1);
    assert.equal(people.visitors, 1, 'the person is a visitor of the day');
    const all = await overview('&include_bots=1');
    assert.equal(all.sessions, 2);
    assert.equal(all.visitors, 2, 'a bot and a person are two visitors');
  });

  it('rolls custom-event properties up per day, event, key and value, past 100 values as (other)', async () => {
    const s = await startSession(stack, siteId);
    const t = Date.parse(s.session_started_at);
    const events = Array.from({ length: 105 }, (_, k) => custom(t + k, 'search', { term: `q${String(k).padStart(3, '0')}`, lang: 'en' }));
    await resetStatements(stack);
    assert.equal((await sendBatch(stack, s, 0, events.slice(0, 60))).status, 202);
    assert.equal((await sendBatch(stack, s, 1, events.slice(60))).status, 202);
    assert.equal((await workerStatements(stack)).reads, 0);
    const { body } = await api(`/api/conversions/properties?${range()}&event=search&limit=500`);
    const terms = body.properties.filter((p: any) => p.key === 'term');
    assert.equal(terms.length, 101);
    assert.deepEqual(terms.find((p: any) => p.value === '(other)'), { event: 'search', key: 'term', value: '(other)', events: 5 });
    assert.deepEqual(body.properties.find((p: any) => p.key === 'lang'), { event: 'search', key: 'lang', value: 'en', events: 105 });
  });

  it('keeps each visit’s pages for journeys: events left out, a run of the same page once, in the same write', async () => {
    await resetStatements(stack);
    const s = await visit([
      [0, [[0, '/j/start'], [1000, { event: 'signup' }], [2000, '/j/start'], [3000, '/j/start/deep'], [4000, '/j/next']]],
      [1, [[5000, { event: 'x', props: { k: 'v' } }], [6000, '/j/next'], [7000, '/j/start']]],
    ], {}, { url: 'https://example.com/j/start' });
    const stats = await workerStatements(stack);
    assert.equal(stats.reads, 0);
    const { rows } = await stack.db.query('SELECT pages FROM sessions WHERE id = $1', [s.session_id]);
    assert.deepEqual(rows[0].pages, ['/j/start', '/j/start/deep', '/j/next', '/j/start']);
    const { body } = await api(`/api/conversions/journeys?${range()}&entry=/j/start&depth=3`);
    assert.deepEqual(body.paths, [{ steps: ['/j/start', '/j/start/deep', '/j/next'], sessions: 1 }]);
    const exits = await api(`/api/conversions/journeys?${range()}&exit=/j/start&depth=5`);
    assert.deepEqual(exits.body.paths.map((p: any) => p.steps), [['/j/start', '/j/start/deep', '/j/next', '/j/start']]);
  });

  it('derives pages from any path as the journeys’ collapse always did', async () => {
    // Paths as the batch statement keeps them (no equal steps side by side), from a small alphabet so pages repeat.
    const names = ['/a', '/a/a', '/b', '/', '/a b'];
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const paths: string[] = [];
    for (let k = 0; k < 300; k++) {
      const steps: string[] = [];
      for (let i = 0, n = rand(12); i < n; i++) {
        const step = rand(3) === 0 ? `e${['buy', 'x'][rand(2)]}${rand(2) ? '\x1dplan\x1epro' : ''}` : `p${names[rand(names.length)]}`;
        if (steps[steps.length - 1] !== step) steps.push(step);
      }
      paths.push(steps.length ? `\x1f${steps.map((x, i) => `${x}\x1c${String(i * 1000).padStart(8, '0')}`).join('\x1f')}\x1f` : '');
    }
    const { rows } = await stack.db.query('SELECT path_pages(p) AS pages FROM unnest($1::text[]) WITH ORDINALITY u(p, n) ORDER BY n', [paths]);
    paths.forEach((path, k) => {
      const pages = path.split('\x1f').filter((x) => x.startsWith('p')).map((x) => x.slice(1).split('\x1c')[0]);
      const collapsed = pages.filter((p, i) => i === 0 || p !== pages[i - 1]);
      assert.deepEqual(rows[k].pages, collapsed, JSON.stringify(path));
    });
  });

  describe('a saved funnel over closed days', () => {
    const site = 'site_days';
    let siteToken: string;
    const day = (back: number) => new Date(Date.now() - back * 86_400_000).toISOString().slice(0, 10);
    const get = async (path: string) => {
      const res = await asToken(stack, siteToken, path);
      assert.equal(res.status, 200, path);
      return (await res.json()) as Record<string, any>;
    };
    const steps = [
      { kind: 'page', value: '/' },
      { kind: 'page', match: 'prefix', value: '/plan' },
      { kind: 'page', value: '/signup' },
      { kind: 'event', value: 'buy' },
    ];
    const q = (extra = '') => `from=${day(6)}&to=${day(0)}&site_id=${site}${extra}`;
    const numbers = (body: Record<string, any>) => ({ sessions: body.sessions, steps: body.steps, bots_excluded: body.bots_excluded });
    const kept = async (funnelId: string) =>
      (await stack.db.query('SELECT count(*)::int AS n FROM funnel_days WHERE funnel_id = $1', [funnelId])).rows[0].n as number;
    let funnelId: string;
    const closedDays = () => Math.min(6, (closedBefore(Date.now()) - Date.parse(`${day(6)}T00:00:00Z`)) / 86_400_000);

    before(async () => {
      ({ token: siteToken } = await seedSite(stack, site));
      // Visits over six days (five of them closed) and today, with step times that differ from day to day.
      let seed = 11;
      const rand = (n: number) => Math.floor(((seed = (seed * 48271) % 2147483647) / 2147483647) * n);
      const pages = ['/', '/plans', '/plan/pro', '/signup', '/blog', '/'];
      for (let k = 0; k < 90; k++) {
        const back = k % 7;
        const started = new Date(Date.parse(`${day(back)}T00:00:00Z`) + rand(86_000) * 1000);
        const path: string[] = [];
        let t = 0;
        for (let i = 0, n = 1 + rand(9); i < n; i++) {
          const step = rand(5) === 0 ? `ebuy${rand(2) ? '\x1dplan\x1epro' : ''}` : `p${pages[rand(pages.length)]}`;
          if (path.length && path[path.length - 1].startsWith(step)) continue;
          t += 1 + rand(40_000);
          path.push(`${step}\x1c${String(t).padStart(8, '0')}`);
        }
        await stack.db.query(
          `INSERT INTO sessions (id, site_id, started_at, last_seen_at, entry_page, path, is_bot) VALUES ($1, $2, $3, $3, '/', $4, $5)`,
          [`days_session_${k}`, site, started, `\x1f${path.join('\x1f')}\x1f`, k % 13 === 0],
        );
      }
      const created = await change('POST', '/api/conversions/funnels', { site_id: site, name: 'Plans', steps });
      assert.equal(created.status, 201);
      funnelId = created.body.funnel.id;
    });

    it('counts wildcard and property goals as a reading of every path does', async () => {
      const goals = [
        { name: 'Plan pages', kind: 'page', match: 'wildcard', value: '/plan*' },
        { name: 'Pro pages', kind: 'page', match: 'wildcard', value: '/p*n/p*' },
        { name: 'Anything', kind: 'page', match: 'wildcard', value: '*' },
        { name: 'Pro buys', kind: 'event', value: 'buy', prop_key: 'plan', prop_value: 'pro' },
      ];
      const ids: string[] = [];
      for (const g of goals) {
        const res = await change('POST', '/api/conversions/goals', { site_id: site, ...g });
        assert.equal(res.status, 201);
        ids.push(res.body.goal.id);
      }
      const body = await get(`/api/conversions/goals/report?${q()}`);
      const { rows } = await stack.db.query(`SELECT path FROM sessions WHERE site_id = $1 AND NOT is_bot AND started_at < $2`, [site, `${day(-1)}T00:00:00Z`]);
      const stepsOf = (path: string) => path.split('\x1f').filter(Boolean).map((x) => x.split('\x1c')[0]);
      const expected = [
        (st: string[]) => st.some((x) => x.startsWith('p/plan')),
        (st: string[]) => st.some((x) => /^p\/p[^\x1c\x1f]*n\/p/.test(x)),
        (st: string[]) => st.some((x) => x.startsWith('p')),
        (st: string[]) => st.some((x) => x.startsWith('ebuy\x1d') && x.split('\x1d').includes('plan\x1epro')),
      ].map((f) => rows.filter((r) => f(stepsOf(r.path))).length);
      assert.ok(expected.every((n) => n > 0 && n < rows.length) || expected[2] === rows.length, JSON.stringify(expected));
      assert.deepEqual(body.goals.map((g: any) => g.conversions), expected);
      for (const id of ids) assert.equal((await change('DELETE', `/api/conversions/goals/${id}?site_id=${site}`)).status, 204);
    });

    it('keeps each closed day and answers as a scan of every session does, bots in or out', async () => {
      const scanned = await get(`/api/conversions/funnels/report?${q()}&steps=${encodeURIComponent(JSON.stringify(steps))}`);
      assert.ok(scanned.steps[2].sessions > 0 && scanned.steps[2].median_ms_from_previous > 0, JSON.stringify(scanned.steps));
      assert.equal(await kept(funnelId), 0);
      const first = await get(`/api/conversions/funnels/report?${q()}&funnel=${funnelId}`);
      assert.deepEqual(numbers(first), numbers(scanned));
      // Each closed day (five, but for the first minutes after midnight) keeps a row per step and one for its sessions; the rest is scanned.
      assert.equal(await kept(funnelId), closedDays() * 5);
      await stack.db.query('UPDATE funnel_days SET sessions = sessions WHERE funnel_id = $1', [funnelId]);
      const again = await get(`/api/conversions/funnels/report?${q()}&funnel=${funnelId}`);
      assert.deepEqual(numbers(again), numbers(scanned));
      const bots = await get(`/api/conversions/funnels/report?${q('&include_bots=1')}&funnel=${funnelId}`);
      const botsScanned = await get(`/api/conversions/funnels/report?${q('&include_bots=1')}&steps=${encodeURIComponent(JSON.stringify(steps))}`);
      assert.deepEqual(numbers(bots), numbers(botsScanned));
      assert.notDeepEqual(numbers(bots), numbers(scanned));
      // A range starting mid-day scans that day's part.
      const part = `from=${encodeURIComponent(`${day(5)}T12:00:00.000Z`)}&to=${day(1)}&site_id=${site}`;
      assert.deepEqual(numbers(await get(`/api/conversions/funnels/report?${part}&funnel=${funnelId}`)),
        numbers(await get(`/api/conversions/funnels/report?${part}&steps=${encodeURIComponent(JSON.stringify(steps))}`)));
    });

    it('answers from the days it kept, and forgets them when the funnel changes or a day’s sessions are cleared', async () => {
      await get(`/api/conversions/funnels/report?${q()}&funnel=${funnelId}`);
      // A kept number that differs from the sessions shows whether the answer came from the kept days.
      await stack.db.query(`UPDATE funnel_days SET sessions = sessions + 1000 WHERE funnel_id = $1 AND step = 1`, [funnelId]);
      const scanned = await get(`/api/conversions/funnels/report?${q()}&steps=${encodeURIComponent(JSON.stringify(steps))}`);
      const read = await get(`/api/conversions/funnels/report?${q()}&funnel=${funnelId}`);
      assert.equal(read.steps[0].sessions, scanned.steps[0].sessions + 5000);

      const patched = await change('PATCH', `/api/conversions/funnels/${funnelId}`, { site_id: site, name: 'Plans', steps, window_ms: 60_000 });
      assert.equal(patched.status, 200);
      assert.equal(await kept(funnelId), 0);
      const windowed = `&steps=${encodeURIComponent(JSON.stringify(steps))}&window_ms=60000`;
      assert.deepEqual(numbers(await get(`/api/conversions/funnels/report?${q()}&funnel=${funnelId}`)), numbers(await get(`/api/conversions/funnels/report?${q()}${windowed}`)));
      assert.equal(await kept(funnelId), closedDays() * 5);

      // Clearing a session of a closed day drops that day's kept rows; the next report counts without it.
      const { rows } = await stack.db.query(`SELECT id, (started_at AT TIME ZONE 'UTC')::date::text AS day FROM sessions WHERE site_id = $1 AND path LIKE $2 AND NOT is_bot AND started_at < $3 LIMIT 1`,
        [site, '%\x1fp/\x1c%', `${day(1)}T00:00:00Z`]);
      const cleared = await asUser(stack, admin, '/api/admin/storage/clear', { method: 'POST', body: { session_id: rows[0].id, confirm: rows[0].id } });
      assert.equal(cleared.status, 200, await cleared.text());
      const left = await stack.db.query('SELECT count(*)::int AS n FROM funnel_days WHERE funnel_id = $1 AND day = $2', [funnelId, rows[0].day]);
      assert.equal(left.rows[0].n, 0);
      assert.equal(await kept(funnelId), (closedDays() - 1) * 5);
      const after = numbers(await get(`/api/conversions/funnels/report?${q()}&funnel=${funnelId}`));
      assert.deepEqual(after, numbers(await get(`/api/conversions/funnels/report?${q()}${windowed}`)));
      assert.equal(await kept(funnelId), closedDays() * 5);
    });

    it('fills a range of more than a week of closed days, a week per statement, as a scan answers it', async () => {
      for (let back = 7; back <= 14; back++) {
        for (let k = 0; k < 3; k++) {
          const started = new Date(Date.parse(`${day(back)}T08:00:00Z`) + k * 3_600_000);
          const path = `\x1fp/\x1c00000000\x1fp/plans\x1c${String(1000 * (back + k)).padStart(8, '0')}\x1fp/signup\x1c${String(5000 * (back + 1) + k).padStart(8, '0')}\x1f`;
          await stack.db.query(`INSERT INTO sessions (id, site_id, started_at, last_seen_at, entry_page, path) VALUES ($1, $2, $3, $3, '/', $4)`,
            [`days_older_${back}_${k}`, site, started, path]);
        }
      }
      const long = `from=${day(14)}&to=${day(0)}&site_id=${site}`;
      await resetStatements(stack);
      const saved = await get(`/api/conversions/funnels/report?${long}&funnel=${funnelId}`);
      const fills = (await workerStatements(stack)).byQuery.filter((r) => r.query.startsWith('INSERT INTO funnel_days'));
      assert.equal(fills.reduce((n, r) => n + r.calls, 0), 2, JSON.stringify(fills));
      const closed = Math.min(14, (closedBefore(Date.now()) - Date.parse(`${day(14)}T00:00:00Z`)) / 86_400_000);
      assert.equal(await kept(funnelId), closed * 5);
      const scanned = await get(`/api/conversions/funnels/report?${long}&steps=${encodeURIComponent(JSON.stringify(steps))}&window_ms=60000`);
      assert.deepEqual(numbers(saved), numbers(scanned));
      assert.deepEqual(numbers(await get(`/api/conversions/funnels/report?${long}&funnel=${funnelId}`)), numbers(scanned));
    });
  });
});
