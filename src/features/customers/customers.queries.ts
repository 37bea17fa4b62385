import { sql, type Kysely, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { Customer, Database } from '../../db/schema.js';
import type { Scope } from '../../lib/access.js';
import { ftsQuery } from '../../lib/listing.js';
import { defineList } from '../../lib/list-query.js';
import { customer, visible } from '../../lib/entities.js';
import { withCurrent, type CurrentChoice } from '../../lib/links.js';
import type { CustomerFilters, CustomerInput } from './customers.schemas.js';

type Executor = Kysely<Database> | Transaction<Database>;
/** The customers list (see lib/list-query): filters, sorts with their joins, rows. */
export const customerList = defineList({
  base: visible.customers,
  id: 'k.id',
  filter: (q, f: Partial<CustomerFilters>) =>
    q
      .$if(f.customer_group_id === 'none', (w) => w.where('k.customer_group_id', 'is', null))
      .$if(typeof f.customer_group_id === 'number', (w) => w.where('k.customer_group_id', '=', Number(f.customer_group_id)))
      .$if(f.company_id === 'none', (w) => w.where('k.company_id', 'is', null))
      .$if(typeof f.company_id === 'number', (w) => w.where('k.company_id', '=', Number(f.company_id)))
      .$if(f.assigned_to === 'none', (w) => w.where('k.assigned_to', 'is', null))
      .$if(typeof f.assigned_to === 'number', (w) => w.where('k.assigned_to', '=', Number(f.assigned_to))),
  search: { table: 'customers_fts', match: (f) => (f.q ? ftsQuery(f.q) : null) },
  sorts: {
    name: { order: 'k.name collate nocase' },
    email: { order: 'k.email collate nocase' },
    // Linked names are kept on the customer for sorting (migration 2026_11_24_1000_sort_keys).
    company: { order: 'k.company_sort collate nocase' },
    group: { order: 'k.group_sort collate nocase' },
    assigned: { order: 'k.assigned_sort collate nocase' },
    created_at: { order: 'k.created_at' },
  },
  defaultSort: 'name',
  defaultDir: 'asc',
  rows: (db) =>
    db
      .selectFrom('customers as k')
      .leftJoin('companies as c', 'c.id', 'k.company_id')
      .leftJoin('customer_groups as g', 'g.id', 'k.customer_group_id')
      .leftJoin('users as u', 'u.id', 'k.assigned_to')
      .select(['k.id', 'k.name', 'k.email', 'k.phone', 'k.company_id', 'k.customer_group_id', 'k.assigned_to', 'k.created_at', 'c.name as company_name', 'g.name as group_name', 'u.name as assigned_name']),
});

export type CustomerRow = Awaited<ReturnType<typeof customerList.page>>['rows'][number];

export async function findCustomer(db: Executor, scope: Scope, id: number) {
  return visible
    .customers(db, scope)
    .leftJoin('companies as c', 'c.id', 'k.company_id')
    .leftJoin('customer_groups as g', 'g.id', 'k.customer_group_id')
    .leftJoin('users as u', 'u.id', 'k.assigned_to')
    .selectAll('k')
    .select(['c.name as company_name', 'g.name as group_name', 'g.discount_percent', 'u.name as assigned_name', 'u.is_active as assigned_active'])
    .where('k.id', '=', id)
    .executeTakeFirst();
}

export function customersOfCompany(db: Executor, scope: Scope, companyId: number, limit = 10) {
  return customerList.first(db, scope, { company_id: companyId, sort: 'name', dir: 'asc' }, limit);
}

export function customersOfGroup(db: Executor, scope: Scope, groupId: number, limit = 10) {
  return customerList.first(db, scope, { customer_group_id: groupId, sort: 'name', dir: 'asc' }, limit);
}

export async function customerEmailTaken(db: Executor, email: string, exceptId?: number): Promise<boolean> {
  // `is not null` lets SQLite use the partial unique index on lower(email) instead of scanning.
  let q = db.selectFrom('customers').select('id').where('email', 'is not', null).where(sql`lower(email)`, '=', email.toLowerCase());
  if (exceptId) q = q.where('id', '!=', exceptId);
  return Boolean(await q.executeTakeFirst());
}

type CustomerValues = Omit<CustomerInput, 'version'>;

export async function insertCustomer(db: Executor, values: CustomerValues, now: string): Promise<number> {
  const row = await db.insertInto('customers').values({ ...values, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function updateCustomer(db: Executor, id: number, version: number | null, values: Partial<CustomerValues>, now: string): Promise<boolean> {
  let q = db.updateTable('customers').set({ ...values, updated_at: now, version: sql<number>`version + 1` }).where('id', '=', id);
  if (version !== null) q = q.where('version', '=', version);
  return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
}

/** Customers for a select box: those of the chosen company, bounded, visible, current choice kept. */
export async function customerOptions(db: Executor, scope: Scope, companyId: number | null, current: CurrentChoice): Promise<{ value: number; label: string }[]> {
  const rows = await visible
    .customers(db, scope)
    .select(['k.id', 'k.name'])
    .$if(Boolean(companyId), (q) => q.where('k.company_id', '=', companyId))
    .orderBy(sql`k.name collate nocase`)
    .limit(300)
    .execute();
  return (await withCurrent(db, scope, customer, rows, current)).map((r) => ({ value: r.id, label: r.name }));
}
