// A Kysely dialect over the request's postgres.js client, for Better Auth.
// Plain queries go straight to the client's pool. Only a transaction reserves
// a connection, and only once the pool has one open: postgres.js 3.4 with
// fetch_types off never settles reserve() on a cold pool (porsager/postgres
// #751, #1203), which is also why kysely-postgres-js (reserve per query)
// hangs here.
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from 'kysely';
import type postgres from 'postgres';
import type { Sql } from '../storage/pg';

class PoolConnection implements DatabaseConnection {
  private reserved: postgres.ReservedSql | null = null;

  constructor(private readonly sql: Sql, private readonly warm: () => Promise<void>) {}

  async reserve(): Promise<void> {
    await this.warm();
    this.reserved = await this.sql.reserve();
  }

  release(): void {
    this.reserved?.release();
    this.reserved = null;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const target = this.reserved ?? this.sql;
    // Named prepared statements, as the tagged templates use: an unnamed one is
    // a single slot per backend, which a multiplexed local Postgres (PGlite's
    // socket server) lets concurrent connections overwrite.
    const result = await target.unsafe(query.sql, [...query.parameters] as never[], { prepare: true });
    const changed = ['INSERT', 'UPDATE', 'DELETE', 'MERGE'].includes(result.command);
    return { rows: [...result] as R[], numAffectedRows: changed ? BigInt(result.count) : undefined };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported');
  }
}

class PostgresJsDriver implements Driver {
  private warmed = false;

  constructor(private readonly sql: Sql) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new PoolConnection(this.sql, async () => {
      if (this.warmed) return;
      await this.sql`SELECT 1`;
      this.warmed = true;
    });
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PoolConnection).reserve();
    await connection.executeQuery(CompiledQuery.raw('BEGIN'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('COMMIT'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('ROLLBACK'));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as PoolConnection).release();
  }

  /** The client belongs to the request (lib/db.ts closes it), not to Kysely. */
  async destroy(): Promise<void> {}
}

export class PostgresJsDialect implements Dialect {
  constructor(private readonly sql: Sql) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PostgresJsDriver(this.sql);
  }
  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
}
