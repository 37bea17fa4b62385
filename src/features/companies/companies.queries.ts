import { sql, type Kysely, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { Company, Database } from '../../db/schema.js';
import type { Scope } from '../../lib/access.js';
import { ftsQuery, pageByIds } from '../../lib/listing.js';
import { company, visible } from '../../lib/entities.js';
import { withCurrent, type CurrentChoice } from '../../lib/links.js';
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

/** Sort expressions, and the join a sort needs (the id query joins only that one). */
const SORTS: Record<string, { sql: string; join?: 'industry' | 'assigned' }> = {
  name: { sql: 'c.name collate nocase' },
  email: { sql: 'c.email collate nocase' },
  phone: { sql: 'c.phone' },
  website: { sql: 'c.website collate nocase' },
  industry: { sql: 'i.name collate nocase', join: 'industry' },
  assigned: { sql: 'u.name collate nocase', join: 'assigned' },
  created_at: { sql: 'c.created_at' },
};

function sortOf(f: Partial<CompanyFilters>) {
  const s = SORTS[f.sort ?? 'name'] ?? SORTS.name;
  const dir = f.dir === 'desc' ? 'desc' : 'asc';
  return { ...s, order: sql.raw(`${s.sql} ${dir}, c.id ${dir}`) };
}

function rowsBase(db: Executor) {
  return db
    .selectFrom('companies as c')
    .leftJoin('industries as i', 'i.id', 'c.industry_id')
    .leftJoin('company_sizes as s', 's.id', 'c.size_id')
    .leftJoin('users as u', 'u.id', 'c.assigned_to')
    .select([
      'c.id', 'c.name', 'c.email', 'c.phone', 'c.website', 'c.city', 'c.country', 'c.is_active', 'c.assigned_to', 'c.created_at',
      'c.street', 'c.state', 'c.postal_code', 'c.description',
      'i.name as industry_name', 's.name as size_name', 'u.name as assigned_name',
    ]);
}

/** Every matching row, sorted: for the CSV export. */
export function companyRowsQuery(db: Executor, scope: Scope, f: Partial<CompanyFilters>) {
  return applyFilters(rowsBase(db) as unknown as CompanyQuery<any>, scope, f).orderBy(sortOf(f).order) as unknown as ReturnType<typeof rowsBase>;
}

export type CompanyRow = Awaited<ReturnType<ReturnType<typeof rowsBase>['execute']>>[number];

/**
 * One page: the ids are found first (filters and sort over indexes, joining only what the sort
 * needs), then the page's rows are joined — so deep pages skip index entries, not joined rows.
 */
export async function listCompanies(db: Executor, scope: Scope, f: CompanyFilters, pageSize: number): Promise<{ rows: CompanyRow[]; total: number }> {
  const sort = sortOf(f);
  return pageByIds({
    page: f.page,
    pageSize,
    count: async () => Number((await applyFilters(db.selectFrom('companies as c').select((eb) => eb.fn.countAll<number>().as('n')) as unknown as CompanyQuery<{ n: number }>, scope, f).executeTakeFirstOrThrow()).n),
    ids: async (limit, offset) => {
      let idq = db.selectFrom('companies as c') as unknown as CompanyQuery<any>;
      if (sort.join === 'industry') idq = (idq as any).leftJoin('industries as i', 'i.id', 'c.industry_id');
      if (sort.join === 'assigned') idq = (idq as any).leftJoin('users as u', 'u.id', 'c.assigned_to');
      return (await applyFilters(idq.select('c.id'), scope, f).orderBy(sort.order).limit(limit).offset(offset).execute()).map((r) => r.id as number);
    },
    rows: (ids) => rowsBase(db).where('c.id', 'in', ids).orderBy(sort.order).execute(),
  });
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
      eb.selectFrom('deals').select(eb.fn.countAll<number>().as('n')).where('company_id', '=', id).as('deals'),
    ])
    .executeTakeFirstOrThrow();
  return [
    { noun: 'customer', count: Number(row.customers) },
    { noun: 'contact', count: Number(row.contacts) },
    { noun: 'deal', count: Number(row.deals) },
  ];
}

/**
 * Companies for a select box: a bounded list by name, visible to the viewer, with the current
 * choice kept (see withCurrent).
 */
export async function companyOptions(db: Executor, scope: Scope, current: CurrentChoice, search = '', limit = 500): Promise<{ value: number; label: string }[]> {
  const match = search ? ftsQuery(search) : null;
  const rows = await visible
    .companies(db, scope)
    .select(['c.id', 'c.name'])
    .where('c.is_active', '=', 1)
    .$if(Boolean(match), (q) => q.where('c.id', 'in', (eb) => eb.selectFrom('companies_fts').select('rowid').where(sql<boolean>`companies_fts match ${match}`)))
    .orderBy(sql`c.name collate nocase`)
    .limit(limit)
    .execute();
  return (await withCurrent(db, scope, company, rows, current)).map((r) => ({ value: r.id, label: r.name }));
}
