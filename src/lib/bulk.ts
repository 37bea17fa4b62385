import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

/** An SQL identifier, quoted (a table, column or alias name from our own definitions). */
export const quoteId = (name: string) => `"${name.replaceAll('"', '""')}"`;
const texts = new Map<string, string>();

/**
 * Many rows in multi-row INSERTs of up to `per` rows, as compiled SQL with positional
 * parameters: the same statement Kysely would build, without building it. For an import batch
 * the query builder's work (a node per value, frozen, then visited) cost about as much
 * JavaScript as checking the rows. `row` is each row's placeholders — `(?, ?, …)` with one `?`
 * per value in `values`, or SQL around them; the statement text is made once per shape and
 * row count (and prepared once: db/database cachedStatements). With `returning`, that column
 * of every row written, in statement order.
 */
export async function insertRows(
  db: Executor,
  table: keyof Database,
  columns: readonly string[],
  values: readonly (readonly unknown[])[],
  o: { row?: string; returning?: string; per?: number } = {},
): Promise<unknown[]> {
  const row = o.row ?? `(${columns.map(() => '?').join(', ')})`;
  const per = o.per ?? 100;
  const out: unknown[] = [];
  for (let i = 0; i < values.length; i += per) {
    const chunk = values.slice(i, i + per);
    const key = `${table}\u0001${columns.join(',')}\u0001${row}\u0001${chunk.length}\u0001${o.returning ?? ''}`;
    let text = texts.get(key);
    if (!text) {
      text = `insert into ${quoteId(table)} (${columns.map(quoteId).join(', ')}) values ${Array.from({ length: chunk.length }, () => row).join(', ')}${o.returning ? ` returning ${quoteId(o.returning)}` : ''}`;
      texts.set(key, text);
    }
    const result = await db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(text, chunk.flat()));
    if (o.returning) for (const r of result.rows) out.push(r[o.returning]);
  }
  return out;
}
