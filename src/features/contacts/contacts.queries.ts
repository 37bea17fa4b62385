import { sql, type Kysely, type SelectQueryBuilder, type Transaction } from 'kysely';
import { insertRows } from '../../lib/bulk.js';
import type { Contact, Database } from '../../db/schema.js';
import type { Scope } from '../../lib/access.js';
import { ftsQuery } from '../../lib/listing.js';
import { defineList } from '../../lib/list-query.js';
import { contact, visible } from '../../lib/entities.js';
import type { ContactFilters, ContactInput } from './contacts.schemas.js';

type Executor = Kysely<Database> | Transaction<Database>;
/** The contacts list (see lib/list-query): filters, sorts with their joins, rows. */
export const contactList = defineList({
  base: visible.contacts,
  id: 'p.id',
  filter: (q, f: Partial<ContactFilters>) =>
    q
      .$if(f.company_id === 'none', (w) => w.where('p.company_id', 'is', null))
      .$if(typeof f.company_id === 'number', (w) => w.where('p.company_id', '=', Number(f.company_id)))
      .$if(f.assigned_to === 'none', (w) => w.where('p.assigned_to', 'is', null))
      .$if(typeof f.assigned_to === 'number', (w) => w.where('p.assigned_to', '=', Number(f.assigned_to))),
  search: { table: 'contacts_fts', match: (f) => (f.q ? ftsQuery(f.q) : null) },
  sorts: {
    name: { order: 'p.last_name collate nocase {dir}, p.first_name collate nocase {dir}' },
    first_name: { order: 'p.first_name collate nocase' },
    email: { order: 'p.email collate nocase' },
    // Linked names are kept on the contact for sorting (migration 2026_11_24_1000_sort_keys).
    company: { order: 'p.company_sort collate nocase' },
    assigned: { order: 'p.assigned_sort collate nocase' },
    created_at: { order: 'p.created_at' },
  },
  defaultSort: 'name',
  defaultDir: 'asc',
  rows: (db) =>
    db
      .selectFrom('contacts as p')
      .leftJoin('companies as c', 'c.id', 'p.company_id')
      .leftJoin('users as u', 'u.id', 'p.assigned_to')
      .select(['p.id', 'p.first_name', 'p.last_name', 'p.position', 'p.email', 'p.phone', 'p.company_id', 'p.assigned_to', 'p.created_at', 'c.name as company_name', 'u.name as assigned_name']),
});

export type ContactRow = Awaited<ReturnType<typeof contactList.page>>['rows'][number];

export async function findContact(db: Executor, scope: Scope, id: number) {
  return visible
    .contacts(db, scope)
    .leftJoin('companies as c', 'c.id', 'p.company_id')
    .leftJoin('users as u', 'u.id', 'p.assigned_to')
    .selectAll('p')
    .select(['c.name as company_name', 'u.name as assigned_name', 'u.is_active as assigned_active'])
    .where('p.id', '=', id)
    .executeTakeFirst();
}

/** The first contacts of a company for its detail page, with the total. */
export function contactsOfCompany(db: Executor, scope: Scope, companyId: number, limit = 10) {
  return contactList.first(db, scope, { company_id: companyId, sort: 'name', dir: 'asc' }, limit);
}

type ContactValues = Omit<ContactInput, 'version'>;

export async function insertContact(db: Executor, values: ContactValues, now: string): Promise<number> {
  return (await insertContacts(db, [values], now))[0];
}

/**
 * Many contacts in multi-row INSERTs (100 a statement), their ids in the order given: a rowid
 * table gives each inserted row the next id, so the ids of one statement sorted ascending are its
 * rows in order (RETURNING itself promises no order).
 */
export async function insertContacts(db: Executor, values: readonly ContactValues[], now: string): Promise<number[]> {
  // The kept sort keys are in the row as it is written (the insert triggers then leave it alone).
  const ids = (await insertRows(
    db,
    'contacts',
    [...CONTACT_COLUMNS, 'company_sort', 'assigned_sort', 'created_at', 'updated_at'],
    values.map((v) => [...CONTACT_COLUMNS.map((c) => v[c] ?? null), v.company_id ?? null, v.assigned_to ?? null, now, now]),
    { row: `(${CONTACT_COLUMNS.map(() => '?').join(', ')}, (select name from companies where id = ?), (select name from users where id = ?), ?, ?)`, returning: 'id' },
  )) as number[];
  // One statement's ids sorted ascending are its rows in order; statements run in order.
  const out: number[] = [];
  for (let i = 0; i < ids.length; i += 100) out.push(...ids.slice(i, i + 100).sort((a, b) => a - b));
  return out;
}

/** A contact's columns as its form writes them, in INSERT order: every field of the form (checked here at compile time). */
export const CONTACT_COLUMNS = ['first_name', 'last_name', 'position', 'email', 'phone', 'company_id', 'assigned_to'] as const satisfies readonly (keyof ContactValues)[];
const everyField: [Exclude<keyof ContactValues, (typeof CONTACT_COLUMNS)[number]>] extends [never] ? true : never = true;
void everyField;

export async function updateContact(db: Executor, id: number, version: number | null, values: Partial<ContactValues>, now: string): Promise<boolean> {
  let q = db.updateTable('contacts').set({ ...values, updated_at: now, version: sql<number>`version + 1` }).where('id', '=', id);
  if (version !== null) q = q.where('version', '=', version);
  return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
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
