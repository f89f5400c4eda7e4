// The isolate's one core.wasm instance. workerd hands the .wasm import over
// as a compiled WebAssembly.Module (wrangler.toml [[rules]] CompiledWasm).
import coreWasm from '../generated/core.wasm';
import { Core } from './core';

let core: Core | undefined;

export function getCore(): Core {
  core ??= new Core(coreWasm);
  return core;
}
