import { sql, type Kysely, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { Customer, Database } from '../../db/schema.js';
import type { Scope } from '../../lib/access.js';
import { ftsQuery, pageByIds } from '../../lib/listing.js';
import { customer, visible } from '../../lib/entities.js';
import { withCurrent, type CurrentChoice } from '../../lib/links.js';
import type { CustomerFilters, CustomerInput } from './customers.schemas.js';

type Executor = Kysely<Database> | Transaction<Database>;
type CustomerQuery<O> = SelectQueryBuilder<Database & { k: Database['customers'] }, 'k', O>;

function applyFilters<O>(q: CustomerQuery<O>, scope: Scope, f: Partial<CustomerFilters>): CustomerQuery<O> {
  if (scope.ownOnly) q = q.where('k.assigned_to', '=', scope.viewer.id);
  for (const key of ['customer_group_id', 'company_id', 'assigned_to'] as const) {
    const v = f[key];
    if (v === 'none') q = q.where(`k.${key}`, 'is', null);
    else if (v) q = q.where(`k.${key}`, '=', v);
  }
  const match = f.q ? ftsQuery(f.q) : null;
  if (match) q = q.where('k.id', 'in', (eb) => eb.selectFrom('customers_fts').select('rowid').where(sql<boolean>`customers_fts match ${match}`));
  return q;
}

const SORTS: Record<string, { sql: string; join?: 'company' | 'group' | 'assigned' }> = {
  name: { sql: 'k.name collate nocase' },
  email: { sql: 'k.email collate nocase' },
  company: { sql: 'c.name collate nocase', join: 'company' },
  group: { sql: 'g.name collate nocase', join: 'group' },
  assigned: { sql: 'u.name collate nocase', join: 'assigned' },
  created_at: { sql: 'k.created_at' },
};

function sortOf(f: Partial<CustomerFilters>) {
  const s = SORTS[f.sort ?? 'name'] ?? SORTS.name;
  const dir = f.dir === 'desc' ? 'desc' : 'asc';
  return { join: s.join, order: sql.raw(`${s.sql} ${dir}, k.id ${dir}`) };
}

function rowsBase(db: Executor) {
  return db
    .selectFrom('customers as k')
    .leftJoin('companies as c', 'c.id', 'k.company_id')
    .leftJoin('customer_groups as g', 'g.id', 'k.customer_group_id')
    .leftJoin('users as u', 'u.id', 'k.assigned_to')
    .select(['k.id', 'k.name', 'k.email', 'k.phone', 'k.company_id', 'k.customer_group_id', 'k.assigned_to', 'k.created_at', 'c.name as company_name', 'g.name as group_name', 'u.name as assigned_name']);
}

export function customerRowsQuery(db: Executor, scope: Scope, f: Partial<CustomerFilters>) {
  return applyFilters(rowsBase(db) as unknown as CustomerQuery<any>, scope, f).orderBy(sortOf(f).order) as unknown as ReturnType<typeof rowsBase>;
}

export type CustomerRow = Awaited<ReturnType<ReturnType<typeof rowsBase>['execute']>>[number];

function countQuery(db: Executor, scope: Scope, f: Partial<CustomerFilters>) {
  return applyFilters(db.selectFrom('customers as k').select((eb) => eb.fn.countAll<number>().as('n')) as unknown as CustomerQuery<{ n: number }>, scope, f);
}

export async function listCustomers(db: Executor, scope: Scope, f: CustomerFilters, pageSize: number): Promise<{ rows: CustomerRow[]; total: number }> {
  const sort = sortOf(f);
  return pageByIds({
    page: f.page,
    pageSize,
    count: async () => Number((await countQuery(db, scope, f).executeTakeFirstOrThrow()).n),
    ids: async (limit, offset) => {
      let idq = db.selectFrom('customers as k') as unknown as CustomerQuery<any>;
      if (sort.join === 'company') idq = (idq as any).leftJoin('companies as c', 'c.id', 'k.company_id');
      if (sort.join === 'group') idq = (idq as any).leftJoin('customer_groups as g', 'g.id', 'k.customer_group_id');
      if (sort.join === 'assigned') idq = (idq as any).leftJoin('users as u', 'u.id', 'k.assigned_to');
      return (await applyFilters(idq.select('k.id'), scope, f).orderBy(sort.order).limit(limit).offset(offset).execute()).map((r) => r.id as number);
    },
    rows: (ids) => rowsBase(db).where('k.id', 'in', ids).orderBy(sort.order).execute(),
  });
}

export async function findCustomer(db: Executor, scope: Scope, id: number) {
  let q = db
    .selectFrom('customers as k')
    .leftJoin('companies as c', 'c.id', 'k.company_id')
    .leftJoin('customer_groups as g', 'g.id', 'k.customer_group_id')
    .leftJoin('users as u', 'u.id', 'k.assigned_to')
    .selectAll('k')
    .select(['c.name as company_name', 'g.name as group_name', 'g.discount_percent', 'u.name as assigned_name', 'u.is_active as assigned_active'])
    .where('k.id', '=', id);
  if (scope.ownOnly) q = q.where('k.assigned_to', '=', scope.viewer.id);
  return q.executeTakeFirst();
}

export function findCustomerRow(db: Executor, id: number): Promise<Customer | undefined> {
  return db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function customersOfCompany(db: Executor, scope: Scope, companyId: number, limit = 10) {
  const f = { company_id: companyId } as Partial<CustomerFilters>;
  const [rows, count] = await Promise.all([
    customerRowsQuery(db, scope, { ...f, sort: 'name', dir: 'asc' }).limit(limit).execute(),
    countQuery(db, scope, f).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

export async function customersOfGroup(db: Executor, scope: Scope, groupId: number, limit = 10) {
  const f = { customer_group_id: groupId } as Partial<CustomerFilters>;
  const [rows, count] = await Promise.all([
    customerRowsQuery(db, scope, { ...f, sort: 'name', dir: 'asc' }).limit(limit).execute(),
    countQuery(db, scope, f).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

export async function customerEmailTaken(db: Executor, email: string, exceptId?: number): Promise<boolean> {
  let q = db.selectFrom('customers').select('id').where(sql`lower(email)`, '=', email.toLowerCase());
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

export async function deleteCustomer(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('customers').where('id', '=', id).execute();
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
