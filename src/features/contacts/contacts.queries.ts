import { sql, type Kysely, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { Contact, Database } from '../../db/schema.js';
import type { Scope } from '../../lib/access.js';
import { ftsQuery, pageByIds } from '../../lib/listing.js';
import { contact, visible } from '../../lib/entities.js';
import type { ContactFilters, ContactInput } from './contacts.schemas.js';

type Executor = Kysely<Database> | Transaction<Database>;
type ContactQuery<O> = SelectQueryBuilder<Database & { p: Database['contacts'] }, 'p', O>;

function applyFilters<O>(q: ContactQuery<O>, scope: Scope, f: Partial<ContactFilters>): ContactQuery<O> {
  if (scope.ownOnly) q = q.where('p.assigned_to', '=', scope.viewer.id);
  if (f.company_id === 'none') q = q.where('p.company_id', 'is', null);
  else if (f.company_id) q = q.where('p.company_id', '=', f.company_id);
  if (f.assigned_to === 'none') q = q.where('p.assigned_to', 'is', null);
  else if (f.assigned_to) q = q.where('p.assigned_to', '=', f.assigned_to);
  const match = f.q ? ftsQuery(f.q) : null;
  if (match) q = q.where('p.id', 'in', (eb) => eb.selectFrom('contacts_fts').select('rowid').where(sql<boolean>`contacts_fts match ${match}`));
  return q;
}

const SORTS: Record<string, { sql: (d: string) => string; join?: 'company' | 'assigned' }> = {
  name: { sql: (d) => `p.last_name collate nocase ${d}, p.first_name collate nocase ${d}` },
  first_name: { sql: (d) => `p.first_name collate nocase ${d}` },
  email: { sql: (d) => `p.email collate nocase ${d}` },
  company: { sql: (d) => `c.name collate nocase ${d}`, join: 'company' },
  assigned: { sql: (d) => `u.name collate nocase ${d}`, join: 'assigned' },
  created_at: { sql: (d) => `p.created_at ${d}` },
};

function sortOf(f: Partial<ContactFilters>) {
  const s = SORTS[f.sort ?? 'name'] ?? SORTS.name;
  const dir = f.dir === 'desc' ? 'desc' : 'asc';
  return { join: s.join, order: sql.raw(`${s.sql(dir)}, p.id ${dir}`) };
}

function rowsBase(db: Executor) {
  return db
    .selectFrom('contacts as p')
    .leftJoin('companies as c', 'c.id', 'p.company_id')
    .leftJoin('users as u', 'u.id', 'p.assigned_to')
    .select(['p.id', 'p.first_name', 'p.last_name', 'p.position', 'p.email', 'p.phone', 'p.company_id', 'p.assigned_to', 'p.created_at', 'c.name as company_name', 'u.name as assigned_name']);
}

export function contactRowsQuery(db: Executor, scope: Scope, f: Partial<ContactFilters>) {
  return applyFilters(rowsBase(db) as unknown as ContactQuery<any>, scope, f).orderBy(sortOf(f).order) as unknown as ReturnType<typeof rowsBase>;
}

export type ContactRow = Awaited<ReturnType<ReturnType<typeof rowsBase>['execute']>>[number];

function countQuery(db: Executor, scope: Scope, f: Partial<ContactFilters>) {
  return applyFilters(db.selectFrom('contacts as p').select((eb) => eb.fn.countAll<number>().as('n')) as unknown as ContactQuery<{ n: number }>, scope, f);
}

export async function listContacts(db: Executor, scope: Scope, f: ContactFilters, pageSize: number): Promise<{ rows: ContactRow[]; total: number }> {
  const sort = sortOf(f);
  return pageByIds({
    page: f.page,
    pageSize,
    count: async () => Number((await countQuery(db, scope, f).executeTakeFirstOrThrow()).n),
    ids: async (limit, offset) => {
      let idq = db.selectFrom('contacts as p') as unknown as ContactQuery<any>;
      if (sort.join === 'company') idq = (idq as any).leftJoin('companies as c', 'c.id', 'p.company_id');
      if (sort.join === 'assigned') idq = (idq as any).leftJoin('users as u', 'u.id', 'p.assigned_to');
      return (await applyFilters(idq.select('p.id'), scope, f).orderBy(sort.order).limit(limit).offset(offset).execute()).map((r) => r.id as number);
    },
    rows: (ids) => rowsBase(db).where('p.id', 'in', ids).orderBy(sort.order).execute(),
  });
}

export async function findContact(db: Executor, scope: Scope, id: number) {
  let q = db
    .selectFrom('contacts as p')
    .leftJoin('companies as c', 'c.id', 'p.company_id')
    .leftJoin('users as u', 'u.id', 'p.assigned_to')
    .selectAll('p')
    .select(['c.name as company_name', 'u.name as assigned_name', 'u.is_active as assigned_active'])
    .where('p.id', '=', id);
  if (scope.ownOnly) q = q.where('p.assigned_to', '=', scope.viewer.id);
  return q.executeTakeFirst();
}

export function findContactRow(db: Executor, id: number): Promise<Contact | undefined> {
  return db.selectFrom('contacts').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The first contacts of a company for its detail page, with the total. */
export async function contactsOfCompany(db: Executor, scope: Scope, companyId: number, limit = 10) {
  const f = { company_id: companyId } as Partial<ContactFilters>;
  const [rows, count] = await Promise.all([
    contactRowsQuery(db, scope, { ...f, sort: 'name', dir: 'asc' }).limit(limit).execute(),
    countQuery(db, scope, f).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

type ContactValues = Omit<ContactInput, 'version'>;

export async function insertContact(db: Executor, values: ContactValues, now: string): Promise<number> {
  const row = await db.insertInto('contacts').values({ ...values, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function updateContact(db: Executor, id: number, version: number | null, values: Partial<ContactValues>, now: string): Promise<boolean> {
  let q = db.updateTable('contacts').set({ ...values, updated_at: now, version: sql<number>`version + 1` }).where('id', '=', id);
  if (version !== null) q = q.where('version', '=', version);
  return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
}

export async function deleteContact(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('contacts').where('id', '=', id).execute();
}

export function contactName(c: { first_name: string | null; last_name: string | null }): string {
  return [c.first_name, c.last_name].filter(Boolean).join(' ');
}

/**
 * Contacts for a deal form: the chosen company's people (or the first by name), visible to the
 * viewer, plus the chosen ones — the record's own links as it names them, ids from a URL only
 * when visible.
 */
export async function contactOptions(db: Executor, scope: Scope, companyId: number | null, chosen: number[], own: { id: number; name: string }[] = []) {
  const rows = await visible
    .contacts(db, scope)
    .leftJoin('companies as c', 'c.id', 'p.company_id')
    .select(['p.id', 'p.first_name', 'p.last_name', 'c.name as company_name'])
    .$if(Boolean(companyId), (q) => q.where('p.company_id', '=', companyId))
    .orderBy(sql`p.last_name collate nocase`)
    .limit(300)
    .execute();
  const options = rows.map((r) => ({ value: r.id, label: contactName(r) + (r.company_name && !companyId ? ` · ${r.company_name}` : '') }));
  const missing = chosen.filter((id) => !rows.some((r) => r.id === id));
  const ownMissing = own.filter((o) => missing.includes(o.id));
  const looked = await contact.named(db, scope, missing.filter((id) => !ownMissing.some((o) => o.id === id)));
  return [...[...ownMissing, ...looked].map((r) => ({ value: r.id, label: r.name })), ...options];
}
