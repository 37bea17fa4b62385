import { sql, type Kysely, type RawBuilder, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { Company, Contact, Customer, CustomerGroup, Database, Deal, Lead } from '../db/schema.js';
import type { Scope } from './access.js';
import { DIRECTORY_KINDS } from '../features/directories/directories.kinds.js';
import { DIRECTORY_EXTRA_FIELDS } from '../features/directories/directories.schemas.js';

/**
 * The entity registry: each record kind once — table, URL path, key, name, timeline labels and its
 * scoped base query. Every read of a record starts from `visible(db, scope)` (lists, counts,
 * exports, details, option lists, type-to-find, link checks, search, boards), so a rep with
 * rep_visibility = own cannot reach another rep's records by any route. Notes, timeline, search
 * and later tasks, notifications, import, merge and the API iterate this registry instead of
 * keeping their own lists.
 */

export type Executor = Kysely<Database> | Transaction<Database>;

export type FieldKind = 'text' | 'bool' | 'money' | 'date' | 'datetime' | 'percent' | 'password';
/** How a field reads on a timeline; `ref` names the table whose `name` replaces a stored id. */
export interface FieldLabel {
  label: string;
  ref?: RefTable;
  kind?: FieldKind;
}
export type RefTable = 'users' | 'industries' | 'company_sizes' | 'lead_sources' | 'products' | 'campaigns' | 'lost_reasons' | 'companies' | 'customers' | 'customer_groups' | 'pipelines' | 'deal_stages' | 'lead_statuses';

/** A kind that appears in the audit trail (every record kind, plus settings objects). */
export interface AuditedKind {
  noun: string;
  fields: Record<string, FieldLabel>;
}

/**
 * `rep_visibility = own`: a rep sees the records assigned to them and, read-only, the records
 * theirs link to (`linked`, a condition on the same alias). Editing still follows the assignment
 * rule (lib/writes loadEditable).
 */
function ownOnly<DB, TB extends keyof DB, O>(
  q: SelectQueryBuilder<DB, TB, O>,
  alias: string,
  scope: Scope,
  linked?: { few: (me: number) => RawBuilder<boolean>; probe: (me: number) => RawBuilder<boolean> },
  walk = false,
): SelectQueryBuilder<DB, TB, O> {
  if (!scope.ownOnly) return q;
  const me = scope.viewer.id;
  const mine = sql<boolean>`${sql.ref(`${alias}.assigned_to`)} = ${me}`;
  if (!linked) return q.where(mine);
  // `walk`: the rows to check are bounded by something else — a page of a list the rep sees
  // much of (its capped count said so), or a filter or search — so each row's links are probed
  // by index, rather than gathering every record the rep's records link to.
  if (walk) return q.where(sql<boolean>`(${mine} or ${linked.probe(me)})`);
  // Otherwise unlikely(): the rep's records are few, so the planner looks them up by index and
  // sorts, rather than walking the whole table in list order (tests/db/query-plans).
  return q.where(sql<boolean>`unlikely(${mine} or ${linked.few(me)})`);
}

/** Scoped base queries, one per record kind, with the alias every feature query uses. */
export const visible = {
  companies: (db: Executor, scope: Scope, walk = false) =>
    ownOnly(
      db.selectFrom('companies as c'),
      'c',
      scope,
      {
        few: (me) =>
          sql<boolean>`c.id in (select company_id from deals where assigned_to = ${me} and company_id is not null
            union select company_id from contacts where assigned_to = ${me} and company_id is not null
            union select company_id from customers where assigned_to = ${me} and company_id is not null)`,
        probe: (me) =>
          sql<boolean>`exists (select 1 from deals where assigned_to = ${me} and company_id = c.id)
            or exists (select 1 from contacts where assigned_to = ${me} and company_id = c.id)
            or exists (select 1 from customers where assigned_to = ${me} and company_id = c.id)`,
      },
      walk,
    ),
  contacts: (db: Executor, scope: Scope, walk = false) =>
    ownOnly(
      db.selectFrom('contacts as p'),
      'p',
      scope,
      {
        few: (me) => sql<boolean>`p.id in (select contact_id from deal_contacts where deal_id in (select id from deals where assigned_to = ${me}))`,
        probe: (me) => sql<boolean>`exists (select 1 from deal_contacts dc join deals dd on dd.id = dc.deal_id where dc.contact_id = p.id and dd.assigned_to = ${me})`,
      },
      walk,
    ),
  customers: (db: Executor, scope: Scope, walk = false) =>
    ownOnly(
      db.selectFrom('customers as k'),
      'k',
      scope,
      {
        few: (me) => sql<boolean>`k.id in (select customer_id from deals where assigned_to = ${me} and customer_id is not null)`,
        probe: (me) => sql<boolean>`exists (select 1 from deals where assigned_to = ${me} and customer_id = k.id)`,
      },
      walk,
    ),
  deals: (db: Executor, scope: Scope, _walk = false) => ownOnly(db.selectFrom('deals as d'), 'd', scope),
  /** The board's kept per-stage, per-assignee counters follow the deals they count. */
  dealStageTotals: (db: Executor, scope: Scope) => ownOnly(db.selectFrom('deal_stage_totals as t'), 't', scope),
  leads: (db: Executor, scope: Scope, _walk = false) => ownOnly(db.selectFrom('leads as l'), 'l', scope),
  /** The lead board's kept per-status, per-assignee counters follow the leads they count. */
  leadStatusTotals: (db: Executor, scope: Scope) => ownOnly(db.selectFrom('lead_status_totals as t'), 't', scope),
  /** The dashboard's kept counters (migration 2200) follow the tasks and leads they count. */
  taskStatusTotals: (db: Executor, scope: Scope) => ownOnly(db.selectFrom('task_status_totals as t'), 't', scope),
  leadSourceTotals: (db: Executor, scope: Scope) => ownOnly(db.selectFrom('lead_source_totals as t'), 't', scope),
  dealCreatedDays: (db: Executor, scope: Scope) => ownOnly(db.selectFrom('deal_created_days as t'), 't', scope),
  dealClosedDays: (db: Executor, scope: Scope) => ownOnly(db.selectFrom('deal_closed_days as t'), 't', scope),
  dealExpectedDays: (db: Executor, scope: Scope) => ownOnly(db.selectFrom('deal_expected_days as t'), 't', scope),
  dealMoveDays: (db: Executor, scope: Scope) => ownOnly(db.selectFrom('deal_move_days as t'), 't', scope),
  leadMoveDays: (db: Executor, scope: Scope) => ownOnly(db.selectFrom('lead_move_days as t'), 't', scope),
  dealMoveMonths: (db: Executor, scope: Scope) => ownOnly(db.selectFrom('deal_move_months as t'), 't', scope),
  leadMoveMonths: (db: Executor, scope: Scope) => ownOnly(db.selectFrom('lead_move_months as t'), 't', scope),
  taskDoneDays: (db: Executor, scope: Scope) => ownOnly(db.selectFrom('task_done_days as t'), 't', scope),
  /**
   * Task lists (My tasks, All tasks): with `own`, a rep's list holds the tasks assigned to them or
   * that they created. A record's task panel reads by its record, which is checked visible first.
   */
  tasks: (db: Executor, scope: Scope, walk = false) => {
    const q = db.selectFrom('tasks as t');
    if (!scope.ownOnly) return q;
    const me = scope.viewer.id;
    // `walk` (a rep with more than a page's worth, see ownOnly): the list's order index is walked
    // and each row checked (`+` keeps SQLite from gathering all 50,000 of a rep's tasks to sort
    // them). Otherwise the two indexes find the rep's few tasks.
    if (walk) return q.where(sql<boolean>`(+t.assigned_to = ${me} or +t.created_by = ${me})`);
    return q.where((eb) => eb.or([eb('t.assigned_to', '=', me), eb('t.created_by', '=', me)]));
  },
  // Customer groups have no owner: everyone who may see customers sees the groups.
  customerGroups: (db: Executor, _scope: Scope, _walk = false) => db.selectFrom('customer_groups as g'),
};

const contactNameSql = sql<string>`trim(coalesce(p.first_name, '') || ' ' || coalesce(p.last_name, ''))`;

/** The record kinds; a new kind (lead, task) is added here and the compiler points at what must know it. */
export type RecordType = 'company' | 'contact' | 'customer' | 'customer_group' | 'deal' | 'lead';

/** What generic code (notes, timeline, search, contract tests, later import and API) needs of a kind. */
export interface RecordKind<Row extends { id: number }> extends AuditedKind {
  type: RecordType;
  table: keyof Database;
  path: string;
  nounPlural: string;
  /** "D-42": the key shown and searched for, where the kind has one. */
  key: ((id: number) => string) | null;
  /** Method syntax on purpose: a RecordKind<Company> then stands in the registry's list. */
  nameOf(row: Row): string;
  /** Who the record is assigned to (reps edit their own and unassigned ones); null when unowned. */
  ownerOf(row: Row): number | null;
  /** The full row when the viewer may see it. */
  findRow: (db: Executor, scope: Scope, id: number) => Promise<Row | undefined>;
  /** The visible records among `ids`, with the name each shows under: link checks, option lists. */
  named: (db: Executor, scope: Scope, ids: readonly number[]) => Promise<{ id: number; name: string }[]>;
}

const none = <T>(ids: readonly number[], run: () => Promise<T[]>) => (ids.length ? run() : Promise.resolve([] as T[]));

export const company: RecordKind<Company> = {
  type: 'company',
  table: 'companies',
  path: '/companies',
  noun: 'company',
  nounPlural: 'companies',
  key: null,
  nameOf: (c) => c.name,
  ownerOf: (c) => c.assigned_to,
  findRow: (db, scope, id) => visible.companies(db, scope).selectAll('c').where('c.id', '=', id).executeTakeFirst(),
  named: (db, scope, ids) => none(ids, () => visible.companies(db, scope).select(['c.id', 'c.name']).where('c.id', 'in', ids).execute()),
  fields: {
    name: { label: 'Name' },
    website: { label: 'Website' },
    phone: { label: 'Phone' },
    email: { label: 'Email' },
    street: { label: 'Street' },
    city: { label: 'City' },
    state: { label: 'State' },
    postal_code: { label: 'Postal code' },
    country: { label: 'Country' },
    industry_id: { label: 'Industry', ref: 'industries' },
    size_id: { label: 'Size', ref: 'company_sizes' },
    description: { label: 'Description' },
    assigned_to: { label: 'Assigned to', ref: 'users' },
    is_active: { label: 'Active', kind: 'bool' },
    contact: { label: 'Contact' },
    customer: { label: 'Customer' },
    deal: { label: 'Deal' },
    lead: { label: 'Converted from' },
    task: { label: 'Task' },
  },
};

export const contact: RecordKind<Contact> = {
  type: 'contact',
  table: 'contacts',
  path: '/contacts',
  noun: 'contact',
  nounPlural: 'contacts',
  key: null,
  nameOf: (c) => [c.first_name, c.last_name].filter(Boolean).join(' '),
  ownerOf: (c) => c.assigned_to,
  findRow: (db, scope, id) => visible.contacts(db, scope).selectAll('p').where('p.id', '=', id).executeTakeFirst(),
  named: (db, scope, ids) => none(ids, () => visible.contacts(db, scope).select(['p.id', contactNameSql.as('name')]).where('p.id', 'in', ids).execute()),
  fields: {
    first_name: { label: 'First name' },
    last_name: { label: 'Last name' },
    position: { label: 'Position' },
    email: { label: 'Email' },
    phone: { label: 'Phone' },
    company_id: { label: 'Company', ref: 'companies' },
    assigned_to: { label: 'Assigned to', ref: 'users' },
    task: { label: 'Task' },
  },
};

export const customer: RecordKind<Customer> = {
  type: 'customer',
  table: 'customers',
  path: '/customers',
  noun: 'customer',
  nounPlural: 'customers',
  key: null,
  nameOf: (c) => c.name,
  ownerOf: (c) => c.assigned_to,
  findRow: (db, scope, id) => visible.customers(db, scope).selectAll('k').where('k.id', '=', id).executeTakeFirst(),
  named: (db, scope, ids) => none(ids, () => visible.customers(db, scope).select(['k.id', 'k.name']).where('k.id', 'in', ids).execute()),
  fields: {
    name: { label: 'Name' },
    email: { label: 'Email' },
    phone: { label: 'Phone' },
    company_id: { label: 'Company', ref: 'companies' },
    customer_group_id: { label: 'Customer group', ref: 'customer_groups' },
    assigned_to: { label: 'Assigned to', ref: 'users' },
    deal: { label: 'Deal' },
    lead: { label: 'Converted from' },
    task: { label: 'Task' },
  },
};

export const customerGroup: RecordKind<CustomerGroup> = {
  type: 'customer_group',
  table: 'customer_groups',
  path: '/customer-groups',
  noun: 'customer group',
  nounPlural: 'customer groups',
  key: null,
  nameOf: (g) => g.name,
  ownerOf: () => null,
  findRow: (db, scope, id) => visible.customerGroups(db, scope).selectAll('g').where('g.id', '=', id).executeTakeFirst(),
  named: (db, scope, ids) => none(ids, () => visible.customerGroups(db, scope).select(['g.id', 'g.name']).where('g.id', 'in', ids).execute()),
  fields: {
    name: { label: 'Name' },
    code: { label: 'Code' },
    description: { label: 'Description' },
    discount_percent: { label: 'Discount', kind: 'percent' },
    priority: { label: 'Priority' },
    is_active: { label: 'Active', kind: 'bool' },
  },
};

export const deal: RecordKind<Deal> = {
  type: 'deal',
  table: 'deals',
  path: '/deals',
  noun: 'deal',
  nounPlural: 'deals',
  key: (id) => `D-${id}`,
  nameOf: (d) => d.title,
  ownerOf: (d) => d.assigned_to,
  findRow: (db, scope, id) => visible.deals(db, scope).selectAll('d').where('d.id', '=', id).executeTakeFirst(),
  named: (db, scope, ids) => none(ids, () => visible.deals(db, scope).select(['d.id', 'd.title as name']).where('d.id', 'in', ids).execute()),
  fields: {
    title: { label: 'Title' },
    description: { label: 'Description' },
    value_cents: { label: 'Value', kind: 'money' },
    expected_close_date: { label: 'Expected close' },
    probability: { label: 'Probability', kind: 'percent' },
    pipeline_id: { label: 'Pipeline', ref: 'pipelines' },
    stage_id: { label: 'Stage', ref: 'deal_stages' },
    company_id: { label: 'Company', ref: 'companies' },
    customer_id: { label: 'Customer', ref: 'customers' },
    assigned_to: { label: 'Assigned to', ref: 'users' },
    actual_close_date: { label: 'Closed on' },
    lost_reason: { label: 'Lost reason' },
    lost_reason_id: { label: 'Lost reason', ref: 'lost_reasons' },
    contacts: { label: 'Contacts' },
    lead: { label: 'Converted from' },
    task: { label: 'Task' },
  },
};

export const lead: RecordKind<Lead> = {
  type: 'lead',
  table: 'leads',
  path: '/leads',
  noun: 'lead',
  nounPlural: 'leads',
  key: (id) => `L-${id}`,
  nameOf: (l) => l.title,
  ownerOf: (l) => l.assigned_to,
  findRow: (db, scope, id) => visible.leads(db, scope).selectAll('l').where('l.id', '=', id).executeTakeFirst(),
  named: (db, scope, ids) => none(ids, () => visible.leads(db, scope).select(['l.id', 'l.title as name']).where('l.id', 'in', ids).execute()),
  fields: {
    title: { label: 'Title' },
    description: { label: 'Description' },
    contact_name: { label: 'Contact name' },
    contact_email: { label: 'Contact email' },
    contact_phone: { label: 'Contact phone' },
    company_name: { label: 'Company name' },
    value_cents: { label: 'Value', kind: 'money' },
    lead_source_id: { label: 'Source', ref: 'lead_sources' },
    campaign_id: { label: 'Campaign', ref: 'campaigns' },
    product_id: { label: 'Product', ref: 'products' },
    lead_status_id: { label: 'Status', ref: 'lead_statuses' },
    assigned_to: { label: 'Assigned to', ref: 'users' },
    customer_id: { label: 'Customer', ref: 'customers' },
    company_id: { label: 'Company', ref: 'companies' },
    customer: { label: 'Customer' },
    company: { label: 'Company' },
    deal: { label: 'Deal' },
    task: { label: 'Task' },
  },
};

/** Every record kind with pages, notes and a timeline. New kinds (leads, tasks) join here. */
export type AnyKind = RecordKind<{ id: number }>;

export const RECORD_KINDS: readonly AnyKind[] = [deal, lead, company, contact, customer, customerGroup];

export function recordKind(type: string): AnyKind | undefined {
  return RECORD_KINDS.find((k) => k.type === type);
}

/** Settings objects on the audit trail: users, pipelines, stages, directory items. */
const SETTINGS_KINDS: Record<string, AuditedKind> = {
  user: {
    noun: 'user',
    fields: { name: { label: 'Name' }, email: { label: 'Email' }, role: { label: 'Role' }, is_active: { label: 'Active', kind: 'bool' }, time_zone: { label: 'Time zone' } },
  },
  pipeline: {
    noun: 'pipeline',
    fields: { name: { label: 'Name' }, description: { label: 'Description' }, is_active: { label: 'Active', kind: 'bool' }, is_default: { label: 'Default', kind: 'bool' } },
  },
  deal_stage: {
    noun: 'stage',
    fields: {
      name: { label: 'Name' },
      color: { label: 'Colour' },
      probability: { label: 'Probability', kind: 'percent' },
      rotting_days: { label: 'Rotting days' },
      is_default: { label: 'Default', kind: 'bool' },
      is_won: { label: 'Won stage', kind: 'bool' },
      is_lost: { label: 'Lost stage', kind: 'bool' },
    },
  },
  lead_status: {
    noun: 'lead status',
    fields: {
      name: { label: 'Name' },
      color: { label: 'Colour' },
      is_default: { label: 'Default', kind: 'bool' },
      is_final: { label: 'Final', kind: 'bool' },
      is_conversion_target: { label: 'Conversion target', kind: 'bool' },
    },
  },
  note: { noun: 'note', fields: { body: { label: 'Note' } } },
  webhook: { noun: 'webhook', fields: { url: { label: 'URL' }, description: { label: 'Description' }, events: { label: 'Events' }, is_active: { label: 'Active', kind: 'bool' } } },
  crm_settings: {
    noun: 'CRM settings',
    fields: {
      currency: { label: 'Currency' },
      date_format: { label: 'Date format' },
      default_time_zone: { label: 'Default time zone' },
      timeline_visible: { label: 'Timeline on record pages', kind: 'bool' },
      rep_visibility: { label: 'Reps see' },
      page_size: { label: 'Rows per list page' },
      kanban_page_size: { label: 'Cards per board column' },
      require_two_factor: { label: 'Two-factor sign-in required', kind: 'bool' },
    },
  },
  task: {
    noun: 'task',
    fields: { title: { label: 'Title' }, type: { label: 'Type' }, due_at: { label: 'Due', kind: 'datetime' }, description: { label: 'Description' }, status: { label: 'Status' }, assigned_to: { label: 'Assigned to', ref: 'users' }, priority: { label: 'Priority' } },
  },
  ...Object.fromEntries(
    Object.values(DIRECTORY_KINDS).map((kind) => {
      const fields: Record<string, FieldLabel> = { name: { label: 'Name' }, is_active: { label: 'Active', kind: 'bool' } };
      for (const x of DIRECTORY_EXTRA_FIELDS[kind.table]) fields[x.name] = { label: x.label, kind: x.type === 'money' ? 'money' : undefined };
      return [kind.table, { noun: kind.singular, fields }];
    }),
  ),
};

/** Any entity type found in audit_entries: a record kind or a settings object. */
export function auditedKind(type: string): AuditedKind | undefined {
  return recordKind(type) ?? SETTINGS_KINDS[type];
}

/** The detail page of a record, or home when the kind has none. */
export function recordUrl(type: string, id: number): string {
  if (type === 'task') return `/tasks/${id}`;
  const kind = recordKind(type);
  return kind ? `${kind.path}/${id}` : '/';
}
