import type SQLite from 'better-sqlite3';

/**
 * Figures worked out from the database (the dashboard's counts and sums), reused while the
 * database has not changed since — so a page that many managers keep open costs its SQL once
 * per change, not once per view, and stays exact: nothing is served after any write.
 *
 * "Not changed" is the connection's own writes (`total_changes()`, which every INSERT, UPDATE
 * and DELETE on it raises, committed or rolled back) and every other connection's or process's
 * commits (`PRAGMA data_version`). Figures read while a transaction is open on the connection,
 * or while a write slipped in between the reads, are served but not kept.
 */
export class FigureCache<T> {
  private readonly entries = new Map<string, { stamp: string; value: T }>();
  // Two kept statements: the pragma_data_version table function would prepare its PRAGMA again on
  // every read (a fifth of this call's cost, and it is taken on every API request).
  private readonly version: SQLite.Statement;
  private readonly changes: SQLite.Statement;

  constructor(
    private readonly sqlite: SQLite.Database,
    private readonly max = 500,
  ) {
    this.version = sqlite.prepare('pragma data_version').pluck();
    this.changes = sqlite.prepare('select total_changes()').pluck();
  }

  /** Where the database stands (null inside a transaction: nothing is kept then). */
  stamp(): string | null {
    if (this.sqlite.inTransaction) return null;
    return `${this.version.get() as number}:${this.changes.get() as number}`;
  }

  /** `at`: a stamp the caller just took (one per request serves several caches on the same connection). */
  async get(key: string, compute: () => Promise<T>, at?: string | null): Promise<T> {
    const before = at === undefined ? this.stamp() : at;
    const hit = this.entries.get(key);
    if (before !== null && hit?.stamp === before) return hit.value;
    const value = await compute();
    if (before !== null && this.stamp() === before) {
      this.entries.delete(key);
      this.entries.set(key, { stamp: before, value });
      if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    }
    return value;
  }
}
