import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, Lead } from '../../db/schema.js';
import type { Scope } from '../../lib/access.js';
import { ftsQuery } from '../../lib/listing.js';
import { defineList } from '../../lib/list-query.js';
import { company, customer, deal, visible } from '../../lib/entities.js';
import type { Cursor } from '../../lib/kanban.js';
import { parseLeadKey } from './leads.rules.js';
import type { LeadFilters } from './leads.schemas.js';

type Executor = Kysely<Database> | Transaction<Database>;

// `+l.lead_status_id`: most leads are in few statuses, so the list walks its sort index and checks each row.
const stageWhere = (stage: 'open' | 'converted' | 'closed') =>
  stage === 'open'
    ? sql<boolean>`+l.lead_status_id in (select id from lead_statuses where is_final = 0)`
    : stage === 'converted'
      ? sql<boolean>`+l.lead_status_id in (select id from lead_statuses where is_conversion_target = 1)`
      : sql<boolean>`+l.lead_status_id in (select id from lead_statuses where is_final = 1 and is_conversion_target = 0)`;

/** The leads list (see lib/list-query): filters, sorts, rows, count and value. */
export const leadList = defineList({
  base: visible.leads,
  id: 'l.id',
  filter: (q, f: Partial<LeadFilters>) => {
    const key = f.q ? parseLeadKey(f.q) : null;
    return q
      .$if(Boolean(f.lead_status_id), (w) => w.where('l.lead_status_id', '=', Number(f.lead_status_id)))
      .$if(f.lead_source_id === 'none', (w) => w.where('l.lead_source_id', 'is', null))
      .$if(typeof f.lead_source_id === 'number', (w) => w.where('l.lead_source_id', '=', Number(f.lead_source_id)))
      .$if(f.campaign_id === 'none', (w) => w.where('l.campaign_id', 'is', null))
      .$if(typeof f.campaign_id === 'number', (w) => w.where('l.campaign_id', '=', Number(f.campaign_id)))
      .$if(Boolean(f.product_id), (w) => w.where('l.product_id', '=', Number(f.product_id)))
      .$if(f.assigned_to === 'none', (w) => w.where('l.assigned_to', 'is', null))
      .$if(typeof f.assigned_to === 'number', (w) => w.where('l.assigned_to', '=', Number(f.assigned_to)))
      .$if(Boolean(f.stage), (w) => w.where(stageWhere(f.stage ?? 'open')))
      .$if(key !== null, (w) => w.where('l.id', '=', Number(key)));
  },
  // A lead key ("L-17") finds that lead; other text searches title, contact and company name.
  search: { table: 'leads_fts', match: (f) => (f.q && parseLeadKey(f.q) === null ? ftsQuery(f.q) : null) },
  sorts: {
    created_at: { order: 'l.created_at' },
    title: { order: 'l.title collate nocase' },
    contact: { order: 'l.contact_name collate nocase' },
    company: { order: 'l.company_name collate nocase' },
    value: { order: 'l.value_cents' },
    // Kept on the lead for sorting (migration 2026_11_24_1400_leads_search).
    status: { order: 'l.status_sort' },
    source: { order: 'l.source_sort collate nocase' },
    assigned: { order: 'l.assigned_sort collate nocase' },
  },
  defaultSort: 'created_at',
  defaultDir: 'desc',
  rows: (db) =>
    db
      .selectFrom('leads as l')
      .innerJoin('lead_statuses as s', 's.id', 'l.lead_status_id')
      .leftJoin('lead_sources as src', 'src.id', 'l.lead_source_id')
      .leftJoin('campaigns as cp', 'cp.id', 'l.campaign_id')
      .leftJoin('users as u', 'u.id', 'l.assigned_to')
      .select([
        'l.id', 'l.title', 'l.contact_name', 'l.contact_email', 'l.contact_phone', 'l.company_name', 'l.value_cents', 'l.lead_status_id',
        'l.assigned_to', 'l.created_at', 'l.converted_at', 's.name as status_name', 's.color as status_color', 'src.name as source_name',
        'cp.name as campaign_name', 'u.name as assigned_name',
      ]),
  value: 'l.value_cents',
  exact: (db, scope, f) => {
    // Filters the kept per-status, per-assignee totals answer exactly (migration 2026_11_24_1400).
    const other = Object.entries(f).some(([k, v]) => !['sort', 'dir', 'page', 'lead_status_id', 'stage', 'assigned_to'].includes(k) && v !== undefined && v !== null && v !== '');
    if (scope.ownOnly || other) return null;
    return db
      .selectFrom('lead_status_totals as t')
      .innerJoin('lead_statuses as s', 's.id', 't.lead_status_id')
      .$if(Boolean(f.lead_status_id), (w) => w.where('t.lead_status_id', '=', Number(f.lead_status_id)))
      .$if(f.stage === 'open', (w) => w.where('s.is_final', '=', 0))
      .$if(f.stage === 'converted', (w) => w.where('s.is_conversion_target', '=', 1))
      .$if(f.stage === 'closed', (w) => w.where('s.is_final', '=', 1).where('s.is_conversion_target', '=', 0))
      .$if(f.assigned_to === 'none', (w) => w.where('t.assigned_to', '=', 0))
      .$if(typeof f.assigned_to === 'number', (w) => w.where('t.assigned_to', '=', Number(f.assigned_to)))
      .select([sql<number>`total(t.leads)`.as('n'), sql<number>`total(t.value_cents)`.as('totalValue')])
      .executeTakeFirstOrThrow()
      .then((r) => ({ n: Number(r.n), totalValue: Number(r.totalValue) }));
  },
});

export type LeadRow = Awaited<ReturnType<typeof leadList.page>>['rows'][number];

/** A lead with everything it names, when the viewer may see it. */
export async function findLead(db: Executor, scope: Scope, id: number) {
  return visible
    .leads(db, scope)
    .innerJoin('lead_statuses as s', 's.id', 'l.lead_status_id')
    .leftJoin('lead_sources as src', 'src.id', 'l.lead_source_id')
    .leftJoin('campaigns as cp', 'cp.id', 'l.campaign_id')
    .leftJoin('products as pr', 'pr.id', 'l.product_id')
    .leftJoin('users as u', 'u.id', 'l.assigned_to')
    .selectAll('l')
    .select([
      's.name as status_name', 's.color as status_color', 's.is_final', 's.is_conversion_target', 'src.name as source_name', 'cp.name as campaign_name',
      'pr.name as product_name', 'u.name as assigned_name', 'u.is_active as assigned_active',
    ])
    .where('l.id', '=', id)
    .executeTakeFirst();
}

export type LeadDetail = NonNullable<Awaited<ReturnType<typeof findLead>>>;

export async function leadEmailTaken(db: Executor, email: string, exceptId?: number): Promise<boolean> {
  // `is not null` lets SQLite use the partial unique index on lower(contact_email) instead of scanning.
  let q = db.selectFrom('leads').select('id').where('contact_email', 'is not', null).where(sql`lower(contact_email)`, '=', email.toLowerCase());
  if (exceptId) q = q.where('id', '!=', exceptId);
  return Boolean(await q.executeTakeFirst());
}

export type LeadValues = Omit<Lead, 'id' | 'version' | 'status_sort' | 'source_sort' | 'assigned_sort'>;

export async function insertLead(db: Executor, values: LeadValues): Promise<number> {
  return (await db.insertInto('leads').values(values).returning('id').executeTakeFirstOrThrow()).id;
}

export async function updateLead(db: Executor, id: number, version: number | null, values: Partial<LeadValues>): Promise<boolean> {
  let q = db.updateTable('leads').set({ ...values, version: sql<number>`version + 1` }).where('id', '=', id);
  if (version !== null) q = q.where('version', '=', version);
  return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
}

export async function insertStatusHistory(db: Executor, row: { lead_id: number; from_status_id: number | null; to_status_id: number; user_id: number | null; created_at: string }): Promise<void> {
  await db.insertInto('lead_status_history').values(row).execute();
}

/** The lead a customer, company or deal was converted from (newest first), when the viewer may see it. */
export function convertedFrom(db: Executor, scope: Scope, column: 'customer_id' | 'company_id' | 'deal_id', id: number) {
  return visible.leads(db, scope).select(['l.id', 'l.title']).where(`l.${column}`, '=', id).where('l.converted_at', 'is not', null).orderBy('l.id', 'desc').limit(3).execute();
}

/** What a converted lead became, each named only when the viewer may see it (entity registry). */
export async function becameOf(db: Executor, scope: Scope, l: Pick<Lead, 'customer_id' | 'company_id' | 'deal_id'>) {
  const [customers, companies, deals] = await Promise.all([
    l.customer_id ? customer.named(db, scope, [l.customer_id]) : [],
    l.company_id ? company.named(db, scope, [l.company_id]) : [],
    l.deal_id ? deal.named(db, scope, [l.deal_id]) : [],
  ]);
  return { customer: customers[0], company: companies[0], deal: deals[0] ? { id: deals[0].id, title: deals[0].name } : undefined };
}

/* ---------- The board ---------- */


function cardBase(db: Executor, scope: Scope, assignedTo: number | null = null) {
  return visible
    .leads(db, scope)
    .leftJoin('users as u', 'u.id', 'l.assigned_to')
    .select(['l.id', 'l.title', 'l.value_cents', 'l.contact_name', 'l.company_name', 'l.lead_status_id', 'l.status_entered_at', 'l.assigned_to', 'l.created_at', 'u.name as assigned_name'])
    .$if(Boolean(assignedTo), (q) => q.where('l.assigned_to', '=', Number(assignedTo)));
}

/** A status column's cards, newest arrivals first, one page at a time (keyset on the board index). */
export async function leadColumnCards(db: Executor, scope: Scope, statusId: number, opts: { after?: Cursor | null; limit: number; assignedTo?: number | null }) {
  let q = cardBase(db, scope, opts.assignedTo ?? null).where('l.lead_status_id', '=', statusId);
  if (opts.after) q = q.where(sql<boolean>`(l.status_entered_at, l.id) < (${opts.after.at}, ${opts.after.id})`);
  return q.orderBy('l.status_entered_at', 'desc').orderBy('l.id', 'desc').limit(opts.limit).execute();
}

export type LeadCard = Awaited<ReturnType<typeof leadColumnCards>>[number];

export function findLeadCard(db: Executor, scope: Scope, id: number): Promise<LeadCard | undefined> {
  return cardBase(db, scope).where('l.id', '=', id).executeTakeFirst();
}

/** Count and value of whole columns from lead_status_totals (kept exact by triggers). */
export async function leadBoardSums(db: Executor, scope: Scope, statusIds: number[], assignedTo: number | null = null) {
  if (!statusIds.length) return [];
  const rows = await visible
    .leadStatusTotals(db, scope)
    .select(['t.lead_status_id', sql<number>`total(t.leads)`.as('count'), sql<number>`total(t.value_cents)`.as('value')])
    .where('t.lead_status_id', 'in', statusIds)
    .$if(Boolean(assignedTo), (q) => q.where('t.assigned_to', '=', Number(assignedTo)))
    .groupBy('t.lead_status_id')
    .execute();
  return rows.map((r) => ({ id: r.lead_status_id, count: Number(r.count), value: Number(r.value) }));
}
