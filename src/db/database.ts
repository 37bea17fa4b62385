import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, sql, type RawBuilder, SqliteAdapter, SqliteDialect, SqliteDriver, SqliteQueryCompiler, ValueNode, type DatabaseConnection, type LimitNode } from 'kysely';
import type { Database } from './schema.js';

/**
 * SQLite runs DDL inside transactions; Kysely's adapter says it doesn't, which would let a failing
 * migration leave a half-migrated file. Claiming support makes the Migrator wrap the whole run
 * in one transaction.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/**
 * Transactions take the write lock when they begin (BEGIN IMMEDIATE). With a second connection
 * writing (the import and webhook worker threads), a deferred transaction that read first and
 * then wrote would fail at once with SQLITE_BUSY (its snapshot is stale, so SQLite cannot wait);
 * an immediate one waits its turn under busy_timeout instead.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * A LIMIT is written into the SQL as a number, not bound as a parameter. SQLite (3.47+) reads a
 * bound LIMIT's value while planning and marks the statement to be planned again whenever that
 * parameter is bound — on every run of a kept statement: a deals page of the API spent more time
 * re-preparing its query than reading its 51 rows. Page sizes are few, so the kept statements
 * (cachedStatements) stay few. OFFSET and every other value stay parameters.
 */
export class InlineLimitCompiler extends SqliteQueryCompiler {
  protected override visitLimit(node: LimitNode): void {
    const limit = node.limit;
    if (ValueNode.is(limit) && Number.isSafeInteger(limit.value)) this.append(`limit ${limit.value as number}`);
    else super.visitLimit(node);
  }
}

/** A LIMIT in a raw `sql` template, written as a number for the same reason (InlineLimitCompiler). */
export function sqlLimit(n: number): RawBuilder<unknown> {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`A LIMIT must be a whole number, not ${n}`);
  return sql.lit(n);
}

/** The SQLite dialect every Kysely instance of the app uses (tests that log queries too). */
export class OrchardSqliteDialect extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0];
  constructor(config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config);
    this.#config = config;
  }
  override createAdapter() {
    return new TransactionalDdlSqliteAdapter();
  }
  override createDriver() {
    return new ImmediateSqliteDriver(this.#config);
  }
  override createQueryCompiler() {
    return new InlineLimitCompiler();
  }
}

export type DB = Kysely<Database>;

export interface OpenedDatabase {
  db: DB;
  sqlite: SQLite.Database;
}

export function openSqlite(file: string): SQLite.Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('temp_store = MEMORY');
  // Keep the query planner's statistics fresh (new indexes after a migration have none, and
  // without them SQLite may walk the wrong index). analysis_limit keeps this quick on big files.
  sqlite.pragma('analysis_limit = 1000');
  sqlite.pragma('optimize = 0x10002');
  return sqlite;
}

/** A statement as Kysely's SQLite driver uses it. */
interface DriverStatement {
  readonly reader: boolean;
  readonly busy: boolean;
  all(params: unknown): unknown[];
  iterate(params: unknown): IterableIterator<unknown>;
  run(params: unknown): SQLite.RunResult;
}

/**
 * A reading statement whose rows are built here rather than by better-sqlite3: it reads each row
 * as an array (raw mode) and makes the object with a constructor compiled for its column names —
 * objects of one shape, built and later serialized about twice as fast as better-sqlite3 builds
 * them property by property (51 rows × 11 columns: 120 → 65 µs). Same keys in the same order;
 * with a repeated name the last column wins, as before. A statement SQLite re-prepares after a
 * schema change may return other columns: the constructor is rebuilt when the width differs.
 */
function objectRows(stmt: SQLite.Statement): DriverStatement {
  stmt.raw(true);
  let width = -1;
  let make: (r: unknown[]) => unknown = () => ({});
  const shape = () => {
    const names = stmt.columns().map((c) => c.name);
    width = names.length;
    make = new Function('r', `return {${names.map((n, i) => `${JSON.stringify(n)}: r[${i}]`).join(', ')}};`) as typeof make;
  };
  shape();
  return {
    reader: true,
    get busy() {
      return stmt.busy;
    },
    all(params) {
      const rows = stmt.all(params) as unknown[][];
      if (rows.length && rows[0].length !== width) shape();
      for (let i = 0; i < rows.length; i++) rows[i] = make(rows[i]) as unknown[];
      return rows;
    },
    *iterate(params) {
      for (const r of stmt.iterate(params) as IterableIterator<unknown[]>) {
        if (r.length !== width) shape();
        yield make(r);
      }
    },
    run: (params) => stmt.run(params),
  };
}

const driverStatement = (stmt: SQLite.Statement): DriverStatement => (stmt.reader ? objectRows(stmt) : (stmt as unknown as DriverStatement));

/**
 * Kysely's driver prepares every statement it runs; parsing and planning cost more than running
 * most of our queries (~10 % of a list page's CPU under load). This keeps prepared statements by
 * their SQL text, least recently used out first. A statement still being iterated (a streamed
 * export) is busy: a second user of the same SQL gets a fresh one.
 */
export function cachedStatements(sqlite: SQLite.Database, size = 500): { close(): void; prepare(source: string): DriverStatement } {
  const cache = new Map<string, DriverStatement>();
  return {
    close: () => sqlite.close(),
    prepare(source: string) {
      const hit = cache.get(source);
      if (hit) {
        if (hit.busy) return driverStatement(sqlite.prepare(source));
        cache.delete(source);
        cache.set(source, hit);
        return hit;
      }
      const stmt = driverStatement(sqlite.prepare(source));
      cache.set(source, stmt);
      if (cache.size > size) cache.delete(cache.keys().next().value as string);
      return stmt;
    },
  };
}

export function openDatabase(file: string): OpenedDatabase {
  const sqlite = openSqlite(file);
  const db = new Kysely<Database>({ dialect: new OrchardSqliteDialect({ database: cachedStatements(sqlite) }) });
  return { db, sqlite };
}
