// The embedded Postgres `npm start` runs (scripts/lib/pglite-server.mjs):
// one PGlite backend shared by many connections. The Worker's client
// (postgres.js, prepared statements, the unnamed portal) sends many queries
// at once from several connections, some in transactions, as the dashboard's
// panels do; each must get its own answer.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { freePort, waitForPort } from '../../scripts/lib/ports.mjs';

describe('the embedded Postgres of npm start', () => {
  let child: ChildProcess;
  let url: string;
  const dir = mkdtempSync(join(tmpdir(), 'pglite-'));

  before(async () => {
    const port = await freePort();
    child = spawn(process.execPath, ['scripts/lib/pglite-server.mjs', join(dir, 'data'), String(port), '50'], { stdio: ['ignore', 'ignore', 'inherit'] });
    await waitForPort(port, 60_000);
    url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  });

  after(() => {
    child?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every query of several connections sent at once with its own result', async () => {
    // Five clients as five Worker requests, each with the Worker's own settings (storage/pg.ts).
    const clients = Array.from({ length: 5 }, () => postgres(url, { max: 5, fetch_types: false, prepare: true, connect_timeout: 10 }));
    try {
      const asked: Promise<{ want: number; got: unknown }>[] = [];
      for (let i = 0; i < 200; i++) {
        const sql = clients[i % clients.length];
        // Different statements and row counts, so an answer given to the wrong query shows; every
        // third in a transaction with a time limit, as the Worker's scans of session rows run.
        const one = (q: typeof sql) =>
          i % 2 ? q`SELECT ${i}::int AS n, repeat('x', ${i}) AS pad` : q`SELECT count(*)::int AS n FROM generate_series(1, ${i})`;
        const rows =
          i % 3 === 0
            ? sql.begin(async (tx) => {
                await tx.unsafe('SET LOCAL statement_timeout = 5000');
                return one(tx as unknown as typeof sql);
              })
            : one(sql);
        asked.push(Promise.resolve(rows).then((r) => ({ want: i, got: (r as { n: number }[])[0].n })));
      }
      const answers = await Promise.allSettled(asked);
      const failed = answers.filter((a) => a.status === 'rejected').map((a) => String((a as PromiseRejectedResult).reason));
      assert.deepEqual(failed, [], 'no query failed');
      for (const a of answers) {
        const { want, got } = (a as PromiseFulfilledResult<{ want: number; got: unknown }>).value;
        assert.equal(got, want);
      }
    } finally {
      await Promise.all(clients.map((c) => c.end({ timeout: 5 })));
    }
  });
});
