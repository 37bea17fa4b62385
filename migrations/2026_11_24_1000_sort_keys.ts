import { sql, type Kysely } from 'kysely';

/**
 * Lists sorted by a linked record's name (contacts by company, deals by customer …) sorted every
 * matching row through a join: 100,000 contacts per page view. Each such sort now reads a kept
 * copy of the name on the row itself, with an index, so a page walks that index and stops.
 * Triggers keep the copies exact on every write path: a row gets its link's name when inserted
 * or relinked; a renamed (or re-positioned) company, customer, group, industry, user or stage
 * updates the rows linked to it; a deleted one clears them.
 */
export interface SortKey {
  table: string;
  column: string;
  fk: string;
  ref: string;
  refColumn: string;
  type: 'text' | 'integer';
}

export const SORT_KEYS: SortKey[] = [
  { table: 'companies', column: 'industry_sort', fk: 'industry_id', ref: 'industries', refColumn: 'name', type: 'text' },
  { table: 'companies', column: 'assigned_sort', fk: 'assigned_to', ref: 'users', refColumn: 'name', type: 'text' },
  { table: 'contacts', column: 'company_sort', fk: 'company_id', ref: 'companies', refColumn: 'name', type: 'text' },
  { table: 'contacts', column: 'assigned_sort', fk: 'assigned_to', ref: 'users', refColumn: 'name', type: 'text' },
  { table: 'customers', column: 'company_sort', fk: 'company_id', ref: 'companies', refColumn: 'name', type: 'text' },
  { table: 'customers', column: 'group_sort', fk: 'customer_group_id', ref: 'customer_groups', refColumn: 'name', type: 'text' },
  { table: 'customers', column: 'assigned_sort', fk: 'assigned_to', ref: 'users', refColumn: 'name', type: 'text' },
  { table: 'deals', column: 'company_sort', fk: 'company_id', ref: 'companies', refColumn: 'name', type: 'text' },
  { table: 'deals', column: 'customer_sort', fk: 'customer_id', ref: 'customers', refColumn: 'name', type: 'text' },
  { table: 'deals', column: 'assigned_sort', fk: 'assigned_to', ref: 'users', refColumn: 'name', type: 'text' },
  { table: 'deals', column: 'stage_sort', fk: 'stage_id', ref: 'deal_stages', refColumn: 'position', type: 'integer' },
];

export async function up(db: Kysely<any>): Promise<void> {
  await addSortKeys(db, SORT_KEYS);
}

/** Adds each kept sort key: the column, its index and the triggers that keep it (later migrations reuse it). */
export async function addSortKeys(db: Kysely<any>, keys: SortKey[]): Promise<void> {
  for (const k of keys) {
    const name = `${k.table}_${k.column}`;
    const lookup = (id: string) => `(select ${k.refColumn} from ${k.ref} where id = ${id})`;
    const collate = k.type === 'text' ? ' collate nocase' : '';
    await sql.raw(`alter table ${k.table} add column ${k.column} ${k.type}`).execute(db);
    await sql.raw(`update ${k.table} set ${k.column} = ${lookup(`${k.table}.${k.fk}`)} where ${k.fk} is not null`).execute(db);
    await sql.raw(`create index ${name} on ${k.table} (${k.column}${collate}, id)`).execute(db);
    await sql.raw(`create trigger ${name}_ai after insert on ${k.table} when new.${k.fk} is not null begin
      update ${k.table} set ${k.column} = ${lookup(`new.${k.fk}`)} where id = new.id; end`).execute(db);
    await sql.raw(`create trigger ${name}_au after update of ${k.fk} on ${k.table} begin
      update ${k.table} set ${k.column} = ${lookup(`new.${k.fk}`)} where id = new.id; end`).execute(db);
    await sql.raw(`create trigger ${name}_ref_au after update of ${k.refColumn} on ${k.ref} begin
      update ${k.table} set ${k.column} = new.${k.refColumn} where ${k.fk} = new.id; end`).execute(db);
    await sql.raw(`create trigger ${name}_ref_ad before delete on ${k.ref} begin
      update ${k.table} set ${k.column} = null where ${k.fk} = old.id; end`).execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await dropSortKeys(db, SORT_KEYS);
}

export async function dropSortKeys(db: Kysely<any>, keys: SortKey[]): Promise<void> {
  for (const k of keys) {
    const name = `${k.table}_${k.column}`;
    for (const t of ['ai', 'au', 'ref_au', 'ref_ad']) await sql.raw(`drop trigger if exists ${name}_${t}`).execute(db);
    await sql.raw(`drop index if exists ${name}`).execute(db);
    await sql.raw(`alter table ${k.table} drop column ${k.column}`).execute(db);
  }
}
