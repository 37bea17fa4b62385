import { sql, type Kysely, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { Company, Database } from '../../db/schema.js';
import type { Scope } from '../../lib/access.js';
import { ftsQuery } from '../../lib/listing.js';
import { defineList } from '../../lib/list-query.js';
import { company, visible } from '../../lib/entities.js';
import { withCurrent, type CurrentChoice } from '../../lib/links.js';
import type { CompanyFilters, CompanyInput } from './companies.schemas.js';

type Executor = Kysely<Database> | Transaction<Database>;
/**
 * The companies list: filters on the scoped base query, sorts (with the join a sort needs),
 * rows with their joins; count, ids-first paging and export come from defineList.
 */
export const companyList = defineList({
  base: visible.companies,
  id: 'c.id',
  filter: (q, f: Partial<CompanyFilters>) =>
    q
      .$if(Boolean(f.status), (w) => w.where('c.is_active', '=', f.status === 'active' ? 1 : 0))
      .$if(f.industry_id === 'none', (w) => w.where('c.industry_id', 'is', null))
      .$if(typeof f.industry_id === 'number', (w) => w.where('c.industry_id', '=', Number(f.industry_id)))
      .$if(f.assigned_to === 'none', (w) => w.where('c.assigned_to', 'is', null))
      .$if(typeof f.assigned_to === 'number', (w) => w.where('c.assigned_to', '=', Number(f.assigned_to))),
  search: { table: 'companies_fts', match: (f) => (f.q ? ftsQuery(f.q) : null) },
  sorts: {
    name: { order: 'c.name collate nocase' },
    email: { order: 'c.email collate nocase' },
    phone: { order: 'c.phone' },
    website: { order: 'c.website collate nocase' },
    // Linked names are kept on the company for sorting (migration 2026_11_24_1000_sort_keys).
    industry: { order: 'c.industry_sort collate nocase' },
    assigned: { order: 'c.assigned_sort collate nocase' },
    created_at: { order: 'c.created_at' },
  },
  defaultSort: 'name',
  defaultDir: 'asc',
  rows: (db) =>
    db
      .selectFrom('companies as c')
      .leftJoin('industries as i', 'i.id', 'c.industry_id')
      .leftJoin('company_sizes as s', 's.id', 'c.size_id')
      .leftJoin('users as u', 'u.id', 'c.assigned_to')
      .select([
        'c.id', 'c.name', 'c.email', 'c.phone', 'c.website', 'c.city', 'c.country', 'c.is_active', 'c.assigned_to', 'c.created_at',
        'c.street', 'c.state', 'c.postal_code', 'c.description',
        'i.name as industry_name', 's.name as size_name', 'u.name as assigned_name',
      ]),
});

export type CompanyRow = Awaited<ReturnType<typeof companyList.page>>['rows'][number];

/** One company as its detail page shows it, or undefined when missing or not visible. */
export async function findCompany(db: Executor, scope: Scope, id: number) {
  return visible
    .companies(db, scope)
    .leftJoin('industries as i', 'i.id', 'c.industry_id')
    .leftJoin('company_sizes as s', 's.id', 'c.size_id')
    .leftJoin('users as u', 'u.id', 'c.assigned_to')
    .selectAll('c')
    .select(['i.name as industry_name', 's.name as size_name', 'u.name as assigned_name', 'u.is_active as assigned_active'])
    .where('c.id', '=', id)
    .executeTakeFirst();
}

export async function companyEmailTaken(db: Executor, email: string, exceptId?: number): Promise<boolean> {
  // `is not null` lets SQLite use the partial unique index on lower(email) instead of scanning.
  let q = db.selectFrom('companies').select('id').where('email', 'is not', null).where(sql`lower(email)`, '=', email.toLowerCase());
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

/** How many companies a list's filter select lists before "Find company" is needed. */
export const FILTER_OPTIONS = 50;

/**
 * Companies for a select box: a bounded list by name, visible to the viewer, with the current
 * choice kept (see withCurrent).
 */
export async function companyOptions(db: Executor, scope: Scope, current: CurrentChoice, search = '', limit = 500): Promise<{ value: number; label: string }[]> {
  const match = search ? ftsQuery(search) : null;
  // A rep who sees many companies gets them by walking the name index (see entities ownOnly).
  const many = scope.ownOnly && (await companyList.summary(db, scope, {})).capped;
  const rows = await visible
    .companies(db, scope, many)
    .select(['c.id', 'c.name'])
    .where('c.is_active', '=', 1)
    .$if(Boolean(match), (q) => q.where('c.id', 'in', (eb) => eb.selectFrom('companies_fts').select('rowid').where(sql<boolean>`companies_fts match ${match}`)))
    .orderBy(sql`c.name collate nocase`)
    .limit(limit)
    .execute();
  return (await withCurrent(db, scope, company, rows, current)).map((r) => ({ value: r.id, label: r.name }));
}
