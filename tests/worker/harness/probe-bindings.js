// Wrapped bindings for tests: each wraps the REAL local R2 bucket or D1
// database and reports every call to the test process (PROBE), which answers
// with the fault to inject, if any. The real binding still does the work.
async function ask(env, what, key) {
  const res = await env.PROBE.fetch(`http://probe/${what}${key === undefined ? '' : `?key=${encodeURIComponent(typeof key === 'string' ? key : JSON.stringify(key))}`}`);
  const mode = await res.text();
  if (mode === 'fail') throw new Error(`injected failure: ${what}`);
  if (mode === 'hang') await new Promise(() => {});
}

export function r2(env) {
  const real = env.REAL;
  return {
    put: async (key, value, options) => (await ask(env, 'r2/put', key), real.put(key, value, options)),
    get: async (key, options) => (await ask(env, 'r2/get', key), real.get(key, options)),
    head: async (key) => (await ask(env, 'r2/head', key), real.head(key)),
    list: async (options) => (await ask(env, 'r2/list', options?.prefix ?? ''), real.list(options)),
    delete: async (keys) => (await ask(env, 'r2/delete', keys), real.delete(keys)),
  };
}

export function d1(env) {
  const real = env.REAL;
  const unwrap = new WeakMap();
  const wrap = (stmt) => {
    const w = {
      bind: (...args) => wrap(stmt.bind(...args)),
      first: async (...a) => (await ask(env, 'd1/read'), stmt.first(...a)),
      all: async () => (await ask(env, 'd1/read'), stmt.all()),
      raw: async (...a) => (await ask(env, 'd1/read'), stmt.raw(...a)),
      run: async () => (await ask(env, 'd1/write'), stmt.run()),
    };
    unwrap.set(w, stmt);
    return w;
  };
  return {
    prepare: (query) => wrap(real.prepare(query)),
    batch: async (statements) => {
      await ask(env, `d1/batch/${statements.length}`);
      return real.batch(statements.map((s) => unwrap.get(s) ?? s));
    },
    exec: async (query) => (await ask(env, 'd1/exec'), real.exec(query)),
    dump: () => real.dump(),
  };
}
