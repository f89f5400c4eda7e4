// The isolate's one core.wasm instance. workerd hands the .wasm import over
// as a compiled WebAssembly.Module (wrangler.toml [[rules]] CompiledWasm).
import coreWasm from '../generated/core.wasm';
import { MAX_BATCH_BYTES, MAX_EVENT_BYTES } from './contract';
import { Core } from './core';

let core: Core | undefined;

export function getCore(): Core {
  if (!core) {
    core = new Core(coreWasm);
    core.setLimits({ maxEventBytes: MAX_EVENT_BYTES, maxBatchBytes: MAX_BATCH_BYTES });
  }
  return core;
}
