import type { SelectQueryBuilder } from 'kysely';
import type { ZodTypeAny } from 'zod';
import type { Scope } from '../../lib/access.js';
import { company, contact, customer, lead, visible, type AnyKind, type Executor } from '../../lib/entities.js';
import { centsToInput } from '../../lib/format.js';
import type { Trx } from '../../lib/writes.js';
import { companyFormSchema } from '../companies/companies.schemas.js';
import { COMPANY_FIELDS, updateCompanyFromForm } from '../companies/companies.service.js';
import { contactFormSchema } from '../contacts/contacts.schemas.js';
import { CONTACT_FIELDS, updateContactFromForm } from '../contacts/contacts.service.js';
import { customerFormSchema } from '../customers/customers.schemas.js';
import { CUSTOMER_FIELDS, updateCustomerFromForm } from '../customers/customers.service.js';
import { leadFormSchema } from '../leads/leads.schemas.js';
import { LEAD_FIELDS, updateLeadFromForm } from '../leads/leads.service.js';

/** One way two records look alike; `column` is a generated key column (migration 3000 … 0100). */
export interface Signal {
  by: 'email' | 'phone' | 'name' | 'website';
  column: 'dup_email' | 'dup_phone' | 'dup_name' | 'dup_domain';
  label: string;
}

/** The kind's scoped base query, loosely typed: the finder names its columns through `alias`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Base = (db: Executor, scope: Scope) => SelectQueryBuilder<any, any, {}>;

type Row = Record<string, unknown> & { id: number; version: number };

/**
 * What the duplicate finder and merge need of a kind: its signals, the columns a group shows, the
 * fields a merge lets the user pick, the form schema and update service the surviving record is
 * saved through (one validator and one write path, as for forms, import and API), and the
 * foreign keys that point at it.
 */
export interface DuplicateKind {
  kind: AnyKind;
  /** URL segment: /duplicates?kind=contacts */
  slug: string;
  title: string;
  signals: Signal[];
  /** Shown per member of a group, besides its name. */
  columns: string[];
  /** The fields a merge offers a choice for (the entity's own form fields). */
  fields: readonly string[];
  /** The scoped base query and its alias. */
  base: Base;
  alias: string;
  schema: ZodTypeAny;
  /** A stored row as the edit form's string values. */
  toForm: (row: Row) => Record<string, string>;
  update: (trx: Trx, scope: Scope, id: number, input: never, values: Record<string, unknown>) => Promise<void>;
  /** Tables whose column points at this kind: [table, column, kind of the rows there]. */
  pointers: [table: 'contacts' | 'customers' | 'deals' | 'leads', column: 'company_id' | 'customer_id' | 'lead_id', rowType: 'contact' | 'customer' | 'deal' | 'lead'][];
}

const asStrings = (row: Row, fields: readonly string[]) => Object.fromEntries(fields.map((f) => [f, row[f] === null || row[f] === undefined ? '' : String(row[f])]));

const EMAIL: Signal = { by: 'email', column: 'dup_email', label: 'Same email' };
const PHONE: Signal = { by: 'phone', column: 'dup_phone', label: 'Same phone' };
const NAME: Signal = { by: 'name', column: 'dup_name', label: 'Same name' };
const WEBSITE: Signal = { by: 'website', column: 'dup_domain', label: 'Same website' };

export const DUPLICATE_KINDS: DuplicateKind[] = [
  {
    kind: company,
    slug: 'companies',
    title: 'Companies',
    signals: [NAME, WEBSITE, PHONE],
    columns: ['website', 'phone', 'city', 'assigned_to'],
    fields: COMPANY_FIELDS,
    base: visible.companies as Base,
    alias: 'c',
    schema: companyFormSchema,
    toForm: (row) => asStrings(row, COMPANY_FIELDS),
    update: updateCompanyFromForm as DuplicateKind['update'],
    pointers: [
      ['contacts', 'company_id', 'contact'],
      ['customers', 'company_id', 'customer'],
      ['deals', 'company_id', 'deal'],
      ['leads', 'company_id', 'lead'],
    ],
  },
  {
    kind: contact,
    slug: 'contacts',
    title: 'Contacts',
    signals: [EMAIL, PHONE, NAME],
    columns: ['email', 'phone', 'company_id', 'assigned_to'],
    fields: CONTACT_FIELDS,
    base: visible.contacts as Base,
    alias: 'p',
    schema: contactFormSchema,
    toForm: (row) => asStrings(row, CONTACT_FIELDS),
    update: updateContactFromForm as DuplicateKind['update'],
    pointers: [],
  },
  {
    kind: customer,
    slug: 'customers',
    title: 'Customers',
    signals: [NAME, PHONE],
    columns: ['email', 'phone', 'company_id', 'assigned_to'],
    fields: CUSTOMER_FIELDS,
    base: visible.customers as Base,
    alias: 'k',
    schema: customerFormSchema,
    toForm: (row) => asStrings(row, CUSTOMER_FIELDS),
    update: updateCustomerFromForm as DuplicateKind['update'],
    pointers: [
      ['deals', 'customer_id', 'deal'],
      ['leads', 'customer_id', 'lead'],
    ],
  },
  {
    kind: lead,
    slug: 'leads',
    title: 'Leads',
    signals: [NAME, PHONE],
    columns: ['contact_name', 'contact_email', 'contact_phone', 'company_name'],
    // The surviving lead keeps its status: a status change is a move with its own history.
    fields: LEAD_FIELDS.filter((f) => f !== 'lead_status_id'),
    base: visible.leads as Base,
    alias: 'l',
    schema: leadFormSchema,
    toForm: (row) => ({ ...asStrings(row, LEAD_FIELDS), value: centsToInput(row.value_cents as number | null) }),
    update: updateLeadFromForm as DuplicateKind['update'],
    pointers: [['deals', 'lead_id', 'deal']],
  },
];

export function duplicateKind(slugOrType: unknown): DuplicateKind | undefined {
  return DUPLICATE_KINDS.find((d) => d.slug === slugOrType || d.kind.type === slugOrType);
}
