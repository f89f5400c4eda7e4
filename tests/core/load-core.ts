// Loads js-shim/generated/core.wasm in Node the way the Worker does in workerd:
// a compiled WebAssembly.Module handed to the Core wrapper.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Core } from '../../js-shim/src/core.ts';

export const CORE_WASM_PATH = fileURLToPath(new URL('../../js-shim/generated/core.wasm', import.meta.url));

export function coreModule(): WebAssembly.Module {
  return new WebAssembly.Module(readFileSync(CORE_WASM_PATH));
}

export function loadCore(): Core {
  return new Core(coreModule());
}
