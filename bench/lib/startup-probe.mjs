// One cold start of the Worker in this fresh Node process (no loaders, no
// tsx): core.wasm compiled, the bundle's modules evaluated, then the first
// request that instantiates the core (a batch with a wrong token: validated,
// refused, no binding touched). Prints JSON; bench/worker-cpu.ts runs it.
import { compileCore, importWorker } from './node-bundle.mjs';

const [script, wasm] = process.argv.slice(2);
const t0 = performance.now();
compileCore(wasm);
const compiled = performance.now();
const worker = await importWorker(script);
const evaluated = performance.now();
const body = JSON.stringify({
  session_id: 'abcdefgh12345678', session_started_at: new Date().toISOString(), token: `site_x.${'A'.repeat(43)}`, seq: 0,
  events: [{ type: 'click', ts: Date.now(), x: 1, y: 1, selector: 'a' }],
});
const env = { TOKEN_SECRET: 'probe-secret-of-at-least-thirty-two-bytes', TRACK_LIMITER: { limit: async () => ({ success: true }) } };
const res = await worker.fetch(new Request('http://edgereplay.test/track/events/batch', { method: 'POST', body }), env, { waitUntil() {}, passThroughOnException() {} });
const first = performance.now();
if (res.status !== 403) throw new Error(`startup probe answered ${res.status}: ${await res.text()}`);
console.log(JSON.stringify({ wasm_compile_ms: compiled - t0, module_eval_ms: evaluated - compiled, first_core_request_ms: first - evaluated }));
