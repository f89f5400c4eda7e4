// A Node module hook for reading the Worker's source in Node (the route table
// test): `import x from '….wasm'` gives a compiled WebAssembly.Module, as
// workerd's CompiledWasm rule does.
import { readFile } from 'node:fs/promises';

export async function load(url, context, next) {
  if (!url.endsWith('.wasm')) return next(url, context);
  const bytes = await readFile(new URL(url));
  return {
    format: 'module',
    shortCircuit: true,
    source: `export default new WebAssembly.Module(Buffer.from(${JSON.stringify(bytes.toString('base64'))}, 'base64'));`,
  };
}
