// The built Worker in Miniflare with only the bindings a test names: for the
// states the full stack cannot take, such as a deployment without Hyperdrive.
import { Miniflare } from 'miniflare';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOKEN_SECRET } from './stack.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export async function startBareWorker(opts: { d1?: boolean; r2?: boolean } = {}) {
  const persist = mkdtempSync(join(tmpdir(), 'edgereplay-bare-'));
  const mf = new Miniflare({
    defaultPersistRoot: persist,
    modules: true,
    scriptPath: join(ROOT, 'build/worker/index.js'),
    modulesRoot: join(ROOT, 'build/worker'),
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2026-04-01',
    compatibilityFlags: ['nodejs_compat'],
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
