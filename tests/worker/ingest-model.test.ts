// A model-based test of lossless ingest (ARCHITECTURE.md §5 rules 3, 4, 7, 9):
// fast-check drives the built Worker in Miniflare, with its real local R2 and
// a real PostgreSQL, through random sequences of batches, retries, reordered
// and colliding seqs (a duplicated tab), session ends, cron runs (reconcile
// and compaction, also two at once and beside a batch), Postgres refusing
// connections and coming back, R2 puts that fail or land after their 503,
// per-session and per-site clears, and retention. After every sequence the
// stores are settled (Postgres back, late puts landed, two cron runs) and:
//   - every acknowledged batch is in R2 exactly as sent, and R2 holds nothing
//     but bytes some attempt of that seq sent;
//   - each session's aggregates equal a recount of its R2 lines;
//   - no pending marker is left, nothing is quarantined;
//   - nothing of an erased session is left in R2 or Postgres.
// INGEST_MODEL_RUNS sets the number of sequences (npm run fuzz runs many more).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { seedSite, startStack, type Stack } from './harness/stack.ts';
import { startSession } from './harness/session.ts';
import { batchBody, inflated, type Event, type StartedSession } from './harness/factories.ts';
import { asUser, logIn, makeAdmin, type Login } from './harness/accounts.ts';
import { chunkKey, pendingKey, placeSession, rootPrefix } from './harness/stored.ts';
import { loadCore } from '../core/load-core.ts';
import { ignoreProxySocketErrors } from './harness/proxy-socket-errors.ts';

const RUNS = Number(process.env.INGEST_MODEL_RUNS ?? 200);
const MAX_COMMANDS = Number(process.env.INGEST_MODEL_COMMANDS ?? 16);
const SEED = process.env.INGEST_MODEL_SEED ? Number(process.env.INGEST_MODEL_SEED) : undefined;
const SITES = ['model_main', 'model_side'] as const;
const DAY_MS = 86_400_000;

const core = loadCore();

interface Attempt {
  body: string;
  events: Event[];
}
interface SeqState {
  attempts: Attempt[];
  /** The attempt a 2xx acknowledged: R2 must hold exactly its events. */
  acked?: Attempt;
}
interface MSession {
  s: StartedSession;
  site: (typeof SITES)[number];
  seqs: Map<number, SeqState>;
  next: number;
  /** A duplicated tab's copy of the seq counter, when there is one. */
  tab?: number;
  clock: number;
  erased: boolean;
}
interface Model {
  sessions: MSession[];
  pgDown: boolean;
  held: number;
}
interface Real {
  stack: Stack;
  admin: Login;
  /** One-shot faults for the next put of a key. */
  gates: Map<string, 'fail' | Promise<void>>;
  releases: (() => void)[];
  log: string[];
}

const pick = <T>(list: T[], n: number) => list[n % list.length];

function newEvents(m: MSession, n: number, salt: number): Event[] {
  const t0 = Date.parse(m.s.session_started_at);
  return Array.from({ length: n }, (_, i) => {
    const ts = t0 + 10 * ++m.clock;
    switch ((i + salt) % 3) {
      case 0:
        return { type: 'page_view', ts, url: `https://example.com/p${salt % 5}` };
      case 1:
        return { type: 'click', ts, x: i, y: salt, selector: `a#c${salt}` };
      default:
        return { type: 'custom', ts, name: `n${salt}` };
    }
  });
}

async function scheduled(r: Real, cron = '*/5 * * * *') {
  const worker = await r.stack.mf.getWorker('edgereplay');
  return (await worker.scheduled({ cron })).outcome;
}

type Kind = 'next' | 'tab' | 'collide' | 'retry' | 'end';
type Fault = 'none' | 'fail' | 'late';

class BatchCmd implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly who: number,
    readonly kind: Kind,
    readonly size: number,
    readonly fault: Fault,
    readonly withCron: boolean,
  ) {}
  check = (m: Readonly<Model>) => m.sessions.length > 0;
  async run(m: Model, r: Real) {
    const sess = pick(m.sessions, this.who);
    let seq: number;
    let attempt: Attempt;
    const known = [...sess.seqs.entries()].filter(([, st]) => st.attempts.length);
    if (this.kind === 'retry' && known.length) {
      const [s, st] = pick(known, this.size + this.who);
      seq = s;
      attempt = pick(st.attempts, this.size);
    } else {
      if (this.kind === 'collide' && known.length) seq = pick(known, this.size)[0];
      else if (this.kind === 'tab' && sess.tab !== undefined) seq = sess.tab++;
      else seq = sess.next++;
      const events = newEvents(sess, this.kind === 'end' ? this.size % 3 : 1 + (this.size % 4), this.size + seq);
      const extra = this.kind === 'end' ? { ended_at: Date.parse(sess.s.session_started_at) + 10 * ++sess.clock } : {};
      attempt = { events, body: batchBody(sess.s, seq, events, extra) };
    }
    const st = sess.seqs.get(seq) ?? { attempts: [] };
    sess.seqs.set(seq, st);
    if (!st.attempts.some((a) => a.body === attempt.body)) st.attempts.push(attempt);

    const key = chunkKey(sess.s.session_id, sess.s.session_started_at, seq);
    if (this.fault === 'fail') r.gates.set(key, 'fail');
    if (this.fault === 'late') {
      let release!: () => void;
      r.gates.set(key, new Promise<void>((ok) => (release = ok)));
      r.releases.push(release);
      m.held++;
    }
    const t = Date.now();
    const path = attempt.body.includes('"ended_at"') ? '/track/session/end' : '/track/events/batch';
    const send = r.stack.fetch(path, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: attempt.body });
    const [res] = await Promise.all([send, this.withCron ? scheduled(r) : null]);
    r.gates.delete(key);
    const text = await res.text();
    r.log.push(`${this.toString()} seq=${seq} -> ${res.status} ${text.slice(0, 120)} ${Date.now() - t}ms`);
    const refused = (code: string) => res.status >= 400 && JSON.parse(text).error.code === code;
    assert.notEqual(res.status, 500, text);
    if (res.status === 202) {
      const body = JSON.parse(text) as { deferred: boolean; accepted: number };
      if (body.deferred) assert.ok(m.pgDown, 'deferred only while Postgres is away');
      assert.ok(!sess.erased || body.deferred, 'an erased session acknowledges nothing it applies');
      if (st.acked && st.acked.body !== attempt.body && attempt.events.length && st.acked.events.length) {
        assert.fail(`seq ${seq} acknowledged with two different batches`);
      }
      if (!sess.erased && (attempt.events.length || !st.acked)) st.acked = attempt;
    } else if (res.status === 409) {
      assert.ok(refused('seq_conflict'), text);
      assert.ok(st.attempts.some((a) => a.body !== attempt.body), '409 only when another batch used the seq');
      assert.ok(!st.acked || st.acked.body !== attempt.body, 'an acknowledged batch is never refused on retry');
    } else if (res.status === 410) {
      assert.ok(refused('session_erased') && sess.erased, text);
    } else if (res.status === 503) {
      // A put slower than the deadline on a busy machine is a 503 too: nothing is assumed stored.
      assert.ok(this.fault !== 'none' || refused('storage_unavailable'), `503 without an injected fault: ${text}`);
    } else {
      assert.fail(`unexpected ${res.status} ${text}`);
    }
  }
  toString = () => `Batch(${this.who},${this.kind},${this.size},${this.fault}${this.withCron ? ',cron' : ''})`;
}

class StartCmd implements fc.AsyncCommand<Model, Real> {
  constructor(readonly site: number) {}
  check = (m: Readonly<Model>) => !m.pgDown && m.sessions.length < 6;
  async run(m: Model, r: Real) {
    const site = pick([...SITES], this.site);
    const s = await startSession(r.stack, site);
    m.sessions.push({ s, site, seqs: new Map(), next: 0, clock: 0, erased: false });
    r.log.push(`${this.toString()} -> ${s.session_id}`);
  }
  toString = () => `Start(${this.site})`;
}

class DuplicateTabCmd implements fc.AsyncCommand<Model, Real> {
  constructor(readonly who: number) {}
  check = (m: Readonly<Model>) => m.sessions.length > 0;
  async run(m: Model, r: Real) {
    // "Duplicate tab" copies sessionStorage: the copy counts seqs from where the original is.
    const sess = pick(m.sessions, this.who);
    sess.tab = sess.next;
    r.log.push(this.toString());
  }
  toString = () => `DuplicateTab(${this.who})`;
}

class CronCmd implements fc.AsyncCommand<Model, Real> {
  constructor(readonly twice: boolean) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const t = Date.now();
    const outcomes = await Promise.all(this.twice ? [scheduled(r), scheduled(r)] : [scheduled(r)]);
    r.log.push(`${this.toString()} -> ${outcomes.join(',')} ${Date.now() - t}ms`);
    if (!m.pgDown) assert.ok(outcomes.every((o) => o === 'ok'), outcomes.join(','));
  }
  toString = () => (this.twice ? 'TwoCrons' : 'Cron');
}

class PostgresCmd implements fc.AsyncCommand<Model, Real> {
  constructor(readonly down: boolean) {}
  check = (m: Readonly<Model>) => m.pgDown !== this.down;
  async run(m: Model, r: Real) {
    if (this.down) r.stack.postgres.refuse();
    else r.stack.postgres.up();
    m.pgDown = this.down;
    r.log.push(this.toString());
  }
  toString = () => (this.down ? 'PostgresDown' : 'PostgresUp');
}

class ReleaseLateCmd implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>) => m.held > 0;
  async run(m: Model, r: Real) {
    r.releases.shift()?.();
    m.held--;
    await new Promise((ok) => setTimeout(ok, 30));
    r.log.push(this.toString());
  }
  toString = () => 'ReleaseLatePut';
}

class ClearSessionCmd implements fc.AsyncCommand<Model, Real> {
  constructor(readonly who: number) {}
  check = (m: Readonly<Model>) => !m.pgDown && m.sessions.some((s) => !s.erased);
  async run(m: Model, r: Real) {
    const live = m.sessions.filter((s) => !s.erased);
    const sess = pick(live, this.who);
    const res = await asUser(r.stack, r.admin, '/api/admin/storage/clear', { method: 'POST', body: { session_id: sess.s.session_id, confirm: sess.s.session_id } });
    r.log.push(`${this.toString()} ${sess.s.session_id} -> ${res.status}`);
    assert.equal(res.status, 200, await res.text());
    sess.erased = true;
  }
  toString = () => `ClearSession(${this.who})`;
}

class ClearSiteCmd implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>) => !m.pgDown;
  async run(m: Model, r: Real) {
    const site = SITES[1];
    const res = await asUser(r.stack, r.admin, '/api/admin/storage/clear', { method: 'POST', body: { site_id: site, confirm: site } });
    r.log.push(`${this.toString()} -> ${res.status}`);
    assert.equal(res.status, 200, await res.text());
    for (const s of m.sessions) if (s.site === site) s.erased = true;
  }
  toString = () => 'ClearSite';
}

class RetentionCmd implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>) => !m.pgDown;
  async run(m: Model, r: Real) {
    // A session of the side site older than its 1-day retention; the daily run takes it.
    const id = `old_${Math.random().toString(36).slice(2, 12)}`;
    const startedAt = new Date(Date.now() - 3 * DAY_MS);
    const placed = await placeSession(r.stack, SITES[1], id, startedAt, [[{ type: 'click', ts: startedAt.getTime() + 1, x: 1, y: 1, selector: 'a' }]]);
    const outcome = await scheduled(r, '17 3 * * *');
    r.log.push(`${this.toString()} ${id} -> ${outcome}`);
    assert.equal(outcome, 'ok');
    const objects = (await (await r.stack.bucket()).list({ prefix: placed.prefix })).objects.length;
    assert.equal(objects, 0, 'retention deleted the old session from R2');
    assert.equal((await r.stack.db.query('SELECT 1 FROM sessions WHERE id = $1', [id])).rowCount, 0);
  }
  toString = () => 'Retention';
}

const NEWLINE = '\n';

/** The session's stored lines, read from R2 as replay reads them (compacted object + uncovered chunks). */
async function storedLines(stack: Stack, s: StartedSession) {
  const prefix = core.sessionPrefix(s.session_id, s.session_started_at);
  assert.ok(prefix.ok);
  const bucket = await stack.bucket();
  const listed = await bucket.list({ prefix: prefix.key, include: ['customMetadata'] });
  const chunks: Uint8Array[] = [];
  // Every segment's covered seqs (compaction writes several, each naming its own).
  let covered = '';
  const bodies = new Map<string, Uint8Array>();
  for (const o of listed.objects) {
    const obj = await bucket.get(o.key);
    bodies.set(o.key, inflated(new Uint8Array(await obj!.arrayBuffer())));
    const kind = core.parseKey(o.key)?.kind;
    if ((kind === 'compacted' || kind === 'segment') && o.customMetadata?.seqs) covered = covered ? `${covered},${o.customMetadata.seqs}` : o.customMetadata.seqs;
  }
  const inCovered = (seq: number) =>
    covered.split(',').some((p) => {
      if (!p) return false;
      const [lo, hi = lo] = p.split('-').map(Number);
      return seq >= lo && seq <= hi;
    });
  for (const [key, body] of bodies) {
    const parsed = core.parseKey(key);
    if (parsed?.kind === 'compacted' || parsed?.kind === 'segment' || (parsed?.kind === 'chunk' && !inCovered(parsed.seq!))) chunks.push(body);
  }
  const merged = core.mergeReplay(chunks);
  assert.ok(merged.ok);
  const text = new TextDecoder().decode(merged.ndjson);
  return { objects: listed.objects.length, lines: text.split(NEWLINE).filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

async function settleAndCheck(m: Model, r: Real) {
  r.stack.postgres.up();
  m.pgDown = false;
  for (const release of r.releases.splice(0)) release();
  m.held = 0;
  await new Promise((ok) => setTimeout(ok, 150));
  for (let k = 0; k < 2; k++) assert.equal(await scheduled(r), 'ok');
  const bucket = await r.stack.bucket();

  for (const sess of m.sessions) {
    const { objects, lines } = await storedLines(r.stack, sess.s);
    const row = (await r.stack.db.query('SELECT event_count, page_views, clicks, custom_events FROM sessions WHERE id = $1', [sess.s.session_id])).rows[0];
    const markers = (await bucket.list({ prefix: pendingKey(sess.s.session_id, -1) })).objects.length;
    if (sess.erased) {
      assert.equal(objects, 0, `erased session ${sess.s.session_id} has R2 objects left`);
      assert.equal(row, undefined, `erased session ${sess.s.session_id} has a row`);
      assert.equal(markers, 0);
      continue;
    }
    const bySeq = new Map<number, Record<string, unknown>[]>();
    for (const l of lines) {
      const list = bySeq.get(l.seq as number) ?? [];
      list.push(l);
      bySeq.set(l.seq as number, list);
    }
    const shape = (events: { type: unknown; ts: unknown }[]) => events.map((e) => `${e.type}@${e.ts}`).sort().join(' ');
    for (const [seq, st] of sess.seqs) {
      const stored = bySeq.get(seq) ?? [];
      bySeq.delete(seq);
      if (st.acked && st.acked.events.length) {
        assert.equal(shape(stored), shape(st.acked.events), `seq ${seq}: R2 holds what was acknowledged`);
      } else if (stored.length) {
        assert.ok(st.attempts.some((a) => shape(a.events) === shape(stored)), `seq ${seq}: R2 holds bytes no attempt sent`);
      }
    }
    assert.deepEqual([...bySeq.keys()], [], 'no seq in R2 that was never sent');
    const count = (type: string) => lines.filter((l) => l.type === type).length;
    assert.ok(row, `session ${sess.s.session_id} has its row`);
    assert.deepEqual(
      { event_count: row.event_count, page_views: row.page_views, clicks: row.clicks, custom_events: row.custom_events },
      { event_count: lines.length, page_views: count('page_view'), clicks: count('click'), custom_events: count('custom') },
      `session ${sess.s.session_id}: aggregates equal a recount from R2`,
    );
  }
  assert.deepEqual((await bucket.list({ prefix: rootPrefix('pending') })).objects.map((o) => o.key), [], 'no pending marker left');
  assert.deepEqual((await bucket.list({ prefix: rootPrefix('quarantine') })).objects.map((o) => o.key), [], 'nothing quarantined');
}

const commands = [
  fc.nat(3).map((site) => new StartCmd(site)),
  fc
    .tuple(
      fc.nat(10),
      fc.constantFrom<Kind>('next', 'next', 'next', 'tab', 'collide', 'retry', 'retry', 'end'),
      fc.nat(20),
      fc.constantFrom<Fault>('none', 'none', 'none', 'none', 'fail', 'late'),
      fc.boolean(),
    )
    .map(([who, kind, size, fault, cron]) => new BatchCmd(who, kind, size, fault, cron && fault === 'none')),
  fc.nat(10).map((who) => new DuplicateTabCmd(who)),
  fc.boolean().map((twice) => new CronCmd(twice)),
  fc.boolean().map((down) => new PostgresCmd(down)),
  fc.constant(new ReleaseLateCmd()),
  fc.nat(10).map((who) => new ClearSessionCmd(who)),
  fc.constant(new ClearSiteCmd()),
  fc.constant(new RetentionCmd()),
];

describe('lossless ingest, model-based', () => {
  let stack: Stack;
  let admin: Login;

  let stopIgnoring: () => void = () => {};
  before(async () => {
    stopIgnoring = ignoreProxySocketErrors();
    stack = await startStack({ probe: true, vars: { R2_PUT_TIMEOUT_MS: '400' } });
    for (const site of SITES) await seedSite(stack, site);
    await stack.db.query(`UPDATE sites SET retention_days = 1 WHERE id = $1`, [SITES[1]]);
    const a = await makeAdmin(stack);
    admin = await logIn(stack, a.email, a.password);
  });
  after(async () => {
    await stack?.close();
    stopIgnoring();
  });

  it(`keeps every acknowledged event stored and counted once through ${RUNS} random interleavings`, { timeout: 60 * 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: MAX_COMMANDS }), async (cmds) => {
        const real: Real = { stack, admin, gates: new Map(), releases: [], log: [] };
        stack.probe.reset();
        stack.probe.gate = (kind, key) => {
          if (kind !== 'r2/put') return;
          const gate = real.gates.get(key);
          real.gates.delete(key);
          return gate as Promise<void> | 'fail' | undefined;
        };
        const model: Model = { sessions: [], pgDown: false, held: 0 };
        const started = Date.now();
        try {
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          await settleAndCheck(model, real);
          if (process.env.INGEST_MODEL_VERBOSE) console.log(`run: ${Date.now() - started} ms\n  ${real.log.join('\n  ')}`);
        } catch (err) {
          (err as Error).message += `\n  steps:\n    ${real.log.join('\n    ')}`;
          throw err;
        } finally {
          stack.postgres.up();
          for (const release of real.releases.splice(0)) release();
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  });
});
