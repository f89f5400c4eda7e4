// Organisations, invitations, shared links and login hardening, through the
// Worker's HTTP API against real Postgres: what each kind of caller can do,
// and that two organisations see nothing of each other.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { asUser, errorCode, logIn, makeAdmin, ORIGIN, signIn, type Login } from './harness/accounts.ts';
import { pageView } from './harness/factories.ts';
import { sendBatch, startSession } from './harness/session.ts';
import { seedSite, startStack, type Stack } from './harness/stack.ts';

describe('organisations and invitations', () => {
  let stack: Stack;
  let admin: Login;

  before(async () => {
    stack = await startStack();
    await seedSite(stack, 'site_a');
    const a = await makeAdmin(stack);
    admin = await logIn(stack, a.email, a.password);
  });
  after(() => stack?.close());

  it('puts existing sites, tokens and users in the default organisation', async () => {
    const { rows: sites } = await stack.db.query(`SELECT organization_id FROM sites WHERE id = 'site_a'`);
    assert.equal(sites[0].organization_id, 'default');
    const orgs = (await (await asUser(stack, admin, '/api/orgs')).json()) as { organizations: { id: string }[]; instance_admin: boolean };
    assert.ok(orgs.instance_admin);
    assert.ok(orgs.organizations.some((o) => o.id === 'default'));
  });

  it('lets the instance admin create an organisation, and an invitee join it through a one-time link', async () => {
    const created = await asUser(stack, admin, '/api/orgs', { method: 'POST', body: { id: 'agency', name: 'Agency' } });
    assert.equal(created.status, 201, await created.clone().text());
    const site = await asUser(stack, admin, '/api/sites', { method: 'POST', body: { id: 'client_site', domain: 'client.example', organization_id: 'agency' } });
    assert.equal(site.status, 201, await site.clone().text());

    const invited = await asUser(stack, admin, '/api/orgs/agency/invitations', { method: 'POST', body: { email: 'Owner@Agency.example', role: 'owner' } });
    assert.equal(invited.status, 201, await invited.clone().text());
    const { url, invitation, emailed } = (await invited.json()) as { url: string; invitation: { id: string; email: string }; emailed: boolean };
    assert.equal(emailed, false, 'no send_email binding here');
    assert.equal(invitation.email, 'owner@agency.example');
    const secret = url.split('/invite/')[1];
    assert.match(secret, /^inv_[A-Za-z0-9_-]{32}$/);
    const { rows } = await stack.db.query('SELECT token_hash FROM invitation WHERE id = $1', [invitation.id]);
    assert.ok(rows[0].token_hash && !rows[0].token_hash.includes(secret.slice(4)), 'only a hash of the link is stored');

    const shown = await stack.fetch(`/api/invitations/${secret}`);
    assert.equal(shown.status, 200);
    assert.equal(((await shown.json()) as { invitation: { organization_name: string } }).invitation.organization_name, 'Agency');
    const weak = await stack.fetch(`/api/invitations/${secret}/accept`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: 'short' }) });
    assert.equal(weak.status, 400);
    const accepted = await stack.fetch(`/api/invitations/${secret}/accept`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'agency-owner-password', name: 'Olga' }),
    });
    assert.equal(accepted.status, 200, await accepted.clone().text());
    const again = await stack.fetch(`/api/invitations/${secret}/accept`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: 'another-password-1' }) });
    assert.equal(again.status, 404, 'a link is used once');

    const owner = await logIn(stack, 'owner@agency.example', 'agency-owner-password');
    const sites = (await (await asUser(stack, owner, '/api/sites')).json()) as { sites: { id: string }[] };
    assert.deepEqual(sites.sites.map((s) => s.id), ['client_site']);
    assert.equal((await asUser(stack, owner, '/api/sessions?site_id=site_a')).status, 404);
    assert.equal((await asUser(stack, owner, '/api/sessions?site_id=client_site')).status, 200);
  });

  it('expires and revokes invitations', async () => {
    const make = async (email: string) => {
      const res = await asUser(stack, admin, '/api/orgs/agency/invitations', { method: 'POST', body: { email, role: 'viewer', site_ids: ['client_site'] } });
      assert.equal(res.status, 201, await res.clone().text());
      const body = (await res.json()) as { url: string; invitation: { id: string } };
      return { secret: body.url.split('/invite/')[1], id: body.invitation.id };
    };
    const revoked = await make('revoked@agency.example');
    assert.equal((await asUser(stack, admin, `/api/orgs/agency/invitations/${revoked.id}`, { method: 'DELETE' })).status, 200);
    assert.equal((await stack.fetch(`/api/invitations/${revoked.secret}`)).status, 404);
    const expired = await make('expired@agency.example');
    await stack.db.query(`UPDATE invitation SET expires_at = now() - interval '1 second' WHERE id = $1`, [expired.id]);
    const res = await stack.fetch(`/api/invitations/${expired.secret}/accept`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: 'expired-password-1' }) });
    assert.equal(res.status, 404);
    assert.equal(await errorCode(res), 'not_found');
    const list = (await (await asUser(stack, admin, '/api/orgs/agency/invitations')).json()) as { invitations: { id: string; status: string }[] };
    assert.equal(list.invitations.find((i) => i.id === revoked.id)?.status, 'canceled');
  });

  it('keeps an organisation with owners at one owner at least, and lets only owners make owners', async () => {
    const owner = await logIn(stack, 'owner@agency.example', 'agency-owner-password');
    const members = (await (await asUser(stack, owner, '/api/orgs/agency/members')).json()) as { members: { id: string; role: string }[] };
    const me = members.members.find((m) => m.role === 'owner')!;
    const demote = await asUser(stack, owner, `/api/orgs/agency/members/${me.id}`, { method: 'PATCH', body: { role: 'viewer' } });
    assert.equal(demote.status, 409);
    // An existing account added as an admin of the agency cannot make owners.
    const added = await asUser(stack, owner, '/api/orgs/agency/members', { method: 'POST', body: { email: 'admin@example.com', role: 'admin' } });
    assert.equal(added.status, 201, await added.clone().text());
  });
});

describe('shared read-only links', () => {
  let stack: Stack;
  let admin: Login;
  let sessionId = '';

  before(async () => {
    stack = await startStack();
    await seedSite(stack, 'shared_site');
    await seedSite(stack, 'private_site');
    const a = await makeAdmin(stack);
    admin = await logIn(stack, a.email, a.password);
    const s = await startSession(stack, 'shared_site');
    await sendBatch(stack, s, 0, [pageView(Date.parse(s.session_started_at) + 5, 'https://example.com/shared')]);
    sessionId = s.session_id;
  });
  after(() => stack?.close());

  const asShare = (value: string, path: string, method = 'GET') => stack.fetch(path, { method, headers: { authorization: `Share ${value}`, origin: ORIGIN } });

  async function share(body: object) {
    const res = await asUser(stack, admin, '/api/sites/shared_site/shares', { method: 'POST', body });
    assert.equal(res.status, 201, await res.clone().text());
    return (await res.json()) as { share: { id: string }; secret: string; url: string };
  }

  it('shows one site without a login, replays only when ticked, and never another site', async () => {
    const plain = await share({});
    assert.match(plain.url, /\/share\/shr_[A-Za-z0-9_-]{32}$/);
    assert.equal((await asShare(plain.secret, '/analytics/overview?site_id=shared_site')).status, 200);
    assert.equal((await asShare(plain.secret, `/api/sessions/${sessionId}`)).status, 200);
    assert.equal((await asShare(plain.secret, `/replay/${sessionId}/events`)).status, 403);
    assert.equal((await asShare(plain.secret, '/analytics/overview?site_id=private_site')).status, 404);
    assert.equal((await asShare(plain.secret, '/api/sites/shared_site', 'PATCH')).status, 403);
    const current = (await (await asShare(plain.secret, '/api/shares/current')).json()) as { site: { id: string }; replays: boolean };
    assert.deepEqual([current.site.id, current.replays], ['shared_site', false]);

    const withReplays = await share({ replays: true });
    const replay = await asShare(withReplays.secret, `/replay/${sessionId}/events`);
    assert.equal(replay.status, 200);
    assert.match(await replay.text(), /shared/);
  });

  it('asks for the password once, and a revoked link stops at once', async () => {
    const locked = await share({ password: 'share-password' });
    const bare = await asShare(locked.secret, '/analytics/overview?site_id=shared_site');
    assert.equal(bare.status, 401);
    assert.equal(await errorCode(bare), 'password_required');
    const unlock = (password: string) =>
      stack.fetch('/api/shares/unlock', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret: locked.secret, password }) });
    assert.equal((await unlock('wrong-password')).status, 401);
    const ok = await unlock('share-password');
    assert.equal(ok.status, 200);
    const { pass } = (await ok.json()) as { pass: string };
    assert.equal((await asShare(pass, '/analytics/overview?site_id=shared_site')).status, 200);
    // A pass is bound to its link: a forged expiry does not verify.
    const [secret, expires, mac] = pass.split('.');
    assert.equal((await asShare(`${secret}.${Number(expires) + 1000}.${mac}`, '/analytics/overview?site_id=shared_site')).status, 401);

    assert.equal((await asUser(stack, admin, `/api/sites/shared_site/shares/${locked.share.id}`, { method: 'DELETE' })).status, 200);
    assert.equal((await asShare(pass, '/analytics/overview?site_id=shared_site')).status, 401);
    const { rows } = await stack.db.query('SELECT token_hash, password_hash FROM site_shares WHERE id = $1', [locked.share.id]);
    assert.ok(!JSON.stringify(rows[0]).includes(locked.secret.slice(4)) && !JSON.stringify(rows[0]).includes('share-password'));
  });
});

describe('login hardening', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({ authRateLimit: 3 });
    await makeAdmin(stack, 'limited@example.com', 'limited-password-1');
  });
  after(() => stack?.close());

  it('answers 429 with Retry-After once an address or an account is over its limit', async () => {
    const statuses: number[] = [];
    let refused: Response | null = null;
    for (let i = 0; i < 6; i++) {
      const res = await stack.fetch('/api/auth/sign-in/email', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: ORIGIN, 'cf-connecting-ip': `198.51.100.${i}` },
        body: JSON.stringify({ email: 'limited@example.com', password: 'wrong-password-1' }),
      });
      statuses.push(res.status);
      if (res.status === 429) refused ??= res;
    }
    assert.deepEqual(statuses.slice(0, 3), [401, 401, 401], 'three tries per account a minute, from any address');
    assert.ok(refused, `refused at last: ${statuses}`);
    assert.equal(refused.headers.get('retry-after'), '60');
    assert.equal(await errorCode(refused), 'rate_limited');
    // The right password does not get through either, until the minute is over.
    assert.equal((await signIn(stack, 'limited@example.com', 'limited-password-1')).status, 429);
  });
});

describe('secrets', () => {
  for (const [name, secret] of [
    ['missing', undefined],
    ['too short', 'short-secret'],
  ] as const) {
    it(`refuses to serve with TOKEN_SECRET ${name}, and /health says why`, async () => {
      const stack = await startStack({ vars: { TOKEN_SECRET: secret as unknown as string } });
      try {
        const res = await stack.fetch('/api/sites');
        assert.equal(res.status, 503);
        assert.equal(await errorCode(res), 'misconfigured');
        const track = await stack.fetch('/track/session/start', { method: 'POST', body: JSON.stringify({ site_id: 'x', url: 'https://x.example/' }) });
        assert.equal(track.status, 503);
        const health = await stack.fetch('/health');
        assert.equal(health.status, 503);
        const body = (await health.json()) as { status: string; checks: { secrets: { status: string; error: string } } };
        assert.equal(body.status, 'down');
        assert.match(body.checks.secrets.error, /TOKEN_SECRET/);
        assert.ok(!JSON.stringify(body).includes('short-secret'), 'the secret itself is never shown');
      } finally {
        await stack.close();
      }
    });
  }

  it('allows a short secret in local development (npm start sets LOCAL_DEVELOPMENT)', async () => {
    const stack = await startStack({ vars: { TOKEN_SECRET: 'short-secret', LOCAL_DEVELOPMENT: '1' } });
    try {
      assert.equal((await stack.fetch('/health')).status, 200);
      assert.equal((await stack.fetch('/api/sites')).status, 401);
    } finally {
      await stack.close();
    }
  });
});


