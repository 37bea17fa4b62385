import { sql, type SelectQueryBuilder } from 'kysely';
import type { Database } from '../../db/schema.js';
import { visible } from '../../lib/entities.js';
import type { Scope } from '../../lib/access.js';
import { ConflictError, ValidationError } from '../../lib/errors.js';
import type { Trx } from '../../lib/writes.js';
import { contactFormSchema, type ContactInput } from '../contacts/contacts.schemas.js';
import { CONTACT_FIELDS, createContact, createContacts, deleteContactChecked, updateContactFromForm } from '../contacts/contacts.service.js';
import { companyFormSchema } from '../companies/companies.schemas.js';
import { COMPANY_FIELDS, createCompany, deleteCompanyChecked, updateCompanyFromForm } from '../companies/companies.service.js';
import { createDirectoryItem } from '../directories/directories.service.js';
import { customerFormSchema } from '../customers/customers.schemas.js';
import { leadFormSchema } from '../leads/leads.schemas.js';
import { dealFormSchema } from '../deals/deals.schemas.js';
import { createDeal, deleteDealChecked } from '../deals/deals.service.js';
import { LEAD_FIELDS, createLead, deleteLeadChecked, updateLeadFromForm } from '../leads/leads.service.js';
import { CUSTOMER_FIELDS, createCustomer, deleteCustomerChecked, updateCustomerFromForm } from '../customers/customers.service.js';
import { norm, splitName, type ImportField } from './import.mapping.js';

/** What an import chose besides the mapping. */
export interface ImportOptions {
  /** A row whose email (or name) is already in Orchard: skip it, update that record, or create another. */
  duplicates: 'skip' | 'update' | 'create';
  /** A name not in Orchard (a contact's company, a company's industry or size): create it, or leave the field empty. */
  unknownValues: 'create' | 'empty';
}
export const DEFAULT_OPTIONS: ImportOptions = { duplicates: 'skip', unknownValues: 'create' };

/** Directory lookups for a batch of rows, made once per batch (no query per row). */
export interface Lookups {
  users: Map<string, number>;
  /** Named things rows point to, by lowercased name: companies (for contacts), industries and sizes. */
  companies: Map<string, number>;
  industries: Map<string, number>;
  sizes: Map<string, number>;
  groups?: Map<string, number>;
  sources?: Map<string, number>;
  statuses?: Map<string, number>;
  /** Pipelines by lowercased name, and each pipeline's stages by lowercased name; the default pipeline. */
  pipelines?: Map<string, { id: number; stages: Map<string, number> }>;
  defaultPipeline?: number | null;
  duplicates: Map<string, { id: number; version: number }>;
}

export type Mapped = Record<string, string | null>;

/** A create `write` left for `createMany`: the checked input and the typed values (for messages). */
export interface PendingCreate {
  input: unknown;
  values: Record<string, unknown>;
}

/** A row's outcome; `pending` (with id null) when its create waits for the batch's `createMany`. */
export interface WriteResult {
  outcome: 'created' | 'updated' | 'skipped';
  id: number | null;
  reason?: string;
  touched?: Touched[];
  pending?: PendingCreate;
}

/** A record an import wrote: kept in import_records for revert. */
export interface Touched {
  entity_type: 'contact' | 'company' | 'customer' | 'lead' | 'deal';
  entity_id: number;
  action: 'created' | 'updated';
  version_after: number;
  before: Record<string, unknown> | null;
}

export interface Importer {
  kind: 'contact' | 'company' | 'customer' | 'lead' | 'deal';
  label: string;
  /** The plural for "Import contacts". */
  plural: string;
  fields: ImportField[];
  /** The template CSV offered under /import: its header and example rows. */
  template: { head: string[]; rows: string[][] };
  /** What makes two records the same, for the duplicates choice ("email", "name"), and its value in a row. */
  duplicateBy: string;
  duplicateKey(row: Mapped): string | null;
  /** The preview table's columns: a key of preview().values and its heading. */
  previewColumns: [string, string][];
  /** What "not in Orchard" means for this kind's lookups ("Companies", "Industries and sizes"). */
  unknownLabel: string;
  /** Lookups among what the importer may see (own visibility: their records only). */
  lookups(trx: Trx, scope: Scope, rows: Mapped[]): Promise<Lookups>;
  /** Names in the rows that no directory knows (listed in the preview with the choice). */
  unknown(rows: Mapped[], l: Lookups): { values: string[]; users: string[] };
  /** Write one row through the entity's own schema and service; throws ValidationError. `touched`: what revert must undo. */
  write(trx: Trx, scope: Scope, row: Mapped, l: Lookups, o: ImportOptions, defer?: boolean): Promise<WriteResult>;
  /**
   * Creates many records through the entity's own bulk service (multi-row INSERTs): the rows
   * `write` deferred (`pending`), each an id or why it was refused. Importers without it create row by row.
   */
  /** Creates at once; each record's "created" entry names the file (`from`) instead of a separate "imported" entry. */
  createMany?(trx: Trx, scope: Scope, items: PendingCreate[], from: { file: string }): Promise<(number | ValidationError)[]>;
  /** Undo: delete what the import created, put back what it updated (through the services). */
  undo(trx: Trx, scope: Scope, r: Touched): Promise<void>;
  /** The row as it would be stored (the preview), or why not. */
  preview(row: Mapped, l: Lookups, o: ImportOptions, scope: Scope): { values: Record<string, string>; reason: string | null; duplicate: boolean };
}

const f = (key: string, label: string, aliases: string[]): ImportField => ({ key, label, aliases: aliases.map(norm) });

/** Active users by lowercased name and email. */
async function userLookup(trx: Trx): Promise<Map<string, number>> {
  const users = await trx.selectFrom('users').select(['id', 'name', 'email']).where('is_active', '=', 1).execute();
  const m = new Map<string, number>();
  for (const u of users) {
    m.set(u.email.toLowerCase(), u.id);
    m.set(u.name.trim().toLowerCase(), u.id);
  }
  return m;
}

/** Companies named in the rows that the importer may see, by lowercased name (the names index, collate nocase). */
async function companyLookup(trx: Trx, scope: Scope, names: string[]): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  const unique = [...new Set(names.map((n) => n.trim()).filter(Boolean))];
  for (let i = 0; i < unique.length; i += 500) {
    const part = unique.slice(i, i + 500);
    const rows = await visible.companies(trx, scope).select(['c.id', 'c.name']).where(sql<boolean>`c.name collate nocase in (${sql.join(part)})`).orderBy('c.id').execute();
    for (const r of rows) if (!m.has(r.name.toLowerCase())) m.set(r.name.toLowerCase(), r.id);
  }
  return m;
}

/** Records already in Orchard with the rows' emails (or names), by lowercased key: the email/name index, collate nocase. */
async function existingBy(trx: Trx, scope: Scope, kind: 'contacts' | 'customers' | 'companies', column: 'email' | 'name', keys: (string | null | undefined)[]) {
  const unique = [...new Set(keys.map((k) => k?.trim()).filter((k): k is string => Boolean(k)))];
  const found = new Map<string, { id: number; version: number }>();
  const alias = { contacts: 'p', customers: 'k', companies: 'c' }[kind];
  for (let i = 0; i < unique.length; i += 500) {
    const rows = (await (visible[kind](trx, scope) as unknown as SelectQueryBuilder<Database, never, object>)
      .select([sql<number>`${sql.ref(`${alias}.id`)}`.as('id'), sql<number>`${sql.ref(`${alias}.version`)}`.as('version'), sql<string>`${sql.ref(`${alias}.${column}`)}`.as('k')])
      .where(sql<boolean>`${sql.ref(`${alias}.${column}`)} collate nocase in (${sql.join(unique.slice(i, i + 500))})`)
      .orderBy(sql`${sql.ref(`${alias}.id`)}`)
      .execute()) as { id: number; version: number; k: string | null }[];
    for (const r of rows) if (r.k && !found.has(r.k.toLowerCase())) found.set(r.k.toLowerCase(), { id: r.id, version: r.version });
  }
  return found;
}

/** A row's company by name: the one in Orchard, one made now (create), or none (leave empty). */
async function companyFor(trx: Trx, scope: Scope, name: string | null | undefined, assignedTo: string, l: Lookups, o: ImportOptions, touched: Touched[]): Promise<number | null> {
  const n = name?.trim() ?? '';
  if (!n) return null;
  const known = l.companies.get(n.toLowerCase());
  if (known !== undefined || o.unknownValues !== 'create') return known ?? null;
  const id = await createCompany(trx, scope, companyFormSchema.parse({ name: n, is_active: '1', assigned_to: assignedTo }), {});
  l.companies.set(n.toLowerCase(), id);
  touched.push({ entity_type: 'company', entity_id: id, action: 'created', version_after: 1, before: null });
  return id;
}

/** A company the import made for a row: deleted on revert, unless others now use it (a contact added by hand): then it stays. */
async function undoCompanyMadeOnTheWay(trx: Trx, scope: Scope, id: number): Promise<void> {
  await deleteCompanyChecked(trx, scope, id).catch((e: unknown) => {
    if (!(e instanceof ConflictError)) throw e;
  });
}

/**
 * The end of every importer's write: update the record already in Orchard (duplicates "update"),
 * remembering its fields before, or create one — through the entity's service — and note what
 * revert must undo.
 */
async function updateOrCreate<I>(
  trx: Trx,
  kind: Touched['entity_type'],
  key: string,
  dup: { id: number; version: number } | undefined,
  l: Lookups,
  o: ImportOptions,
  touched: Touched[],
  w: { fields: readonly string[]; table: 'contacts' | 'customers' | 'companies' | 'leads'; input: I; update: (id: number, input: I & { version: number }) => Promise<void>; create: (input: I) => Promise<number>; defer?: Record<string, unknown> },
): Promise<WriteResult> {
  if (dup && o.duplicates === 'update') {
    const before = (await trx.selectFrom(w.table).select(w.fields as never).where('id', '=', dup.id).executeTakeFirstOrThrow()) as Record<string, unknown>;
    await w.update(dup.id, { ...w.input, version: dup.version });
    dup.version += 1;
    touched.push({ entity_type: kind, entity_id: dup.id, action: 'updated', version_after: dup.version, before });
    return { outcome: 'updated', id: dup.id, touched };
  }
  // Left for the batch's createMany, which records the id, the duplicate key and what revert undoes.
  if (w.defer) return { outcome: 'created', id: null, touched, pending: { input: w.input, values: w.defer } };
  const id = await w.create(w.input);
  if (key && !l.duplicates.has(key)) l.duplicates.set(key, { id, version: 1 });
  touched.push({ entity_type: kind, entity_id: id, action: 'created', version_after: 1, before: null });
  return { outcome: 'created', id, touched };
}

/** A row refused by the entity's own form schema: the same messages the form shows. */
function refuse(issues: { path: PropertyKey[]; message: string }[], values: Record<string, unknown>): never {
  throw new ValidationError(Object.fromEntries(issues.map((i) => [String(i.path[0] ?? 'row'), i.message])), values);
}

/** Names in the rows that a lookup does not know, and owners no active user matches. */
function unknownIn(rows: Mapped[], l: Lookups, lookups: [string, Map<string, number>][]): { values: string[]; users: string[] } {
  const values = new Set<string>();
  const users = new Set<string>();
  for (const r of rows) {
    for (const [field, map] of lookups) if (r[field] && !map.has(r[field]!.trim().toLowerCase())) values.add(r[field]!.trim());
    if (r.assigned_to && !l.users.has(r.assigned_to.trim().toLowerCase())) users.add(r.assigned_to.trim());
  }
  return { values: [...values].sort(), users: [...users].sort() };
}

/** A directory (industries, company sizes) by lowercased name. */
async function directoryLookup(trx: Trx, table: 'industries' | 'company_sizes'): Promise<Map<string, number>> {
  const rows = await trx.selectFrom(table).select(['id', 'name']).orderBy('id').execute();
  const m = new Map<string, number>();
  for (const r of rows) if (!m.has(r.name.trim().toLowerCase())) m.set(r.name.trim().toLowerCase(), r.id);
  return m;
}

const firstLast = (r: Mapped) => {
  if (r.first_name || r.last_name || !r.full_name) return { first: r.first_name ?? null, last: r.last_name ?? null };
  return splitName(r.full_name);
};

/** SPEC §9: contacts. */
export const contactImporter: Importer = {
  kind: 'contact',
  label: 'Contacts',
  plural: 'contacts',
  duplicateBy: 'email',
  duplicateKey: (r) => r.email?.trim().toLowerCase() || null,
  previewColumns: [['name', 'Name'], ['email', 'Email'], ['phone', 'Phone'], ['position', 'Position'], ['company', 'Company'], ['assigned_to', 'Assigned to']],
  unknownLabel: 'Companies',
  template: {
    head: ['First name', 'Last name', 'Email', 'Phone', 'Position', 'Company', 'Owner'],
    rows: [
      ['Ada', 'Lovelace', 'ada@example.com', '+44 20 7946 0958', 'Head of Engineering', 'Analytical Engines Ltd', ''],
      ['Grace', 'Hopper', 'grace@example.com', '+1 555 0100', 'Rear Admiral', 'Navy Labs', ''],
    ],
  },
  fields: [
    f('first_name', 'First name', ['firstname', 'first', 'givenname', 'forename', 'contactfirstname']),
    f('last_name', 'Last name', ['lastname', 'surname', 'familyname', 'last', 'contactlastname']),
    f('full_name', 'Full name (split into first and last)', ['name', 'fullname', 'contactname', 'displayname', 'person', 'contact']),
    f('email', 'Email', ['email', 'emailaddress', 'email1', 'e-mail', 'e-mailaddress', 'primaryemail', 'workemail', 'businessemail', 'email1value', 'emailaddress1', 'personemail']),
    f('phone', 'Phone', ['phone', 'phonenumber', 'mobile', 'mobilephone', 'mobilenumber', 'cellphone', 'telephone', 'businessphone', 'workphone', 'phone1', 'phone1value', 'primaryphone', 'personphone']),
    f('position', 'Position', ['position', 'title', 'jobtitle', 'role', 'job']),
    f('company', 'Company (by name)', ['company', 'companyname', 'organization', 'organisation', 'organizationname', 'organisationname', 'accountname', 'account', 'employer', 'organization1name']),
    f('assigned_to', 'Assigned to (name or email)', ['owner', 'ownername', 'assignedto', 'assignee', 'contactowner', 'salesrep', 'accountowner', 'owneremail', 'user']),
  ],
  async lookups(trx, scope, rows) {
    return { users: await userLookup(trx), companies: await companyLookup(trx, scope, rows.map((r) => r.company ?? '')), industries: new Map(), sizes: new Map(), duplicates: await existingBy(trx, scope, 'contacts', 'email', rows.map((r) => r.email)) };
  },
  unknown(rows, l) {
    return unknownIn(rows, l, [['company', l.companies]]);
  },
  preview(row, l, o, scope) {
    const { first, last } = firstLast(row);
    const company = row.company?.trim() ?? '';
    const companyKnown = !company || l.companies.has(company.toLowerCase());
    const parsed = contactFormSchema.safeParse({ first_name: first ?? '', last_name: last ?? '', position: row.position ?? '', email: row.email ?? '', phone: row.phone ?? '' });
    const duplicate = Boolean(row.email && l.duplicates.has(row.email.trim().toLowerCase()));
    const assignee = row.assigned_to ? l.users.get(row.assigned_to.trim().toLowerCase()) : scope.viewer.id;
    return {
      values: {
        name: [first, last].filter(Boolean).join(' '),
        email: row.email ?? '',
        phone: row.phone ?? '',
        position: row.position ?? '',
        company: company ? (companyKnown ? company : o.unknownValues === 'create' ? `${company} (new)` : '') : '',
        assigned_to: assignee ? (row.assigned_to ?? 'you') : '',
      },
      reason: parsed.success ? (duplicate && o.duplicates === 'skip' ? `Already in Orchard (same email): skipped.` : null) : parsed.error.issues.map((i) => i.message).join(' '),
      duplicate,
    };
  },
  async write(trx, scope, row, l, o, defer) {
    const { first, last } = firstLast(row);
    const email = row.email?.trim().toLowerCase() ?? '';
    const dup = email ? l.duplicates.get(email) : undefined;
    if (dup && o.duplicates === 'skip') return { outcome: 'skipped', id: dup.id, reason: 'Already in Orchard (same email).' };
    const assignee = row.assigned_to ? (l.users.get(row.assigned_to.trim().toLowerCase()) ?? null) : scope.viewer.id;
    const values = { first_name: first ?? '', last_name: last ?? '', position: row.position ?? '', email: row.email ?? '', phone: row.phone ?? '', company_id: '', assigned_to: assignee ? String(assignee) : '' };
    const checked = contactFormSchema.safeParse(values);
    if (!checked.success) refuse(checked.error.issues, values);
    const touched: Touched[] = [];
    const input = { ...checked.data, company_id: await companyFor(trx, scope, row.company, values.assigned_to, l, o, touched) };
    return updateOrCreate(trx, 'contact', email, dup, l, o, touched, {
      fields: CONTACT_FIELDS, table: 'contacts', input,
      update: (id, x) => updateContactFromForm(trx, scope, id, x, values),
      create: (x) => createContact(trx, scope, x, values),
      defer: defer ? values : undefined,
    });
  },
  createMany: (trx, scope, items, from) => createContacts(trx, scope, items as { input: ContactInput; values: Record<string, unknown> }[], from),
  async undo(trx, scope, r) {
    if (r.entity_type === 'company') return undoCompanyMadeOnTheWay(trx, scope, r.entity_id);
    if (r.action === 'created') {
      await deleteContactChecked(trx, scope, r.entity_id);
      return;
    }
    const before = r.before as Record<string, string | number | null>;
    const input = contactFormSchema.parse({ ...Object.fromEntries(Object.entries(before).map(([k, v]) => [k, v === null ? '' : String(v)])) });
    await updateContactFromForm(trx, scope, r.entity_id, { ...input, company_id: (before.company_id as number | null) ?? null, assigned_to: (before.assigned_to as number | null) ?? null, version: r.version_after }, {});
  },
};

const COMPANY_TEXT = ['website', 'phone', 'email', 'street', 'city', 'state', 'postal_code', 'country', 'description'] as const;

/** SPEC §9: companies; duplicates by name (case-insensitive); industry and size by name. */
export const companyImporter: Importer = {
  kind: 'company',
  label: 'Companies',
  plural: 'companies',
  duplicateBy: 'name',
  duplicateKey: (r) => r.name?.trim().toLowerCase() || null,
  previewColumns: [['name', 'Name'], ['website', 'Website'], ['city', 'City'], ['industry', 'Industry'], ['phone', 'Phone'], ['assigned_to', 'Assigned to']],
  unknownLabel: 'Industries and sizes',
  template: {
    head: ['Name', 'Website', 'Phone', 'Email', 'Street', 'City', 'State', 'Postal code', 'Country', 'Industry', 'Size', 'Owner'],
    rows: [
      ['Analytical Engines Ltd', 'engines.example', '+44 20 7946 0958', 'hello@engines.example', '12 Babbage Row', 'London', '', 'NW1 2AB', 'United Kingdom', 'Manufacturing', 'Small', ''],
      ['Navy Labs', 'navylabs.example', '+1 555 0100', '', '1 Harbor Way', 'Arlington', 'VA', '22201', 'United States', 'Government', 'Large', ''],
    ],
  },
  fields: [
    f('name', 'Name', ['name', 'company', 'companyname', 'organization', 'organisation', 'organizationname', 'account', 'accountname', 'business', 'businessname']),
    f('website', 'Website', ['website', 'web', 'url', 'homepage', 'domain', 'websiteurl', 'companydomainname']),
    f('phone', 'Phone', ['phone', 'phonenumber', 'telephone', 'mainphone', 'businessphone', 'companyphone']),
    f('email', 'Email', ['email', 'emailaddress', 'e-mail', 'companyemail', 'generalemail']),
    f('street', 'Street', ['street', 'address', 'streetaddress', 'address1', 'billingstreet', 'addressline1', 'mailingstreet']),
    f('city', 'City', ['city', 'town', 'billingcity', 'mailingcity']),
    f('state', 'State', ['state', 'region', 'province', 'county', 'stateregion', 'billingstate']),
    f('postal_code', 'Postal code', ['postalcode', 'zip', 'zipcode', 'postcode', 'billingpostalcode', 'billingzip']),
    f('country', 'Country', ['country', 'countryregion', 'billingcountry', 'nation']),
    f('industry', 'Industry (by name)', ['industry', 'sector', 'vertical']),
    f('size', 'Company size (by name)', ['size', 'companysize', 'employees', 'numberofemployees', 'headcount']),
    f('description', 'Description', ['description', 'notes', 'about', 'comments', 'background']),
    f('assigned_to', 'Assigned to (name or email)', ['owner', 'ownername', 'assignedto', 'assignee', 'companyowner', 'accountowner', 'salesrep', 'owneremail', 'user']),
  ],
  async lookups(trx, scope, rows) {
    return { users: await userLookup(trx), companies: new Map(), industries: await directoryLookup(trx, 'industries'), sizes: await directoryLookup(trx, 'company_sizes'), duplicates: await existingBy(trx, scope, 'companies', 'name', rows.map((r) => r.name)) };
  },
  unknown(rows, l) {
    return unknownIn(rows, l, [['industry', l.industries], ['size', l.sizes]]);
  },
  preview(row, l, o, scope) {
    const parsed = companyFormSchema.safeParse({ name: row.name ?? '', ...Object.fromEntries(COMPANY_TEXT.map((k) => [k, row[k] ?? ''])), is_active: '1' });
    const key = row.name?.trim().toLowerCase();
    const duplicate = Boolean(key && l.duplicates.has(key));
    const named = (v: string | null | undefined, map: Map<string, number>) => (!v ? '' : map.has(v.trim().toLowerCase()) ? v : o.unknownValues === 'create' ? `${v} (new)` : '');
    const assignee = row.assigned_to ? l.users.get(row.assigned_to.trim().toLowerCase()) : scope.viewer.id;
    return {
      values: { name: row.name ?? '', website: parsed.success ? (parsed.data.website ?? '') : (row.website ?? ''), city: row.city ?? '', industry: named(row.industry, l.industries), phone: row.phone ?? '', assigned_to: assignee ? (row.assigned_to ?? 'you') : '' },
      reason: parsed.success ? (duplicate && o.duplicates === 'skip' ? 'Already in Orchard (same name): skipped.' : null) : parsed.error.issues.map((i) => i.message).join(' '),
      duplicate,
    };
  },
  async write(trx, scope, row, l, o) {
    const key = row.name?.trim().toLowerCase() ?? '';
    const dup = key ? l.duplicates.get(key) : undefined;
    if (dup && o.duplicates === 'skip') return { outcome: 'skipped', id: dup.id, reason: 'Already in Orchard (same name).' };
    const directory = async (v: string | null | undefined, map: Map<string, number>, table: 'industries' | 'company_sizes') => {
      if (!v?.trim()) return '';
      const known = map.get(v.trim().toLowerCase());
      if (known) return String(known);
      if (o.unknownValues !== 'create') return '';
      const id = await createDirectoryItem(trx, scope.viewer, table, { name: v.trim().slice(0, 100), is_active: 1 }, {});
      map.set(v.trim().toLowerCase(), id);
      return String(id);
    };
    const assignee = row.assigned_to ? (l.users.get(row.assigned_to.trim().toLowerCase()) ?? null) : scope.viewer.id;
    const values: Record<string, string> = { name: row.name ?? '', ...Object.fromEntries(COMPANY_TEXT.map((k) => [k, row[k] ?? ''])), industry_id: '', size_id: '', assigned_to: assignee ? String(assignee) : '', is_active: '1' };
    const checked = companyFormSchema.safeParse(values);
    if (!checked.success) refuse(checked.error.issues, values);
    const input = { ...checked.data, industry_id: Number(await directory(row.industry, l.industries, 'industries')) || null, size_id: Number(await directory(row.size, l.sizes, 'company_sizes')) || null };
    return updateOrCreate(trx, 'company', key, dup, l, o, [], {
      fields: COMPANY_FIELDS, table: 'companies', input,
      update: (id, x) => updateCompanyFromForm(trx, scope, id, x, values),
      create: (x) => createCompany(trx, scope, x, values),
    });
  },
  async undo(trx, scope, r) {
    if (r.action === 'created') {
      await deleteCompanyChecked(trx, scope, r.entity_id);
      return;
    }
    const before = r.before as Record<string, string | number | null>;
    const input = companyFormSchema.parse({ ...Object.fromEntries(Object.entries(before).map(([k, v]) => [k, v === null ? '' : String(v)])) });
    await updateCompanyFromForm(trx, scope, r.entity_id, { ...input, version: r.version_after }, {});
  },
};

/** SPEC §9: customers; duplicates by email; company by name (created or left empty), group by name (known ones only). */
export const customerImporter: Importer = {
  kind: 'customer',
  label: 'Customers',
  plural: 'customers',
  duplicateBy: 'email',
  duplicateKey: (r) => r.email?.trim().toLowerCase() || null,
  previewColumns: [['name', 'Name'], ['email', 'Email'], ['phone', 'Phone'], ['company', 'Company'], ['group', 'Group'], ['assigned_to', 'Assigned to']],
  unknownLabel: 'Companies',
  template: {
    head: ['Name', 'Email', 'Phone', 'Company', 'Customer group', 'Owner'],
    rows: [
      ['Ada Lovelace', 'ada@example.com', '+44 20 7946 0958', 'Analytical Engines Ltd', '', ''],
      ['Grace Hopper', 'grace@example.com', '+1 555 0100', 'Navy Labs', '', ''],
    ],
  },
  fields: [
    f('name', 'Name', ['name', 'customer', 'customername', 'fullname', 'contactname', 'client', 'clientname', 'displayname']),
    f('email', 'Email', ['email', 'emailaddress', 'email1', 'e-mail', 'primaryemail', 'customeremail', 'billingemail']),
    f('phone', 'Phone', ['phone', 'phonenumber', 'mobile', 'mobilephone', 'telephone', 'phone1', 'primaryphone']),
    f('company', 'Company (by name)', ['company', 'companyname', 'organization', 'organisation', 'account', 'accountname', 'business']),
    f('group', 'Customer group (by name)', ['group', 'customergroup', 'segment', 'tier', 'pricegroup']),
    f('assigned_to', 'Assigned to (name or email)', ['owner', 'ownername', 'assignedto', 'assignee', 'accountowner', 'salesrep', 'owneremail', 'user']),
  ],
  async lookups(trx, scope, rows) {
    const groups = new Map<string, number>();
    for (const g of await trx.selectFrom('customer_groups').select(['id', 'name']).orderBy('id').execute()) if (!groups.has(g.name.trim().toLowerCase())) groups.set(g.name.trim().toLowerCase(), g.id);
    return { users: await userLookup(trx), companies: await companyLookup(trx, scope, rows.map((r) => r.company ?? '')), industries: new Map(), sizes: new Map(), groups, duplicates: await existingBy(trx, scope, 'customers', 'email', rows.map((r) => r.email)) };
  },
  unknown(rows, l) {
    return unknownIn(rows, l, [['company', l.companies]]);
  },
  preview(row, l, o, scope) {
    const parsed = customerFormSchema.safeParse({ name: row.name ?? '', email: row.email ?? '', phone: row.phone ?? '' });
    const duplicate = Boolean(row.email && l.duplicates.has(row.email.trim().toLowerCase()));
    const company = row.company?.trim() ?? '';
    const assignee = row.assigned_to ? l.users.get(row.assigned_to.trim().toLowerCase()) : scope.viewer.id;
    return {
      values: {
        name: row.name ?? '', email: row.email ?? '', phone: row.phone ?? '',
        company: company ? (l.companies.has(company.toLowerCase()) ? company : o.unknownValues === 'create' ? `${company} (new)` : '') : '',
        group: row.group && l.groups?.has(row.group.trim().toLowerCase()) ? row.group : '',
        assigned_to: assignee ? (row.assigned_to ?? 'you') : '',
      },
      reason: parsed.success ? (duplicate && o.duplicates === 'skip' ? 'Already in Orchard (same email): skipped.' : null) : parsed.error.issues.map((i) => i.message).join(' '),
      duplicate,
    };
  },
  async write(trx, scope, row, l, o) {
    const email = row.email?.trim().toLowerCase() ?? '';
    const dup = email ? l.duplicates.get(email) : undefined;
    if (dup && o.duplicates === 'skip') return { outcome: 'skipped', id: dup.id, reason: 'Already in Orchard (same email).' };
    const assignee = row.assigned_to ? (l.users.get(row.assigned_to.trim().toLowerCase()) ?? null) : scope.viewer.id;
    const group = row.group ? (l.groups?.get(row.group.trim().toLowerCase()) ?? null) : null;
    const values = { name: row.name ?? '', email: row.email ?? '', phone: row.phone ?? '', company_id: '', customer_group_id: group ? String(group) : '', assigned_to: assignee ? String(assignee) : '' };
    const checked = customerFormSchema.safeParse(values);
    if (!checked.success) refuse(checked.error.issues, values);
    const touched: Touched[] = [];
    const input = { ...checked.data, company_id: await companyFor(trx, scope, row.company, values.assigned_to, l, o, touched) };
    return updateOrCreate(trx, 'customer', email, dup, l, o, touched, {
      fields: CUSTOMER_FIELDS, table: 'customers', input,
      update: (id, x) => updateCustomerFromForm(trx, scope, id, x, values),
      create: (x) => createCustomer(trx, scope, x, values),
    });
  },
  async undo(trx, scope, r) {
    if (r.entity_type === 'company') return undoCompanyMadeOnTheWay(trx, scope, r.entity_id);
    if (r.action === 'created') {
      await deleteCustomerChecked(trx, scope, r.entity_id);
      return;
    }
    const before = r.before as Record<string, string | number | null>;
    const input = customerFormSchema.parse(Object.fromEntries(Object.entries(before).map(([k, v]) => [k, v === null ? '' : String(v)])));
    await updateCustomerFromForm(trx, scope, r.entity_id, { ...input, version: r.version_after }, {});
  },
};

/** A directory-like list by lowercased name (lead statuses are not a directory but read the same). */
async function namesOf(trx: Trx, table: 'lead_sources' | 'lead_statuses'): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  for (const r of await trx.selectFrom(table).select(['id', 'name']).orderBy('id').execute()) if (!m.has(r.name.trim().toLowerCase())) m.set(r.name.trim().toLowerCase(), r.id);
  return m;
}

/** SPEC §9: leads; duplicates by contact email (its unique lower() index); source by name (made or left empty), status by name (else the default). */
export const leadImporter: Importer = {
  kind: 'lead',
  label: 'Leads',
  plural: 'leads',
  duplicateBy: 'email',
  duplicateKey: (r) => r.contact_email?.trim().toLowerCase() || null,
  previewColumns: [['title', 'Title'], ['contact_name', 'Contact'], ['contact_email', 'Email'], ['value', 'Value'], ['source', 'Source'], ['status', 'Status'], ['assigned_to', 'Assigned to']],
  unknownLabel: 'Lead sources',
  template: {
    head: ['Title', 'Contact name', 'Email', 'Phone', 'Company', 'Value', 'Source', 'Status', 'Owner', 'Notes'],
    rows: [
      ['Website redesign', 'Ada Lovelace', 'ada@example.com', '+44 20 7946 0958', 'Analytical Engines Ltd', '12000', 'Website', 'New', '', 'Asked for a quote'],
      ['Fleet tracking pilot', 'Grace Hopper', 'grace@example.com', '+1 555 0100', 'Navy Labs', '48000', 'Referral', 'Contacted', '', ''],
    ],
  },
  fields: [
    f('title', 'Title', ['title', 'leadtitle', 'name', 'leadname', 'subject', 'topic', 'dealname', 'opportunity']),
    f('contact_name', 'Contact name', ['contactname', 'contact', 'fullname', 'person', 'personname', 'leadcontact']),
    f('contact_email', 'Email', ['email', 'emailaddress', 'e-mail', 'contactemail', 'email1', 'personemail', 'workemail']),
    f('contact_phone', 'Phone', ['phone', 'phonenumber', 'mobile', 'mobilephone', 'contactphone', 'telephone', 'personphone']),
    f('company_name', 'Company', ['company', 'companyname', 'organization', 'organisation', 'organizationname', 'accountname', 'account']),
    f('value', 'Value', ['value', 'amount', 'dealvalue', 'leadvalue', 'estimatedvalue', 'budget', 'expectedrevenue']),
    f('source', 'Source (by name)', ['source', 'leadsource', 'channel', 'origin', 'utmsource']),
    f('status', 'Status (by name)', ['status', 'leadstatus', 'stage', 'state']),
    f('description', 'Description', ['description', 'notes', 'note', 'comments', 'details', 'message']),
    f('assigned_to', 'Assigned to (name or email)', ['owner', 'ownername', 'assignedto', 'assignee', 'leadowner', 'salesrep', 'owneremail', 'user']),
  ],
  async lookups(trx, scope, rows) {
    const emails = [...new Set(rows.map((r) => r.contact_email?.trim().toLowerCase()).filter((e): e is string => Boolean(e)))];
    const duplicates = new Map<string, { id: number; version: number }>();
    for (let i = 0; i < emails.length; i += 500) {
      const found = await visible.leads(trx, scope).select(['l.id', 'l.version', sql<string>`lower(l.contact_email)`.as('k')]).where(sql<boolean>`lower(l.contact_email) in (${sql.join(emails.slice(i, i + 500))})`).where('l.contact_email', 'is not', null).execute();
      for (const r of found) duplicates.set(r.k, { id: r.id, version: r.version });
    }
    return { users: await userLookup(trx), companies: new Map(), industries: new Map(), sizes: new Map(), sources: await namesOf(trx, 'lead_sources'), statuses: await namesOf(trx, 'lead_statuses'), duplicates };
  },
  unknown(rows, l) {
    return unknownIn(rows, l, [['source', l.sources!]]);
  },
  preview(row, l, o, scope) {
    const parsed = leadFormSchema.safeParse({ title: row.title ?? '', contact_name: row.contact_name ?? '', contact_email: row.contact_email ?? '', contact_phone: row.contact_phone ?? '', company_name: row.company_name ?? '', value: row.value ?? '', description: row.description ?? '' });
    const key = row.contact_email?.trim().toLowerCase();
    const duplicate = Boolean(key && l.duplicates.has(key));
    const assignee = row.assigned_to ? l.users.get(row.assigned_to.trim().toLowerCase()) : scope.viewer.id;
    const source = row.source?.trim() ?? '';
    return {
      values: {
        title: row.title ?? '', contact_name: row.contact_name ?? '', contact_email: row.contact_email ?? '', value: row.value ?? '',
        source: source ? (l.sources!.has(source.toLowerCase()) ? source : o.unknownValues === 'create' ? `${source} (new)` : '') : '',
        status: row.status && l.statuses!.has(row.status.trim().toLowerCase()) ? row.status : 'the first status',
        assigned_to: assignee ? (row.assigned_to ?? 'you') : '',
      },
      reason: parsed.success ? (duplicate && o.duplicates === 'skip' ? 'Already in Orchard (same email): skipped.' : null) : parsed.error.issues.map((i) => i.message).join(' '),
      duplicate,
    };
  },
  async write(trx, scope, row, l, o) {
    const key = row.contact_email?.trim().toLowerCase() ?? '';
    const dup = key ? l.duplicates.get(key) : undefined;
    if (dup && o.duplicates === 'skip') return { outcome: 'skipped', id: dup.id, reason: 'Already in Orchard (same email).' };
    const assignee = row.assigned_to ? (l.users.get(row.assigned_to.trim().toLowerCase()) ?? null) : scope.viewer.id;
    let source = row.source?.trim() ? (l.sources!.get(row.source.trim().toLowerCase()) ?? null) : null;
    if (row.source?.trim() && source === null && o.unknownValues === 'create') {
      source = await createDirectoryItem(trx, scope.viewer, 'lead_sources', { name: row.source.trim().slice(0, 100), is_active: 1 }, {});
      l.sources!.set(row.source.trim().toLowerCase(), source);
    }
    const status = row.status ? (l.statuses!.get(row.status.trim().toLowerCase()) ?? null) : null;
    const values = {
      title: row.title ?? '', description: row.description ?? '', contact_name: row.contact_name ?? '', contact_email: row.contact_email ?? '', contact_phone: row.contact_phone ?? '',
      company_name: row.company_name ?? '', value: row.value ?? '', lead_source_id: source ? String(source) : '', campaign_id: '', product_id: '', lead_status_id: status ? String(status) : '', assigned_to: assignee ? String(assignee) : '',
    };
    const checked = leadFormSchema.safeParse(values);
    if (!checked.success) refuse(checked.error.issues, values);
    return updateOrCreate(trx, 'lead', key, dup, l, o, [], {
      fields: LEAD_FIELDS, table: 'leads', input: checked.data,
      update: (id, x) => updateLeadFromForm(trx, scope, id, x, values),
      create: (x) => createLead(trx, scope, x, values),
    });
  },
  async undo(trx, scope, r) {
    if (r.action === 'created') {
      await deleteLeadChecked(trx, scope, r.entity_id);
      return;
    }
    const { value_cents: cents, ...before } = r.before as Record<string, string | number | null>;
    const input = leadFormSchema.parse({ ...Object.fromEntries(Object.entries(before).map(([k, v]) => [k, v === null ? '' : String(v)])), value: cents === null ? '' : (Number(cents) / 100).toFixed(2) });
    await updateLeadFromForm(trx, scope, r.entity_id, { ...input, version: r.version_after }, {});
  },
};

/** SPEC §9: deals; pipeline and stage by name (empty: the default pipeline, its first stage); company by name. No duplicates check: two deals may share a title. */
export const dealImporter: Importer = {
  kind: 'deal',
  label: 'Deals',
  plural: 'deals',
  duplicateBy: '',
  duplicateKey: () => null,
  previewColumns: [['title', 'Title'], ['value', 'Value'], ['pipeline', 'Pipeline'], ['stage', 'Stage'], ['company', 'Company'], ['expected_close_date', 'Expected close'], ['assigned_to', 'Assigned to']],
  unknownLabel: 'Companies',
  template: {
    head: ['Title', 'Value', 'Pipeline', 'Stage', 'Expected close date', 'Probability', 'Company', 'Owner', 'Description'],
    rows: [
      ['Website redesign — Analytical Engines', '12000', 'Sales', 'Proposal', '2026-12-31', '', 'Analytical Engines Ltd', '', ''],
      ['Fleet tracking pilot — Navy Labs', '48000', 'Sales', 'Qualified', '', '', 'Navy Labs', '', 'Pilot with 20 vehicles'],
    ],
  },
  fields: [
    f('title', 'Title', ['title', 'dealtitle', 'name', 'dealname', 'opportunity', 'opportunityname', 'subject']),
    f('value', 'Value', ['value', 'amount', 'dealvalue', 'dealamount', 'revenue', 'expectedrevenue', 'price']),
    f('pipeline', 'Pipeline (by name)', ['pipeline', 'pipelinename', 'salespipeline']),
    f('stage', 'Stage (by name)', ['stage', 'dealstage', 'stagename', 'salesstage', 'status']),
    f('expected_close_date', 'Expected close date', ['expectedclosedate', 'closedate', 'expectedclose', 'closingdate', 'expectedclosingdate']),
    f('probability', 'Probability (%)', ['probability', 'probabilitypercent', 'winprobability', 'chance']),
    f('company', 'Company (by name)', ['company', 'companyname', 'organization', 'organisation', 'organizationname', 'account', 'accountname']),
    f('description', 'Description', ['description', 'notes', 'note', 'details', 'nextstep']),
    f('assigned_to', 'Assigned to (name or email)', ['owner', 'ownername', 'assignedto', 'assignee', 'dealowner', 'opportunityowner', 'salesrep', 'owneremail', 'user']),
  ],
  async lookups(trx, scope, rows) {
    const pipelines = new Map<string, { id: number; stages: Map<string, number> }>();
    const all = await trx.selectFrom('pipelines').select(['id', 'name', 'is_default', 'is_active']).orderBy('position').orderBy('id').execute();
    const stages = await trx.selectFrom('deal_stages').select(['id', 'name', 'pipeline_id']).orderBy('position').orderBy('id').execute();
    for (const p of all.filter((x) => x.is_active)) {
      const m = new Map<string, number>();
      for (const st of stages) if (st.pipeline_id === p.id && !m.has(st.name.trim().toLowerCase())) m.set(st.name.trim().toLowerCase(), st.id);
      if (!pipelines.has(p.name.trim().toLowerCase())) pipelines.set(p.name.trim().toLowerCase(), { id: p.id, stages: m });
    }
    const fallback = all.find((p) => p.is_default && p.is_active) ?? all.find((p) => p.is_active);
    return { users: await userLookup(trx), companies: await companyLookup(trx, scope, rows.map((r) => r.company ?? '')), industries: new Map(), sizes: new Map(), pipelines, defaultPipeline: fallback?.id ?? null, duplicates: new Map() };
  },
  unknown(rows, l) {
    return unknownIn(rows, l, [['company', l.companies]]);
  },
  preview(row, l, o, scope) {
    const where = dealPlace(row, l);
    const parsed = dealFormSchema.safeParse({ title: row.title ?? '', value: row.value ?? '', expected_close_date: row.expected_close_date ?? '', probability: row.probability ?? '', pipeline_id: String(where.pipelineId ?? '') });
    const company = row.company?.trim() ?? '';
    const assignee = row.assigned_to ? l.users.get(row.assigned_to.trim().toLowerCase()) : scope.viewer.id;
    return {
      values: {
        title: row.title ?? '', value: row.value ?? '', pipeline: row.pipeline || 'default', stage: row.stage || 'first stage', expected_close_date: row.expected_close_date ?? '',
        company: company ? (l.companies.has(company.toLowerCase()) ? company : o.unknownValues === 'create' ? `${company} (new)` : '') : '',
        assigned_to: assignee ? (row.assigned_to ?? 'you') : '',
      },
      reason: where.reason ?? (parsed.success ? null : parsed.error.issues.map((i) => i.message).join(' ')),
      duplicate: false,
    };
  },
  async write(trx, scope, row, l, o) {
    const where = dealPlace(row, l);
    if (where.reason) return { outcome: 'skipped', id: null, reason: where.reason };
    const assignee = row.assigned_to ? (l.users.get(row.assigned_to.trim().toLowerCase()) ?? null) : scope.viewer.id;
    const values = {
      title: row.title ?? '', description: row.description ?? '', value: row.value ?? '', expected_close_date: row.expected_close_date ?? '', probability: row.probability ?? '',
      pipeline_id: String(where.pipelineId), stage_id: where.stageId ? String(where.stageId) : '', company_id: '', customer_id: '', assigned_to: assignee ? String(assignee) : '', lost_reason_id: '', lost_reason: '',
    };
    const checked = dealFormSchema.safeParse(values);
    if (!checked.success) refuse(checked.error.issues, values);
    const touched: Touched[] = [];
    const input = { ...checked.data, company_id: await companyFor(trx, scope, row.company, values.assigned_to, l, o, touched) };
    const id = await createDeal(trx, scope, input, values);
    touched.push({ entity_type: 'deal', entity_id: id, action: 'created', version_after: 1, before: null });
    return { outcome: 'created', id, touched };
  },
  async undo(trx, scope, r) {
    if (r.entity_type === 'company') return undoCompanyMadeOnTheWay(trx, scope, r.entity_id);
    await deleteDealChecked(trx, scope, r.entity_id);
  },
};

/** A deal row's pipeline and stage by name: empty means the default pipeline and its first stage; a name nobody knows is the row's reason. */
function dealPlace(row: Mapped, l: Lookups): { pipelineId: number | null; stageId: number | null; reason: string | null } {
  const pName = row.pipeline?.trim() ?? '';
  const pipeline = pName ? l.pipelines!.get(pName.toLowerCase()) : [...l.pipelines!.values()].find((p) => p.id === l.defaultPipeline);
  if (!pipeline) return { pipelineId: null, stageId: null, reason: pName ? `No active pipeline called “${pName}”.` : 'There is no active pipeline.' };
  const sName = row.stage?.trim() ?? '';
  if (!sName) return { pipelineId: pipeline.id, stageId: null, reason: null };
  const stage = pipeline.stages.get(sName.toLowerCase());
  return stage ? { pipelineId: pipeline.id, stageId: stage, reason: null } : { pipelineId: pipeline.id, stageId: null, reason: `No stage called “${sName}” in this pipeline.` };
}

export const IMPORTERS: Record<string, Importer> = { contact: contactImporter, company: companyImporter, customer: customerImporter, lead: leadImporter, deal: dealImporter };
