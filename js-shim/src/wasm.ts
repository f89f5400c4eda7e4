// The isolate's one core.wasm instance. workerd hands the .wasm import over
// as a compiled WebAssembly.Module (wrangler.toml [[rules]] CompiledWasm).
import coreWasm from '../generated/core.wasm';
import { Core } from './core';

let core: Core | undefined;

export function getCore(): Core {
  if (!core) {
    core = new Core(coreWasm);
    // rrweb full snapshots are large single events; a batch stays under 1 MiB.
    core.setLimits({ maxEventBytes: 512 * 1024, maxBatchBytes: 1024 * 1024 });
  }
  return core;
}
