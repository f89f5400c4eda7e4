// Postgres, the source of truth, reached through Hyperdrive with postgres.js:
// the client and the rules every statement follows. Every statement is a
// tagged template: values travel as bind parameters, never as SQL text. The
// queries live beside this file, one pg-*.ts per subject; they hold no HTTP.
import postgres from 'postgres';

export type Sql = postgres.Sql;

/**
 * One client per request: Workers cannot share sockets across requests.
 * fetch_types: false skips postgres.js's pg_catalog read on every connection
 * (Cloudflare's Hyperdrive guide does the same); max 5 stays under the
 * Workers limit of 6 simultaneous open connections.
 */
export function connect(connectionString: string): Sql {
  return postgres(connectionString, { max: 5, fetch_types: false, prepare: true, connect_timeout: 5, idle_timeout: 5 });
}

/**
 * Text PostgreSQL can store: no U+0000, and no UTF-16 surrogate outside a pair
 * (a referrer or a decoded UTM value can hold either). A data error is the
 * client's, never a 500.
 */
export function storable<T extends string | null>(text: T): T {
  if (text === null) return text;
  return text.replace(/\u0000/g, '').replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD') as T;
}

export async function ping(sql: Sql): Promise<void> {
  await sql`SELECT 1`;
}
