// A D1 database for the migration scripts, through `wrangler d1 execute
// --json`, shaped like the Workers binding (prepare/bind/all/first/run,
// batch), so each script's logic runs unchanged on a Miniflare D1 in tests.
// wrangler's --command takes no bound parameters: values are inlined as SQL
// literals (sqlLiteral), which the scripts only do with values they read from
// their own databases.
import { spawnSync } from 'node:child_process';

export function sqlLiteral(value) {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? '1' : '0';
  return `'${String(value).replace(/'/g, "''")}'`;
}

/** Replaces ?1, ?2, … with the literals of the bound values. */
export function inline(sql, params) {
  return sql.replace(/\?(\d+)/g, (_, n) => {
    const i = Number(n) - 1;
    if (i >= params.length) throw new Error(`no value bound for ?${n}`);
    return sqlLiteral(params[i]);
  });
}

/**
 * `target`: { local: true, persistTo } or { remote: true }; `database`: the
 * binding or database name from wrangler.toml.
 */
export function wranglerD1({ database = 'DB', remote = false, persistTo, wrangler = 'npx wrangler' } = {}) {
  const [command, ...prefix] = wrangler.split(' ');
  // --command, not --file: with --remote, --file goes through D1's import,
  // which answers no rows.
  const execute = (sqlText) => {
    const where = remote ? ['--remote'] : ['--local', ...(persistTo ? ['--persist-to', persistTo] : [])];
    const r = spawnSync(command, [...prefix, 'd1', 'execute', database, ...where, '--json', '--command', sqlText], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' },
    });
    if (r.status !== 0) throw new Error(`wrangler d1 execute failed: ${(r.stderr || r.stdout).trim().slice(-2000)}`);
    return JSON.parse(r.stdout.slice(r.stdout.indexOf('[')));
  };
  const statement = (sqlText, params = []) => ({
    text: () => inline(sqlText, params),
    bind: (...values) => statement(sqlText, values),
    all: async () => ({ results: execute(inline(sqlText, params))[0]?.results ?? [] }),
    first: async () => execute(inline(sqlText, params))[0]?.results?.[0] ?? null,
    run: async () => execute(inline(sqlText, params))[0] ?? {},
  });
  return {
    prepare: (sqlText) => statement(sqlText),
    batch: async (statements) => {
      if (!statements.length) return [];
      const results = execute(statements.map((s) => `${s.text()};`).join('\n'));
      return results.map((r) => ({ results: r.results ?? [], meta: r.meta ?? {} }));
    },
  };
}

/** The flags every D1 script takes (for node:util parseArgs): where the database is. */
export const D1_TARGET_OPTIONS = {
  local: { type: 'boolean' },
  remote: { type: 'boolean' },
  'persist-to': { type: 'string' },
  database: { type: 'string' },
};

/** The D1 target from command-line flags: --remote, or local (default) with --persist-to. */
export function d1FromArgs(values) {
  if (values.remote && values.local) throw new Error('choose --local or --remote');
  return wranglerD1({ database: values.database ?? 'DB', remote: Boolean(values.remote), persistTo: values['persist-to'] ?? '.local/wrangler' });
}
