import { sql, type Kysely, type Transaction } from 'kysely';
import type { CustomerGroup, Database } from '../../db/schema.js';
import type { CustomerGroupFilters, CustomerGroupInput } from './customer-groups.schemas.js';
import { visible } from '../../lib/entities.js';
import { defineList } from '../../lib/list-query.js';

type Executor = Kysely<Database> | Transaction<Database>;

export function findCustomerGroup(db: Executor, id: number): Promise<CustomerGroup | undefined> {
  return db.selectFrom('customer_groups').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Customer groups are few (tens): the list sorts by priority, then name, and shows each group's kept customer count. */
export const customerGroupList = defineList({
  base: visible.customerGroups,
  id: 'g.id',
  filter: (q, f: Partial<CustomerGroupFilters>) => q.$if(Boolean(f.status), (w) => w.where('g.is_active', '=', f.status === 'active' ? 1 : 0)),
  sorts: { priority: { order: 'g.priority {dir}, g.name collate nocase asc' } },
  defaultSort: 'priority',
  defaultDir: 'desc',
  rows: (db) =>
    db
      .selectFrom('customer_groups as g')
      // customers_count is kept by triggers (migration 2026_11_24_1100_group_counts).
      .selectAll('g'),
});

export async function customerGroupStats(db: Executor) {
  const row = await db
    .selectNoFrom((eb) => [
      eb.selectFrom('customer_groups').select(eb.fn.countAll<number>().as('n')).as('total'),
      eb.selectFrom('customer_groups').select(eb.fn.countAll<number>().as('n')).where('is_active', '=', 1).as('active'),
      eb.selectFrom('customer_groups').select(eb.fn.countAll<number>().as('n')).where('discount_percent', '>', 0).as('discounted'),
      eb.selectFrom('customer_groups').select(sql<number>`total(customers_count)`.as('n')).as('customers'),
    ])
    .executeTakeFirstOrThrow();
  return { total: Number(row.total), active: Number(row.active), discounted: Number(row.discounted), customers: Number(row.customers) };
}

export async function groupCodeTaken(db: Executor, code: string, exceptId?: number): Promise<boolean> {
  let q = db.selectFrom('customer_groups').select('id').where(sql`lower(code)`, '=', code.toLowerCase());
  if (exceptId) q = q.where('id', '!=', exceptId);
  return Boolean(await q.executeTakeFirst());
}

export async function countCustomersInGroup(db: Executor, id: number): Promise<number> {
  const row = await db.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n')).where('customer_group_id', '=', id).executeTakeFirstOrThrow();
  return Number(row.n);
}

type GroupValues = Omit<CustomerGroupInput, 'version'>;

export async function insertCustomerGroup(db: Executor, values: GroupValues, now: string): Promise<number> {
  const row = await db.insertInto('customer_groups').values({ ...values, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function updateCustomerGroup(db: Executor, id: number, version: number | null, values: Partial<GroupValues>, now: string): Promise<boolean> {
  let q = db.updateTable('customer_groups').set({ ...values, updated_at: now, version: sql<number>`version + 1` }).where('id', '=', id);
  if (version !== null) q = q.where('version', '=', version);
  return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
}

export async function customerGroupOptions(db: Executor, currentId?: number | null): Promise<{ value: number; label: string }[]> {
  let q = db.selectFrom('customer_groups').select(['id', 'name', 'is_active']);
  q = currentId ? q.where((eb) => eb.or([eb('is_active', '=', 1), eb('id', '=', currentId)])) : q.where('is_active', '=', 1);
  const rows = await q.orderBy('priority', 'desc').orderBy('name').execute();
  return rows.map((r) => ({ value: r.id, label: r.is_active ? r.name : `${r.name} (inactive)` }));
}
