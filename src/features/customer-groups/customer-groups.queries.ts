import { sql, type Kysely, type Transaction } from 'kysely';
import type { CustomerGroup, Database } from '../../db/schema.js';
import type { CustomerGroupInput } from './customer-groups.schemas.js';

type Executor = Kysely<Database> | Transaction<Database>;

export function findCustomerGroup(db: Executor, id: number): Promise<CustomerGroup | undefined> {
  return db.selectFrom('customer_groups').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Groups with their customer counts: one grouped count over the (customer_group_id) index. */
export async function listCustomerGroups(db: Executor, status?: 'active' | 'inactive') {
  let q = db
    .selectFrom('customer_groups as g')
    .leftJoin(
      (eb) => eb.selectFrom('customers').select(['customer_group_id', (e) => e.fn.countAll<number>().as('n')]).where('customer_group_id', 'is not', null).groupBy('customer_group_id').as('cc'),
      (join) => join.onRef('cc.customer_group_id', '=', 'g.id'),
    )
    .selectAll('g')
    .select(sql<number>`coalesce(cc.n, 0)`.as('customers_count'));
  if (status) q = q.where('g.is_active', '=', status === 'active' ? 1 : 0);
  return q.orderBy('g.priority', 'desc').orderBy(sql`g.name collate nocase`).execute();
}

export async function customerGroupStats(db: Executor) {
  const row = await db
    .selectNoFrom((eb) => [
      eb.selectFrom('customer_groups').select(eb.fn.countAll<number>().as('n')).as('total'),
      eb.selectFrom('customer_groups').select(eb.fn.countAll<number>().as('n')).where('is_active', '=', 1).as('active'),
      eb.selectFrom('customer_groups').select(eb.fn.countAll<number>().as('n')).where('discount_percent', '>', 0).as('discounted'),
      eb.selectFrom('customers').select(eb.fn.countAll<number>().as('n')).where('customer_group_id', 'is not', null).as('customers'),
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

export async function deleteCustomerGroup(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('customer_groups').where('id', '=', id).execute();
}

export async function customerGroupOptions(db: Executor, currentId?: number | null): Promise<{ value: number; label: string }[]> {
  let q = db.selectFrom('customer_groups').select(['id', 'name', 'is_active']);
  q = currentId ? q.where((eb) => eb.or([eb('is_active', '=', 1), eb('id', '=', currentId)])) : q.where('is_active', '=', 1);
  const rows = await q.orderBy('priority', 'desc').orderBy('name').execute();
  return rows.map((r) => ({ value: r.id, label: r.is_active ? r.name : `${r.name} (inactive)` }));
}
