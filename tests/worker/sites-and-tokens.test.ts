// Sites and API tokens: an admin creates, edits and deletes sites; ingest
// follows each change through the D1 cache (never reading Postgres); tokens
// are shown once and stored hashed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resetStatements, seedSite, startStack, workerStatements, type Stack } from './harness/stack.ts';
import { sendBatch } from './harness/session.ts';
import { pageView, sha256Hex } from './harness/factories.ts';
import type { Site } from '../../js-shim/src/contract.ts';
import { asToken, asUser, errorCode, logIn, makeAdmin, type Login } from './harness/accounts.ts';
import { dayPrefix } from './harness/stored.ts';


describe('sites and API tokens', () => {
  let stack: Stack;
  let admin: Login;
  let siteToken: string;

  before(async () => {
    stack = await startStack();
    ({ token: siteToken } = await seedSite(stack));
    const a = await makeAdmin(stack);
    admin = await logIn(stack, a.email, a.password);
  });
  after(() => stack?.close());

  const start = (siteId: string, origin?: string) =>
    stack.fetch('/track/session/start', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...(origin ? { origin } : {}) },
      body: JSON.stringify({ site_id: siteId, url: 'https://shop.example/' }),
    });

  async function createSite(body: object): Promise<Site> {
    const res = await asUser(stack, admin, '/api/sites', { method: 'POST', body });
    assert.equal(res.status, 201, await res.clone().text());
    return ((await res.json()) as { site: Site }).site;
  }

  const cachedSite = async (id: string) =>
    (await stack.d1()).prepare('SELECT domain, allowed_origins, replay_enabled, retention_days FROM sites WHERE id = ?1').bind(id).first<Record<string, unknown>>();

  it('creates a site with the documented defaults and puts it in the D1 cache at once', async () => {
    const site = await createSite({ domain: 'https://Shop.Example/pricing' });
    assert.match(site.id, /^[A-Za-z0-9_-]{12}$/);
    const { id: _id, created_at: _c, updated_at: _u, ...fields } = site as Site & { created_at: string; updated_at: string };
    assert.deepEqual(fields, {
      organization_id: 'default',
      name: 'shop.example',
      domain: 'shop.example',
      allowed_origins: [],
      replay_enabled: false,
      replay_sample_rate: 1,
      retention_days: 365,
      respect_dnt: true,
      bot_patterns: [],
    });
    assert.deepEqual(await cachedSite(site.id), { domain: 'shop.example', allowed_origins: '[]', replay_enabled: 0, retention_days: 365 });
    assert.equal((await start(site.id, 'https://www.shop.example')).status, 200);
    const refused = await start(site.id, 'https://elsewhere.example');
    assert.equal(refused.status, 403);
    assert.equal(await errorCode(refused), 'origin_not_allowed');
  });

  it('applies an edit to ingest at once, without ingest reading Postgres', async () => {
    const site = await createSite({ id: 'edited_site', domain: 'edited.example', allowed_origins: ['https://partner.example'] });
    const res = await start(site.id, 'https://partner.example');
    assert.equal(res.status, 200);
    const session = (await res.json()) as { session_id: string; session_started_at: string; token: string };

    const edit = await asUser(stack, admin, `/api/sites/${site.id}`, {
      method: 'PATCH',
      body: { allowed_origins: ['https://new-partner.example'], replay_enabled: true, replay_sample_rate: 0.5, retention_days: 30, respect_dnt: false },
    });
    assert.equal(edit.status, 200, await edit.clone().text());
    const edited = ((await edit.json()) as { site: Site }).site;
    assert.deepEqual([edited.domain, edited.replay_sample_rate, edited.retention_days, edited.respect_dnt], ['edited.example', 0.5, 30, false]);
    assert.deepEqual(await cachedSite(site.id), { domain: 'edited.example', allowed_origins: '["https://new-partner.example"]', replay_enabled: 1, retention_days: 30 });

    await resetStatements(stack);
    const batch = await stack.fetch('/track/events/batch', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: 'https://partner.example' },
      body: JSON.stringify({ ...session, seq: 0, events: [pageView(Date.parse(session.session_started_at) + 5)] }),
    });
    assert.equal(batch.status, 403, 'an origin removed by the edit is refused');
    assert.equal((await sendBatch(stack, session, 0, [pageView(Date.parse(session.session_started_at) + 5)])).status, 202);
    assert.equal((await workerStatements(stack)).reads, 0);
    assert.equal((await start(site.id, 'https://new-partner.example')).status, 200);
  });

  it('validates site fields and refuses a taken id', async () => {
    for (const body of [
      { domain: 'not a domain' },
      { domain: 'ok.example', replay_sample_rate: 2 },
      { domain: 'ok.example', retention_days: 0 },
      { domain: 'ok.example', allowed_origins: ['https://ok.example/path'] },
      { domain: 'ok.example', respect_dnt: 'yes' },
    ]) {
      const res = await asUser(stack, admin, '/api/sites', { method: 'POST', body });
      assert.equal(res.status, 400, JSON.stringify(body));
    }
    const taken = await asUser(stack, admin, '/api/sites', { method: 'POST', body: { id: 'site_test', domain: 'x.example' } });
    assert.equal(taken.status, 409);
    assert.equal(await errorCode(taken), 'conflict');
  });

  it('shows an API token only its own site and lets only an admin change sites', async () => {
    const list = await asToken(stack, siteToken, '/api/sites');
    assert.deepEqual(((await list.json()) as { sites: Site[] }).sites.map((s) => s.id), ['site_test']);
    // A site the token may not read does not exist for it.
    assert.equal((await asToken(stack, siteToken, '/api/sites/edited_site')).status, 404);
    assert.equal((await asToken(stack, siteToken, '/api/sites', { method: 'POST', body: { domain: 'x.example' } })).status, 403);
    assert.equal((await stack.fetch('/api/sites')).status, 401);
  });

  it('creates an API token that is shown once, stored only as its SHA-256, and reads until revoked', async () => {
    const res = await asUser(stack, admin, '/api/tokens', { method: 'POST', body: { name: 'ci export', site_id: 'site_test' } });
    assert.equal(res.status, 201);
    const { token, secret } = (await res.json()) as { token: { id: string; site_id: string }; secret: string };
    assert.match(secret, /^ert_[A-Za-z0-9_-]{32}$/);
    assert.equal(token.site_id, 'site_test');
    const { rows } = await stack.db.query('SELECT * FROM api_tokens WHERE id = $1', [token.id]);
    assert.equal(rows[0].token_hash, sha256Hex(secret));
    assert.ok(!JSON.stringify(rows[0]).includes(secret.slice(4)), 'the secret itself is stored nowhere');
    const listed = await (await asUser(stack, admin, '/api/tokens')).text();
    assert.ok(!listed.includes(secret.slice(4)) && !listed.includes(rows[0].token_hash), 'listing shows neither secret nor hash');

    assert.equal((await asToken(stack, secret, '/api/sessions?site_id=site_test')).status, 200);
    assert.equal((await asUser(stack, admin, `/api/tokens/${token.id}`, { method: 'DELETE' })).status, 200);
    assert.equal((await asToken(stack, secret, '/api/sessions?site_id=site_test')).status, 401);
  });

  it('deletes a site with its sessions, R2 objects and cache rows only when confirmed', async () => {
    const site = await createSite({ id: 'doomed', domain: 'doomed.example' });
    const res = await start(site.id);
    const session = (await res.json()) as { session_id: string; session_started_at: string; token: string };
    assert.equal((await sendBatch(stack, session, 0, [pageView(Date.parse(session.session_started_at) + 5)])).status, 202);
    const bucket = await stack.bucket();
    const prefix = dayPrefix(session.session_id, session.session_started_at);
    assert.equal((await bucket.list({ prefix })).objects.length, 1);

    const unconfirmed = await asUser(stack, admin, '/api/sites/doomed', { method: 'DELETE' });
    assert.equal(unconfirmed.status, 400);
    assert.equal(await errorCode(unconfirmed), 'confirmation_required');

    const deleted = await asUser(stack, admin, '/api/sites/doomed?confirm=doomed', { method: 'DELETE' });
    assert.equal(deleted.status, 200, await deleted.clone().text());
    assert.deepEqual(((await deleted.json()) as { deleted: boolean; sessions_deleted: number }).sessions_deleted, 1);
    assert.equal((await bucket.list({ prefix })).objects.length, 0);
    assert.equal((await stack.db.query(`SELECT 1 FROM sessions WHERE site_id = 'doomed'`)).rowCount, 0);
    assert.equal(await cachedSite('doomed'), null);
    const d1Sessions = await (await stack.d1()).prepare(`SELECT count(*) AS n FROM sessions WHERE site_id = 'doomed'`).first<{ n: number }>();
    assert.equal(d1Sessions?.n, 0);
    const after = await start('doomed');
    assert.equal(after.status, 404);
    assert.equal(await errorCode(after), 'unknown_site');
  });
});
