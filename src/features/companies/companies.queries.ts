import { sql, type Kysely, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { Company, Database } from '../../db/schema.js';
import type { Scope } from '../../lib/access.js';
import { ftsQuery } from '../../lib/listing.js';
import type { CompanyFilters, CompanyInput } from './companies.schemas.js';

type Executor = Kysely<Database> | Transaction<Database>;
type CompanyQuery<O> = SelectQueryBuilder<Database & { c: Database['companies'] }, 'c', O>;

/** The filters of the list page, applied to companies aliased `c`; visibility first. */
function applyFilters<O>(q: CompanyQuery<O>, scope: Scope, f: Partial<CompanyFilters>): CompanyQuery<O> {
  if (scope.ownOnly) q = q.where('c.assigned_to', '=', scope.viewer.id);
  if (f.status) q = q.where('c.is_active', '=', f.status === 'active' ? 1 : 0);
  if (f.industry_id === 'none') q = q.where('c.industry_id', 'is', null);
  else if (f.industry_id) q = q.where('c.industry_id', '=', f.industry_id);
  if (f.assigned_to === 'none') q = q.where('c.assigned_to', 'is', null);
  else if (f.assigned_to) q = q.where('c.assigned_to', '=', f.assigned_to);
  const match = f.q ? ftsQuery(f.q) : null;
  if (match) q = q.where('c.id', 'in', (eb) => eb.selectFrom('companies_fts').select('rowid').where(sql<boolean>`companies_fts match ${match}`));
  return q;
}

const SORT_SQL: Record<string, string> = {
  name: 'c.name collate nocase',
  email: 'c.email collate nocase',
  phone: 'c.phone',
  website: 'c.website collate nocase',
  industry: 'i.name collate nocase',
  assigned: 'u.name collate nocase',
  created_at: 'c.created_at',
};

export function companyRowsQuery(db: Executor, scope: Scope, f: Partial<CompanyFilters>) {
  const dir = f.dir === 'desc' ? 'desc' : 'asc';
  const q = db
    .selectFrom('companies as c')
    .leftJoin('industries as i', 'i.id', 'c.industry_id')
    .leftJoin('company_sizes as s', 's.id', 'c.size_id')
    .leftJoin('users as u', 'u.id', 'c.assigned_to')
    .select([
      'c.id', 'c.name', 'c.email', 'c.phone', 'c.website', 'c.city', 'c.country', 'c.is_active', 'c.assigned_to', 'c.created_at',
      'c.street', 'c.state', 'c.postal_code', 'c.description',
      'i.name as industry_name', 's.name as size_name', 'u.name as assigned_name',
    ]);
  return applyFilters(q as unknown as CompanyQuery<any>, scope, f)
    .orderBy(sql.raw(`${SORT_SQL[f.sort ?? 'name'] ?? SORT_SQL.name} ${dir}`))
    .orderBy(sql.raw(`c.id ${dir}`)) as typeof q;
}

export type CompanyRow = Awaited<ReturnType<ReturnType<typeof companyRowsQuery>['execute']>>[number];

export async function listCompanies(db: Executor, scope: Scope, f: CompanyFilters, pageSize: number): Promise<{ rows: CompanyRow[]; total: number }> {
  const countQ = applyFilters(db.selectFrom('companies as c').select((eb) => eb.fn.countAll<number>().as('n')) as unknown as CompanyQuery<{ n: number }>, scope, f);
  const { n } = await countQ.executeTakeFirstOrThrow();
  const total = Number(n);
  const page = Math.min(f.page, Math.max(1, Math.ceil(total / pageSize)));
  const rows = await companyRowsQuery(db, scope, f).limit(pageSize).offset((page - 1) * pageSize).execute();
  return { rows, total };
}

/** One company as its detail page shows it, or undefined when missing or not visible. */
export async function findCompany(db: Executor, scope: Scope, id: number) {
  let q = db
    .selectFrom('companies as c')
    .leftJoin('industries as i', 'i.id', 'c.industry_id')
    .leftJoin('company_sizes as s', 's.id', 'c.size_id')
    .leftJoin('users as u', 'u.id', 'c.assigned_to')
    .selectAll('c')
    .select(['i.name as industry_name', 's.name as size_name', 'u.name as assigned_name', 'u.is_active as assigned_active'])
    .where('c.id', '=', id);
  if (scope.ownOnly) q = q.where('c.assigned_to', '=', scope.viewer.id);
  return q.executeTakeFirst();
}

export function findCompanyRow(db: Executor, id: number): Promise<Company | undefined> {
  return db.selectFrom('companies').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function companyEmailTaken(db: Executor, email: string, exceptId?: number): Promise<boolean> {
  let q = db.selectFrom('companies').select('id').where(sql`lower(email)`, '=', email.toLowerCase());
  if (exceptId) q = q.where('id', '!=', exceptId);
  return Boolean(await q.executeTakeFirst());
}

type CompanyValues = Omit<CompanyInput, 'version'>;

export async function insertCompany(db: Executor, values: CompanyValues, now: string): Promise<number> {
  const row = await db.insertInto('companies').values({ ...values, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function updateCompany(db: Executor, id: number, version: number | null, values: Partial<CompanyValues>, now: string): Promise<boolean> {
  let q = db
    .updateTable('companies')
    .set({ ...values, updated_at: now, version: sql<number>`version + 1` })
    .where('id', '=', id);
  if (version !== null) q = q.where('version', '=', version);
  const res = await q.executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function deleteCompany(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('companies').where('id', '=', id).execute();
}

/** What points at a company: each blocks its deletion. */
export async function companyDependents(db: Executor, id: number): Promise<{ noun: string; count: number }[]> {
  const row = await db
    .selectNoFrom((eb) => [
      eb.selectFrom('customers').select(eb.fn.countAll<number>().as('n')).where('company_id', '=', id).as('customers'),
      eb.selectFrom('contacts').select(eb.fn.countAll<number>().as('n')).where('company_id', '=', id).as('contacts'),
    ])
    .executeTakeFirstOrThrow();
  return [
    { noun: 'customer', count: Number(row.customers) },
    { noun: 'contact', count: Number(row.contacts) },
  ];
}

/** Companies for a select box: a bounded list by name (plus the current one). */
export async function companyOptions(db: Executor, scope: Scope, currentId?: number | null): Promise<{ value: number; label: string }[]> {
  let q = db.selectFrom('companies as c').select(['c.id', 'c.name']).where('c.is_active', '=', 1);
  if (scope.ownOnly) q = q.where('c.assigned_to', '=', scope.viewer.id);
  const rows = await q.orderBy(sql`c.name collate nocase`).limit(500).execute();
  if (currentId && !rows.some((r) => r.id === currentId)) {
    const cur = await db.selectFrom('companies').select(['id', 'name']).where('id', '=', currentId).executeTakeFirst();
    if (cur) rows.unshift(cur);
  }
  return rows.map((r) => ({ value: r.id, label: r.name }));
}
