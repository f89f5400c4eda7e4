// Every route of the Worker, read from the source (index.ts mounts, routes/*
// handlers), is either on the public list below or refuses a caller without
// credentials with 401; admin routes refuse a logged-in non-admin with 403.
// A new route fails this test until it is guarded or listed as public.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { seedSite, startStack, type Stack } from './harness/stack.ts';
import { asUser, logIn, makeAdmin, type Login } from './harness/accounts.ts';

const SRC = fileURLToPath(new URL('../../js-shim/src/', import.meta.url));

type Route = { method: string; path: string };

/** (method, full path) of every handler, from the mounts in index.ts. */
function routes(): Route[] {
  const index = readFileSync(`${SRC}index.ts`, 'utf8');
  const files = new Map([...index.matchAll(/import (\w+) from '\.\/routes\/([\w-]+)'/g)].map((m) => [m[1], m[2]]));
  const out: Route[] = [];
  for (const [, prefix, name] of index.matchAll(/app\.route\('([^']*)', (\w+)\)/g)) {
    const file = files.get(name);
    assert.ok(file, `router ${name} is imported from routes/`);
    const text = readFileSync(`${SRC}routes/${file}.ts`, 'utf8');
    for (const [, method, path] of text.matchAll(/^\w+\.(get|post|put|patch|delete)\(\s*'([^']+)'/gm)) {
      out.push({ method: method.toUpperCase(), path: (prefix === '/' ? '' : prefix) + (path === '/' && prefix !== '/' ? '' : path) });
    }
    for (const [, methods, path] of text.matchAll(/^\w+\.on\(\[([^\]]+)\],\s*'([^']+)'/gm)) {
      for (const m of methods.match(/[A-Z]+/g) ?? []) out.push({ method: m, path: (prefix === '/' ? '' : prefix) + path });
    }
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
];
/** Changes that need the admin role (reads of these need a login or token). */
const ADMIN = [/^\/api\/admin\//, /^\/api\/tokens/, /^(POST|PATCH|DELETE) \/api\/sites/];

const concrete = (path: string) => path.replace(/:id\b/g, 'AAAAAAAAAAAA').replace(/\/\*$/, '/x');

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

  it('finds the routes in the source', () => {
    assert.ok(all.length >= 40, `found ${all.length}`);
    assert.ok(all.some((r) => r.method === 'POST' && r.path === '/track/events/batch'));
    assert.ok(all.some((r) => r.method === 'DELETE' && r.path === '/api/admin/users/:id'));
  });

  it('answers 401 without credentials on every non-public route', async () => {
    const guarded = all.filter((r) => !PUBLIC.some((p) => p.test(r.path)));
    assert.ok(guarded.length >= 25);
    for (const r of guarded) {
      const res = await stack.fetch(`${concrete(r.path)}?site_id=site_test`, { method: r.method, headers: { 'content-type': 'application/json' }, body: r.method === 'GET' ? undefined : '{}' });
      assert.equal(res.status, 401, `${r.method} ${r.path}`);
      const body = (await res.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'unauthorized', `${r.method} ${r.path}`);
    }
  });

  it('answers 403 to a logged-in non-admin on every admin route', async () => {
    const admin = all.filter((r) => ADMIN.some((p) => p.test(r.path) || p.test(`${r.method} ${r.path}`)));
    assert.ok(admin.length >= 10, `found ${admin.length}`);
    for (const r of admin) {
      const res = await asUser(stack, user, `${concrete(r.path)}?site_id=site_test`, { method: r.method, body: r.method === 'GET' ? undefined : {} });
      assert.equal(res.status, 403, `${r.method} ${r.path}`);
    }
  });

  it('lets the same non-admin read', async () => {
    const res = await asUser(stack, user, '/api/sessions?site_id=site_test');
    assert.equal(res.status, 200);
  });
});
