// The Worker bundle exactly as wrangler built it (build/worker/index.js),
// made importable by plain Node for benchmarks: its two workerd-only imports
// are rewritten to read globals this file sets. `cloudflare:sockets` becomes
// the node:net shim in ./cloudflare-sockets.mjs, and the core.wasm import the
// WebAssembly.Module compiled here, as workerd's CompiledWasm rule hands it
// over. Nothing else in the bundle changes.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as sockets from './cloudflare-sockets.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUILT = `${ROOT}build/worker/`;
const OUT = `${ROOT}bench/out/worker-node/`;

/** Writes the rewritten copy once; returns its path and the core.wasm bytes' path. */
export function prepareBundle() {
  let js = readFileSync(`${BUILT}index.js`, 'utf8');
  const wasmFile = readdirSync(BUILT).find((f) => f.endsWith('.wasm') && js.includes(f));
  const wasmImport = new RegExp(`import ([A-Za-z_$][\\w$]*) from"\\./${wasmFile.replace(/\./g, '\\.')}";`);
  const m = js.match(wasmImport);
  if (!m) throw new Error('core.wasm import not found in the bundle');
  js = js.replace(wasmImport, `const ${m[1]}=globalThis.__edgereplayCoreWasm;`);
  if (!js.includes('import("cloudflare:sockets")')) throw new Error('cloudflare:sockets import not found in the bundle');
  js = js.replaceAll('import("cloudflare:sockets")', 'Promise.resolve(globalThis.__edgereplaySockets)');
  mkdirSync(OUT, { recursive: true });
  writeFileSync(`${OUT}index.mjs`, js);
  return { script: `${OUT}index.mjs`, wasm: `${BUILT}${wasmFile}` };
}

/** Compiles core.wasm (timed by the caller) and sets the globals the copy reads. */
export function compileCore(wasmPath) {
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  globalThis.__edgereplayCoreWasm = module;
  globalThis.__edgereplaySockets = sockets;
  // workerd has navigator; Node 20 does not.
  globalThis.navigator ??= { userAgent: 'Cloudflare-Workers' };
  return module;
}

export async function importWorker(script) {
  return (await import(pathToFileURL(script).href)).default;
}
