// Bot filtering on real Postgres: a site's own User-Agent patterns flag its
// new sessions (and no other site's), the sites API bounds them with precise
// errors, and the overview says how many bot sessions it left out, counting
// them back in with include_bots, from rollups and from a scan alike.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resetStatements, seedSite, startStack, workerStatements, type Stack } from './harness/stack.ts';
import { sendBatch, startSession } from './harness/session.ts';
import { pageView, type StartedSession } from './harness/factories.ts';
import { asToken, asUser, errorCode, logIn, makeAdmin, type Login } from './harness/accounts.ts';
import type { Site } from '../../js-shim/src/contract.ts';

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const PROBE = `${BROWSER} AcmeUptime/3.2`;
const HEADLESS = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0 Safari/537.36';

describe('bot filtering', () => {
  let stack: Stack;
  let admin: Login;

  before(async () => {
    stack = await startStack();
    for (const id of ['bots_own', 'bots_other']) await seedSite(stack, id);
    const a = await makeAdmin(stack, 'bots-admin@example.com', 'bots-admin-password');
    admin = await logIn(stack, a.email, a.password);
  });
  after(() => stack?.close());

  const patch = (id: string, body: object) => asUser(stack, admin, `/api/sites/${id}`, { method: 'PATCH', body });
  const isBot = async (s: StartedSession) =>
    (await stack.db.query('SELECT is_bot FROM sessions WHERE id = $1', [s.session_id])).rows[0].is_bot as boolean;

  describe("a site's own patterns", () => {
    it('are kept by the sites API, once each, and copied into the D1 cache', async () => {
      const res = await patch('bots_own', { bot_patterns: ['acmeuptime/', 'Internal-Crawler', 'ACMEUPTIME/'] });
      assert.equal(res.status, 200, await res.clone().text());
      assert.deepEqual(((await res.json()) as { site: Site }).site.bot_patterns, ['acmeuptime/', 'Internal-Crawler']);
      const read = await asUser(stack, admin, '/api/sites/bots_own');
      assert.deepEqual(((await read.json()) as { site: Site }).site.bot_patterns, ['acmeuptime/', 'Internal-Crawler']);
      const cached = await (await stack.d1()).prepare('SELECT bot_patterns FROM sites WHERE id = ?1').bind('bots_own').first<{ bot_patterns: string }>();
      assert.deepEqual(JSON.parse(cached!.bot_patterns), ['acmeuptime/', 'Internal-Crawler']);
      // An edit that does not name them keeps them.
      const other = await patch('bots_own', { name: 'Own patterns' });
      assert.deepEqual(((await other.json()) as { site: Site }).site.bot_patterns, ['acmeuptime/', 'Internal-Crawler']);
    });

    it("flag a session whose User-Agent contains one, ignoring case, on that site only, without reading Postgres", async () => {
      await startSession(stack, 'bots_other'); // seeded in Postgres only: its first start fills the cache
      await resetStatements(stack);
      const own = await startSession(stack, 'bots_own', {}, { 'user-agent': PROBE });
      const elsewhere = await startSession(stack, 'bots_other', {}, { 'user-agent': PROBE });
      const person = await startSession(stack, 'bots_own', {}, { 'user-agent': BROWSER });
      const stats = await workerStatements(stack);
      assert.equal(stats.reads, 0, `session/start reads the site from the cache: ${JSON.stringify(stats.byQuery)}`);
      assert.equal(await isBot(own), true, 'matched by the pattern acmeuptime/ against AcmeUptime/3.2');
      assert.equal(await isBot(elsewhere), false, "another site's patterns do not apply");
      assert.equal(await isBot(person), false);
      // Batches do not judge again: the flag stays what session/start decided.
      assert.equal((await sendBatch(stack, own, 0, [pageView(Date.parse(own.session_started_at) + 5)])).status, 202);
      assert.equal(await isBot(own), true);
    });

    it('stop applying once removed', async () => {
      assert.equal((await patch('bots_own', { bot_patterns: [] })).status, 200);
      assert.equal(await isBot(await startSession(stack, 'bots_own', {}, { 'user-agent': PROBE })), false);
    });

    it('are refused with a precise 400 when not a bounded list of printable strings', async () => {
      const cases: [unknown, RegExp][] = [
        ['acme', /bot_patterns must be a list of strings/],
        [Array.from({ length: 51 }, (_, i) => `bot${i}`), /at most 50 patterns \(got 51\)/],
        [['ok', 7], /bot_patterns\[1\] must be a string/],
        [['ok', ''], /bot_patterns\[1\] must be 1 to 100 characters/],
        [['   '], /bot_patterns\[0\] must be 1 to 100 characters/],
        [['x'.repeat(101)], /bot_patterns\[0\] must be 1 to 100 characters/],
        [['fine', 'tab\there'], /bot_patterns\[1\] contains a control character/],
        [['del\u007f'], /bot_patterns\[0\] contains a control character/],
      ];
      for (const [value, message] of cases) {
        const res = await patch('bots_own', { bot_patterns: value });
        assert.equal(res.status, 400, JSON.stringify(value));
        const body = (await res.clone().json()) as { error: { code: string; message: string } };
        assert.equal(body.error.code, 'bad_request');
        assert.match(body.error.message, message);
      }
      const created = await asUser(stack, admin, '/api/sites', { method: 'POST', body: { domain: 'bots.example', bot_patterns: [1] } });
      assert.equal(created.status, 400);
      assert.equal(await errorCode(created), 'bad_request');
      const exactly = await patch('bots_own', { bot_patterns: Array.from({ length: 50 }, (_, i) => `${'y'.repeat(97)}${String(i).padStart(2, '0')}`) });
      assert.equal(exactly.status, 200, 'fifty patterns of up to 100 characters are fine');
    });
  });

  describe('the overview', () => {
    const site = 'bots_overview';
    let token: string;
    const today = () => new Date().toISOString().slice(0, 10);
    const totals = async (extra = '') => {
      const res = await asToken(stack, token, `/api/analytics/totals?site_id=${site}&from=${today()}&to=${today()}${extra}`);
      assert.equal(res.status, 200, await res.clone().text());
      return ((await res.json()) as { overview: { sessions: number; bots_excluded: number } }).overview;
    };
    const visit = async (headers: Record<string, string>, body: object = {}) => {
      const s = await startSession(stack, site, body, headers);
      assert.equal((await sendBatch(stack, s, 0, [pageView(Date.parse(s.session_started_at) + 5)])).status, 202);
    };

    before(async () => {
      ({ token } = await seedSite(stack, site));
    });

    it('says how many bot sessions it left out when only bots came, and counts them in with include_bots', async () => {
      await visit({ 'user-agent': HEADLESS });
      await visit({ 'user-agent': BROWSER }, { webdriver: true });
      assert.deepEqual(await totals(), { ...(await totals()), sessions: 0, bots_excluded: 2 });
      const all = await totals('&include_bots=1');
      assert.equal(all.sessions, 2);
      assert.equal(all.bots_excluded, 0, 'nothing is left out when bots are included');
    });

    it('answers the same count from a scan of the session rows as from the rollups, filters included', async () => {
      await visit({ 'user-agent': BROWSER });
      const rolled = await totals();
      assert.deepEqual([rolled.sessions, rolled.bots_excluded], [1, 2]);
      // A range that does not end at midnight scans the session rows.
      const from = `${today()}T00:00:00.000Z`;
      const to = new Date(Date.now() + 60_000).toISOString();
      const res = await asToken(stack, token, `/api/analytics/overview?site_id=${site}&from=${from}&to=${to}`);
      const scanned = (await res.json()) as { sessions: number; bots_excluded: number };
      assert.deepEqual([scanned.sessions, scanned.bots_excluded], [1, 2]);
      // One filter on a rollup dimension reads its bot: rows; two filters scan.
      assert.equal((await totals('&device=desktop')).bots_excluded, 2);
      assert.equal((await totals('&device=mobile')).bots_excluded, 0);
      const chrome = await stack.db.query(`SELECT count(*)::int AS n FROM sessions WHERE site_id = $1 AND is_bot AND device = 'desktop' AND browser = 'Chrome'`, [site]);
      assert.equal(chrome.rows[0].n, 1, 'the webdriver session is Chrome, the headless one is not');
      assert.equal((await totals('&device=desktop&browser=Chrome')).bots_excluded, 1);
      assert.equal((await totals('&source=nowhere.example')).bots_excluded, 0);
    });
  });
});
