// A bounded load run with exact accounting: many sessions sent concurrently
// the way the tracker sends them (retrying 5xx with the same seq), with faults
// injected part-way (R2 refusing puts, Postgres unreachable, Postgres killed
// and restarted). Afterwards the cron reconciles, and R2's event lines,
// SUM(event_count) and every session's aggregates must equal what was sent.
import assert from 'node:assert/strict';
import pg from 'pg';
import { seedSite, startStack, type Stack } from '../worker/harness/stack.ts';
import { batchBody, storedText, type Event } from '../worker/harness/factories.ts';
import { ignoreProxySocketErrors } from '../worker/harness/proxy-socket-errors.ts';
import { rootPrefix } from '../worker/harness/stored.ts';

export interface LoadOptions {
  sessions: number;
  batchesPerSession: number;
  eventsPerBatch: number;
  concurrency: number;
  /** Inject faults part-way through. */
  faults: boolean;
  /**
   * Kill and restart the real Postgres server as the third fault (otherwise it
   * is made unreachable again). Miniflare's local Hyperdrive proxy then leaves
   * socket errors unhandled, which node's test runner counts as failures, so
   * only the CLI run does this.
   */
  killPostgres?: boolean;
  log?: (line: string) => void;
}

export interface LoadReport {
  sessions: number;
  events_sent: number;
  batches_sent: number;
  requests: number;
  retries: number;
  deferred: number;
  seconds: number;
  batches_per_second: number;
  r2_event_lines: number;
  pg_sum_event_count: number;
  sessions_matching: number;
  reconciled: number;
}

type Expected = { events: number; page_views: number; clicks: number };

function eventsFor(t0: number, seq: number, n: number): Event[] {
  return Array.from({ length: n }, (_, i) => {
    const ts = t0 + seq * 1000 + i;
    return i % 3 === 0
      ? { type: 'page_view', ts, url: `https://load.example/p${(seq + i) % 7}` }
      : i % 3 === 1
        ? { type: 'click', ts, x: i, y: seq, selector: `a#c${i}` }
        : { type: 'scroll', ts, scroll_percent: (seq * 10 + i) % 101 };
  });
}

async function withRetry(stack: Stack, path: string, body: string, counters: { requests: number; retries: number; deferred: number }) {
  for (let attempt = 0; ; attempt++) {
    counters.requests++;
    let status = 0;
    let json: any = null;
    try {
      const res = await stack.fetch(path, { method: 'POST', body });
      status = res.status;
      json = await res.json().catch(() => null);
    } catch {
      status = 599; // the request itself failed: retry like a network error
    }
    if (status < 500) {
      assert.ok(status === 200 || status === 202, `unexpected ${status} ${JSON.stringify(json)}`);
      if (json?.deferred) counters.deferred++;
      return json;
    }
    counters.retries++;
    if (attempt > 60) throw new Error(`gave up on ${path} after ${attempt} attempts (last ${status})`);
    await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
  }
}

export async function runLoad(opts: LoadOptions): Promise<LoadReport> {
  const log = opts.log ?? (() => {});
  const stopIgnoring = ignoreProxySocketErrors();
  const stack = await startStack({ probe: true });
  try {
    const { siteId } = await seedSite(stack, 'load', { domain: 'load.example' });
    const expected = new Map<string, Expected>();
    const counters = { requests: 0, retries: 0, deferred: 0 };
    const total = opts.sessions * opts.batchesPerSession;
    let done = 0;
    let nextSession = 0;
    const started = Date.now();

    const faultAt = new Set([Math.floor(total * 0.2), Math.floor(total * 0.45), Math.floor(total * 0.7)]);
    const fault = async (which: number) => {
      if (!opts.faults) return;
      if (which === 0) {
        log('fault: R2 refuses puts for 1 s');
        stack.probe.faults['r2/put'] = 'fail';
        setTimeout(() => (stack.probe.faults['r2/put'] = 'ok'), 1000);
      } else if (which === 1) {
        log('fault: Postgres unreachable for 2 s');
        stack.postgres.down();
        setTimeout(() => stack.postgres.up(), 2000);
      } else if (!opts.killPostgres) {
        log('fault: Postgres unreachable for 1 s');
        stack.postgres.down();
        setTimeout(() => stack.postgres.up(), 1000);
      } else {
        log('fault: Postgres killed and restarted');
        await stack.db.end().catch(() => undefined);
        stack.pg.stop();
        await new Promise((r) => setTimeout(r, 1000));
        stack.pg.start();
        const db = new pg.Client(stack.pg.superUrl);
        db.on('error', () => {});
        await db.connect();
        stack.db = db;
      }
    };

    async function worker() {
      while (nextSession < opts.sessions) {
        nextSession++;
        const start = await withRetry(stack, '/track/session/start', JSON.stringify({ site_id: siteId, url: 'https://load.example/' }), counters);
        const s = { session_id: start.session_id, session_started_at: start.session_started_at, token: start.token };
        const t0 = Date.parse(s.session_started_at);
        const exp: Expected = { events: 0, page_views: 0, clicks: 0 };
        expected.set(s.session_id, exp);
        for (let seq = 0; seq < opts.batchesPerSession; seq++) {
          const events = eventsFor(t0, seq, opts.eventsPerBatch);
          const last = seq === opts.batchesPerSession - 1;
          const reply = await withRetry(stack, last ? '/track/session/end' : '/track/events/batch', batchBody(s, seq, events), counters);
          assert.equal(reply.accepted, events.length);
          exp.events += events.length;
          exp.page_views += events.filter((e) => e.type === 'page_view').length;
          exp.clicks += events.filter((e) => e.type === 'click').length;
          done++;
          if (faultAt.has(done)) {
            faultAt.delete(done);
            await fault(3 - faultAt.size - 1);
          }
        }
      }
    }
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
    const seconds = (Date.now() - started) / 1000;
    log(`sent ${opts.sessions} sessions in ${seconds.toFixed(1)} s; reconciling`);

    // Reconcile until no pending marker is left (the cron's job).
    const worker_ = await stack.mf.getWorker('edgereplay');
    const bucket = await stack.bucket();
    let reconciled = 0;
    for (let round = 0; round < 20; round++) {
      const pending = (await bucket.list({ prefix: rootPrefix('pending') })).objects.length;
      if (!pending && round > 0) break;
      reconciled += pending;
      await worker_.scheduled({ cron: '*/5 * * * *' });
    }

    // Count every stored event line, once per (session, seq, i).
    const seen = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await bucket.list({ prefix: rootPrefix('sessions'), cursor });
      for (const o of page.objects) {
        const object = await bucket.get(o.key);
        if (!object) continue;
        for (const line of storedText(new Uint8Array(await object.arrayBuffer())).split('\n')) {
          if (!line) continue;
          const e = JSON.parse(line);
          seen.add(`${e.session_id}|${e.seq}|${e.i}`);
        }
      }
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);

    const { rows } = await stack.db.query('SELECT id, event_count, page_views, clicks FROM sessions WHERE site_id = $1', [siteId]);
    let matching = 0;
    let sum = 0;
    for (const r of rows) {
      sum += r.event_count;
      const e = expected.get(r.id);
      if (e && e.events === r.event_count && e.page_views === r.page_views && e.clicks === r.clicks) matching++;
    }
    const eventsSent = [...expected.values()].reduce((n, e) => n + e.events, 0);
    return {
      sessions: opts.sessions,
      events_sent: eventsSent,
      batches_sent: total,
      requests: counters.requests,
      retries: counters.retries,
      deferred: counters.deferred,
      seconds,
      batches_per_second: total / seconds,
      r2_event_lines: seen.size,
      pg_sum_event_count: sum,
      sessions_matching: matching,
      reconciled,
    };
  } finally {
    await stack.close();
    stopIgnoring();
  }
}
