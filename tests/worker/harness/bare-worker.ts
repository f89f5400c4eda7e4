// The built Worker in Miniflare with only the bindings a test names: for the
// states the full stack cannot take, such as a deployment without Hyperdrive.
import { Miniflare } from 'miniflare';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_WORKER, TOKEN_SECRET } from './stack.ts';

export async function startBareWorker(opts: { d1?: boolean; r2?: boolean } = {}) {
  const persist = mkdtempSync(join(tmpdir(), 'edgereplay-bare-'));
  const mf = new Miniflare({
    defaultPersistRoot: persist,
    ...BUILT_WORKER,
    bindings: { TOKEN_SECRET, BATCH_INTERVAL_MS: '20000' },
    ...(opts.r2 !== false ? { r2Buckets: { EVENTS: 'edgereplay-events' } } : {}),
    ...(opts.d1 !== false ? { d1Databases: { DB: 'edgereplay-cache' } } : {}),
  });
  await mf.ready;
  return {
    fetch: (path: string, init?: RequestInit) => mf.dispatchFetch(`http://edgereplay.test${path}`, init as never) as unknown as Promise<Response>,
    close: async () => {
      await mf.dispose();
      rmSync(persist, { recursive: true, force: true });
    },
  };
}
