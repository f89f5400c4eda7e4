// Every route of the Worker, read from the Hono app itself (app.routes, with
// index.ts loaded in Node), is either on the public list below or refuses a caller without
// credentials with 401; admin routes refuse a logged-in non-admin with 403.
// Then every route against every kind of caller: owner, admin, viewer of the
// organisation, a member narrowed to another site, another organisation's
// admin, an API token of either organisation, a shared link. Every read of a
// site answers its organisation's callers and 404 to everyone else; every
// change refuses viewers, tokens and shared links. A new route fails this
// test until it is guarded or listed as public.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'node:module';
import { seedSite, startStack, type Stack } from './harness/stack.ts';
import { asToken, asUser, logIn, makeAdmin, ORIGIN, type Login } from './harness/accounts.ts';
import { sendBatch, startSession } from './harness/session.ts';
import { pageView } from './harness/factories.ts';

type Route = { method: string; path: string };

// index.ts imports core.wasm, as workerd's CompiledWasm rule hands it over: a hook compiles it in Node.
register('./harness/wasm-loader.mjs', import.meta.url);
const { app } = await import('../../js-shim/src/index.ts');

/** (method, full path) of every handler, as Hono routes them; middleware (`use`) is not a route. */
function routes(): Route[] {
  const seen = new Set<string>();
  const out: Route[] = [];
  for (const r of app.routes) {
    if (r.method === 'ALL') continue;
    const path = r.path.length > 1 ? r.path.replace(/\/$/, '') : r.path;
    const key = `${r.method} ${path}`;
    if (seen.has(key)) continue; // a handler after inline middleware is listed once per function
    seen.add(key);
    out.push({ method: r.method, path });
  }
  return out;
}

/** Open by design: ingest, the tracker, login, liveness, and the dashboard's shell and assets. */
const PUBLIC = [
  /^\/track\//,
  /^\/api\/auth\//,
  /^\/tracker/,
  /^\/:file/,
  /^\/(ping|health)$/,
  /^\/api\/version$/,
  /^\/$/,
  /^\/app(\/\*)?$/,
  /^\/assets\//,
  /^\/replay\/:id$/, // the viewer page; its data (/replay/:id/events) is guarded
  /^\/(invite|share)\/:secret/, // the dashboard's pages for an invitation and a shared link
  /^\/api\/invitations\/:secret/, // the invitation's secret is the credential
  /^\/api\/shares\/unlock$/, // the shared link's secret is the credential
];
/** Changes that need the admin role (reads of these need a login or token). */
const ADMIN = [/^\/api\/admin\//, /^\/api\/tokens/, /^(POST|PATCH|DELETE) \/api\/sites/, /^\/api\/orgs\/:id\/(members|invitations)/, /^(POST|DELETE) \/api\/orgs/, /^GET \/api\/sites\/:id\/shares/];
/** Reads of recorded pages: a shared link without replays is refused them. */
const REPLAYS = [/^\/(api\/)?replay\//, /^\/api\/insights\/heatmap\/snapshot$/];
/** Reads that are not of one site: lists filtered to the caller, or facts about the instance. */
const NOT_SITE_READS = [/^\/api\/(sites|tokens|orgs)$/, /^\/api\/deployments/, /^\/api\/shares\/current$/];

const concrete = (path: string) => path.replace(/:[a-z]+\b/g, 'AAAAAAAAAAAA').replace(/\/\*$/, '/x');

describe('every non-public route is guarded', () => {
  let stack: Stack;
  let user: Login;
  const all = routes();

  before(async () => {
    // With DEPLOY_TOKEN set, POST /api/deployments is guarded by it (without, it is off: 403).
    stack = await startStack({ vars: { DEPLOY_TOKEN: 'deploy-secret' } });
    await seedSite(stack);
    const admin = await makeAdmin(stack);
    const adminLogin = await logIn(stack, admin.email, admin.password);
    const res = await asUser(stack, adminLogin, '/api/admin/users', { method: 'POST', body: { email: 'viewer@example.com', password: 'viewer-password-1', role: 'user' } });
    assert.equal(res.status, 201);
    user = await logIn(stack, 'viewer@example.com', 'viewer-password-1');
  });
  after(() => stack?.close());

  it("finds every route in the app's route table", () => {
    assert.ok(all.length >= 50, `found ${all.length}`);
    assert.ok(all.some((r) => r.method === 'POST' && r.path === '/track/events/batch'));
    assert.ok(all.some((r) => r.method === 'DELETE' && r.path === '/api/admin/users/:id'));
    assert.ok(all.some((r) => r.method === 'POST' && r.path === '/api/orgs/:id/invitations'));
  });

  it('answers 401 without credentials on every non-public route', async () => {
    const guarded = all.filter((r) => !PUBLIC.some((p) => p.test(r.path)));
    assert.ok(guarded.length >= 35);
    for (const r of guarded) {
      const res = await stack.fetch(`${concrete(r.path)}?site_id=site_test`, { method: r.method, headers: { 'content-type': 'application/json' }, body: r.method === 'GET' ? undefined : '{}' });
      assert.equal(res.status, 401, `${r.method} ${r.path}`);
      const body = (await res.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'unauthorized', `${r.method} ${r.path}`);
    }
  });

  it('answers 403 or 404 to a logged-in viewer on every admin or management route', async () => {
    const admin = all.filter((r) => ADMIN.some((p) => p.test(r.path) || p.test(`${r.method} ${r.path}`)));
    assert.ok(admin.length >= 20, `found ${admin.length}`);
    for (const r of admin) {
      const path = concrete(r.path).replace('/api/sites/AAAAAAAAAAAA', '/api/sites/site_test').replace('/api/orgs/AAAAAAAAAAAA', '/api/orgs/default');
      const res = await asUser(stack, user, `${path}?site_id=site_test`, { method: r.method, body: r.method === 'GET' ? undefined : {} });
      assert.ok([403, 404].includes(res.status), `${r.method} ${r.path}: ${res.status}`);
      if (!r.path.includes(':id/') || r.path.startsWith('/api/orgs/:id') || r.path.startsWith('/api/sites/:id')) {
        // The viewer knows the organisation and the site: the answer is "not allowed".
        if (!/\/(members|invitations|shares)\/:/.test(r.path) && !r.path.startsWith('/api/tokens/') && !/^\/api\/admin\/\w+\/:id/.test(r.path)) {
          assert.equal(res.status, 403, `${r.method} ${r.path}`);
        }
      }
    }
  });

  it('lets the same viewer read', async () => {
    const res = await asUser(stack, user, '/api/sessions?site_id=site_test');
    assert.equal(res.status, 200);
  });
});

describe('every route against every kind of caller', () => {
  let stack: Stack;
  const all = routes();
  type Caller = { name: string; fetch: (path: string, init?: { method?: string; body?: unknown }) => Promise<Response> };
  const callers: Record<string, Caller> = {};
  let sessionA = '';
  let sessionB = '';

  const login = async (name: string, email: string, org: string | null, role: string, siteIds?: string[]) => {
    const res = await asUser(stack, adminLogin, '/api/admin/users', {
      method: 'POST',
      body: { email, password: 'member-password-1', organization_id: org, org_role: role, ...(siteIds ? { site_ids: siteIds } : {}) },
    });
    assert.equal(res.status, 201, await res.clone().text());
    const l = await logIn(stack, email, 'member-password-1');
    callers[name] = { name, fetch: (path, init) => asUser(stack, l, path, init) };
  };
  let adminLogin: Login;

  before(async () => {
    stack = await startStack();
    await seedSite(stack, 'site_test');
    await stack.db.query(`INSERT INTO organization (id, name, slug) VALUES ('org_b', 'Other', 'other')`);
    await stack.db.query(`INSERT INTO sites (id, name, domain, organization_id) VALUES ('site_a2', 'A2', 'a2.example', 'default'), ('site_b', 'B', 'b.example', 'org_b')`);
    const admin = await makeAdmin(stack);
    adminLogin = await logIn(stack, admin.email, admin.password);
    callers.instance = { name: 'instance', fetch: (path, init) => asUser(stack, adminLogin, path, init) };
    await login('owner', 'owner@a.example', 'default', 'owner');
    await login('admin', 'admin@a.example', 'default', 'admin');
    await login('viewer', 'viewer@a.example', 'default', 'viewer');
    await login('narrowed', 'narrowed@a.example', 'default', 'admin', ['site_a2']);
    await login('otherAdmin', 'admin@b.example', 'org_b', 'owner');
    for (const [name, org, sites] of [['tokenA', 'default', null], ['tokenB', 'org_b', null]] as const) {
      const res = await callers.instance.fetch('/api/tokens', { method: 'POST', body: { name, organization_id: org, site_ids: sites } });
      assert.equal(res.status, 201, await res.clone().text());
      const { secret } = (await res.json()) as { secret: string };
      callers[name] = { name, fetch: (path, init) => asToken(stack, secret, path, init) };
    }
    const share = await callers.admin.fetch('/api/sites/site_test/shares', { method: 'POST', body: {} });
    assert.equal(share.status, 201, await share.clone().text());
    const { secret: shareSecret } = (await share.json()) as { secret: string };
    callers.share = {
      name: 'share',
      fetch: (path, init = {}) =>
        stack.fetch(path, {
          method: init.method ?? 'GET',
          headers: { authorization: `Share ${shareSecret}`, origin: ORIGIN, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
          body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
        }),
    };
    for (const site of ['site_test', 'site_b']) {
      const s = await startSession(stack, site);
      await sendBatch(stack, s, 0, [pageView(Date.parse(s.session_started_at) + 5, 'https://example.com/x')]);
      if (site === 'site_test') sessionA = s.session_id;
      else sessionB = s.session_id;
    }
  });
  after(() => stack?.close());

  /** A read route made concrete for one site: its session for session routes, its id for site routes. */
  const readPath = (path: string, site: 'site_test' | 'site_b') => {
    const session = site === 'site_test' ? sessionA : sessionB;
    const concretePath = /^\/(replay|api\/replay|api\/sessions)\//.test(path) ? path.replace(':id', session) : path.replace(':id', site);
    return `${concrete(concretePath)}?site_id=${site}`;
  };
  const siteReads = () =>
    all.filter((r) => r.method === 'GET' && !PUBLIC.some((p) => p.test(r.path)) && !ADMIN.some((p) => p.test(r.path) || p.test(`GET ${r.path}`)) && !NOT_SITE_READS.some((p) => p.test(r.path)));

  it('finds the site reads: analytics, sessions, replay, sites', () => {
    const paths = siteReads().map((r) => r.path);
    for (const p of ['/analytics/overview', '/api/sessions', '/api/sessions/:id', '/replay/:id/events', '/api/sites/:id', '/api/insights/heatmap']) assert.ok(paths.includes(p), p);
  });

  it("answers every site read to the site's organisation and 404 to everyone else", async () => {
    const reads = siteReads();
    const allowed = ['instance', 'owner', 'admin', 'viewer', 'tokenA', 'share'];
    const refused = ['narrowed', 'otherAdmin', 'tokenB'];
    for (const r of reads) {
      for (const name of allowed) {
        const res = await callers[name].fetch(readPath(r.path, 'site_test'));
        if (name === 'share' && REPLAYS.some((p) => p.test(r.path))) {
          assert.equal(res.status, 403, `a shared link without replays: ${r.path}`);
          continue;
        }
        assert.ok(![401, 403, 404].includes(res.status), `${name} reads ${r.path}: ${res.status} ${await res.text()}`);
      }
      for (const name of refused) {
        const res = await callers[name].fetch(readPath(r.path, 'site_test'));
        assert.equal(res.status, 404, `${name} may not know of site_test: ${r.path}`);
      }
      for (const name of ['owner', 'viewer', 'tokenA', 'share']) {
        const res = await callers[name].fetch(readPath(r.path, 'site_b'));
        assert.equal(res.status, 404, `${name} may not know of site_b: ${r.path}`);
      }
    }
  });

  it('lists only what the caller may see', async () => {
    const ids = async (name: string, path: string, key: string) => ((await (await callers[name].fetch(path)).json()) as Record<string, { id: string }[]>)[key].map((x) => x.id).sort();
    assert.deepEqual(await ids('viewer', '/api/sites', 'sites'), ['site_a2', 'site_test']);
    assert.deepEqual(await ids('narrowed', '/api/sites', 'sites'), ['site_a2']);
    assert.deepEqual(await ids('otherAdmin', '/api/sites', 'sites'), ['site_b']);
    assert.deepEqual(await ids('tokenB', '/api/sites', 'sites'), ['site_b']);
    assert.deepEqual(await ids('share', '/api/sites', 'sites'), ['site_test']);
    assert.deepEqual(await ids('instance', '/api/sites', 'sites'), ['site_a2', 'site_b', 'site_test']);
    assert.deepEqual(await ids('otherAdmin', '/api/orgs', 'organizations'), ['org_b']);
    // A shared link reads its site and nothing of the instance.
    for (const path of ['/api/deployments', '/api/deployments/stats', '/api/tokens', '/api/orgs']) assert.equal((await callers.share.fetch(path)).status, 403, path);
    const tokens = (await (await callers.otherAdmin.fetch('/api/tokens')).json()) as { tokens: { organization_id: string }[] };
    assert.ok(tokens.tokens.length > 0 && tokens.tokens.every((t) => t.organization_id === 'org_b'));
  });

  it('refuses every change to viewers, API tokens, shared links and other organisations', async () => {
    const changes = all.filter((r) => r.method !== 'GET' && !PUBLIC.some((p) => p.test(r.path)) && r.path !== '/api/deployments');
    assert.ok(changes.length >= 15, `found ${changes.length}`);
    for (const r of changes) {
      const path = concrete(r.path).replace('/api/sites/AAAAAAAAAAAA', '/api/sites/site_test').replace('/api/orgs/AAAAAAAAAAAA', '/api/orgs/default');
      for (const name of ['viewer', 'tokenA', 'share', 'otherAdmin', 'tokenB', 'narrowed']) {
        // Another organisation's admin may create in its own organisation: only what names ours is checked.
        if (name === 'otherAdmin' && !r.path.includes(':')) continue;
        const res = await callers[name].fetch(`${path}?site_id=site_test&confirm=site_test`, { method: r.method, body: {} });
        assert.ok([401, 403, 404].includes(res.status), `${name} ${r.method} ${r.path}: ${res.status}`);
      }
    }
  });

  it('lets an organisation admin manage its own sites, members and tokens, and a narrowed admin only its site', async () => {
    assert.equal((await callers.admin.fetch('/api/sites/site_a2', { method: 'PATCH', body: { name: 'A2 renamed' } })).status, 200);
    assert.equal((await callers.narrowed.fetch('/api/sites/site_a2', { method: 'PATCH', body: { name: 'A2 again' } })).status, 200);
    assert.equal((await callers.narrowed.fetch('/api/sites/site_test', { method: 'PATCH', body: { name: 'no' } })).status, 404);
    assert.equal((await callers.otherAdmin.fetch('/api/sites/site_a2', { method: 'PATCH', body: { name: 'no' } })).status, 404);
    assert.equal((await callers.admin.fetch('/api/orgs/default/members')).status, 200);
    assert.equal((await callers.otherAdmin.fetch('/api/orgs/default/members')).status, 404);
    const made = await callers.admin.fetch('/api/tokens', { method: 'POST', body: { name: 'narrow', site_ids: ['site_a2'] } });
    assert.equal(made.status, 201);
    const { secret } = (await made.json()) as { secret: string };
    assert.equal((await asToken(stack, secret, '/api/sessions?site_id=site_a2')).status, 200);
    assert.equal((await asToken(stack, secret, `/api/sessions/${sessionA}`)).status, 404);
    // An admin cannot narrow a token to another organisation's site, nor learn it exists.
    assert.equal((await callers.admin.fetch('/api/tokens', { method: 'POST', body: { name: 'x', site_ids: ['site_b'] } })).status, 404);
    // Only an owner makes owners.
    assert.equal((await callers.admin.fetch('/api/orgs/default/members', { method: 'POST', body: { email: 'viewer@a.example', role: 'owner' } })).status, 403);
  });
});
