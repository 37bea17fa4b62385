import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { DIRECTORY_USAGE, type DirectoryTable } from './directories.kinds.js';

type Executor = Kysely<Database> | Transaction<Database>;

export interface DirectoryItem {
  id: number;
  name: string;
  is_active: number;
  position: number;
  [extra: string]: unknown;
}

export interface Option {
  value: number | string;
  label: string;
}

export function listDirectory(db: Executor, table: DirectoryTable): Promise<DirectoryItem[]> {
  return (db as Kysely<any>).selectFrom(table).selectAll().orderBy('position').orderBy('id').execute() as Promise<DirectoryItem[]>;
}

/** Active items for a select, plus the record's current item even when it was deactivated since. */
export async function directoryOptions(db: Executor, table: DirectoryTable, currentId?: number | null): Promise<Option[]> {
  let q = (db as Kysely<any>).selectFrom(table).select(['id', 'name', 'is_active']);
  q = currentId ? q.where((eb: any) => eb.or([eb('is_active', '=', 1), eb('id', '=', currentId)])) : q.where('is_active', '=', 1);
  const rows = (await q.orderBy('position').orderBy('id').execute()) as { id: number; name: string; is_active: number }[];
  return rows.map((r) => ({ value: r.id, label: r.is_active ? r.name : `${r.name} (inactive)` }));
}

/** True when the id names an item that may be chosen now (active, or the one already chosen). */
export async function isSelectable(db: Executor, table: DirectoryTable, id: number, currentId?: number | null): Promise<boolean> {
  const row = (await (db as Kysely<any>).selectFrom(table).select(['id', 'is_active']).where('id', '=', id).executeTakeFirst()) as { is_active: number } | undefined;
  return Boolean(row && (row.is_active || id === currentId));
}

export function findDirectoryItem(db: Executor, table: DirectoryTable, id: number): Promise<DirectoryItem | undefined> {
  return (db as Kysely<any>).selectFrom(table).selectAll().where('id', '=', id).executeTakeFirst() as Promise<DirectoryItem | undefined>;
}

export async function nameTaken(db: Executor, table: DirectoryTable, name: string, exceptId?: number): Promise<boolean> {
  let q = (db as Kysely<any>).selectFrom(table).select('id').where(sql`lower(name)`, '=', name.toLowerCase());
  if (exceptId) q = q.where('id', '!=', exceptId);
  return Boolean(await q.executeTakeFirst());
}

/** How many records use the item, per kind of record: [{ noun, count }] with count > 0 only. */
export async function directoryUsage(db: Executor, table: DirectoryTable, id: number): Promise<{ noun: string; count: number }[]> {
  const out: { noun: string; count: number }[] = [];
  for (const use of DIRECTORY_USAGE[table]) {
    const row = (await (db as Kysely<any>)
      .selectFrom(use.table)
      .select((eb: any) => eb.fn.countAll().as('n'))
      .where(use.column, '=', id)
      .executeTakeFirstOrThrow()) as { n: number };
    if (Number(row.n) > 0) out.push({ noun: use.noun, count: Number(row.n) });
  }
  return out;
}

export async function nextPosition(db: Executor, table: DirectoryTable): Promise<number> {
  const row = (await (db as Kysely<any>).selectFrom(table).select(sql<number>`coalesce(max(position), 0) + 1`.as('p')).executeTakeFirstOrThrow()) as { p: number };
  return row.p;
}

export async function insertDirectoryItem(db: Executor, table: DirectoryTable, values: Record<string, unknown>): Promise<number> {
  const row = (await (db as Kysely<any>).insertInto(table).values(values).returning('id').executeTakeFirstOrThrow()) as { id: number };
  return row.id;
}

export async function updateDirectoryItem(db: Executor, table: DirectoryTable, id: number, values: Record<string, unknown>): Promise<void> {
  await (db as Kysely<any>).updateTable(table).set(values).where('id', '=', id).execute();
}

export async function deleteDirectoryItem(db: Executor, table: DirectoryTable, id: number): Promise<void> {
  await (db as Kysely<any>).deleteFrom(table).where('id', '=', id).execute();
}

/** Writes the new order: position = index in `ids` (ids not in the table are ignored). */
export async function reorderDirectory(db: Executor, table: DirectoryTable, ids: number[]): Promise<void> {
  for (const [i, id] of ids.entries()) {
    await (db as Kysely<any>).updateTable(table).set({ position: i + 1 }).where('id', '=', id).execute();
  }
}
