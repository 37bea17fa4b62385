import { sql, type Kysely, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { Database, Deal } from '../../db/schema.js';
import type { Scope } from '../../lib/access.js';
import { ftsQuery } from '../../lib/listing.js';
import { defineList } from '../../lib/list-query.js';
import { visible } from '../../lib/entities.js';
import type { Cursor } from '../../lib/kanban.js';
import { parseDealKey } from './deals.rules.js';
import type { DealFilters } from './deals.schemas.js';

type Executor = Kysely<Database> | Transaction<Database>;
// `+d.stage_id`: most deals are open, so the planner should walk the list's sort index and check
// each row's stage rather than gather every open deal and sort them.
const stagesWhere = (flag: 'won' | 'lost' | 'open') =>
  flag === 'open'
    ? sql<boolean>`+d.stage_id in (select id from deal_stages where is_won = 0 and is_lost = 0)`
    : sql<boolean>`+d.stage_id in (select id from deal_stages where ${sql.raw(flag === 'won' ? 'is_won' : 'is_lost')} = 1)`;

/** A deal with everything it names: pipeline, stage, company, customer, assignee, lost reason. */
function joined(deals: ReturnType<typeof visible.deals>) {
  return deals
    .innerJoin('pipelines as p', 'p.id', 'd.pipeline_id')
    .innerJoin('deal_stages as s', 's.id', 'd.stage_id')
    .leftJoin('companies as c', 'c.id', 'd.company_id')
    .leftJoin('customers as k', 'k.id', 'd.customer_id')
    .leftJoin('users as u', 'u.id', 'd.assigned_to')
    .leftJoin('lost_reasons as lr', 'lr.id', 'd.lost_reason_id');
}

/** The deals list (see lib/list-query): filters, sorts with their joins, rows, count and value. */
export const dealList = defineList({
  base: visible.deals,
  id: 'd.id',
  filter: (q, f: Partial<DealFilters>) => {
    const key = f.q ? parseDealKey(f.q) : null;
    // Closed deals are filtered by when they closed, open ones by when they are expected to.
    const dateCol = f.status === 'won' || f.status === 'lost' ? 'd.actual_close_date' : 'd.expected_close_date';
    return q
      .$if(Boolean(f.pipeline_id), (w) => w.where('d.pipeline_id', '=', Number(f.pipeline_id)))
      .$if(Boolean(f.stage_id), (w) => w.where('d.stage_id', '=', Number(f.stage_id)))
      .$if(Boolean(f.company_id), (w) => w.where('d.company_id', '=', Number(f.company_id)))
      .$if(Boolean(f.customer_id), (w) => w.where('d.customer_id', '=', Number(f.customer_id)))
      .$if(Boolean(f.contact_id), (w) => w.where('d.id', 'in', (eb) => eb.selectFrom('deal_contacts').select('deal_id').where('contact_id', '=', Number(f.contact_id))))
      .$if(f.assigned_to === 'none', (w) => w.where('d.assigned_to', 'is', null))
      .$if(typeof f.assigned_to === 'number', (w) => w.where('d.assigned_to', '=', Number(f.assigned_to)))
      .$if(Boolean(f.status), (w) => w.where(stagesWhere(f.status ?? 'open')))
      .$if(Boolean(f.close_from), (w) => w.where(dateCol, '>=', String(f.close_from)))
      .$if(Boolean(f.close_to), (w) => w.where(dateCol, '<=', String(f.close_to)))
      .$if(key !== null, (w) => w.where('d.id', '=', Number(key)));
  },
  // A deal key ("D-42") finds that deal; other text searches titles and names.
  search: { table: 'deals_fts', match: (f) => (f.q && parseDealKey(f.q) === null ? ftsQuery(f.q) : null) },
  sorts: {
    created_at: { order: 'd.created_at' },
    title: { order: 'd.title collate nocase' },
    value: { order: 'd.value_cents' },
    expected_close_date: { order: 'd.expected_close_date' },
    // Linked names are kept on the deal for sorting (migration 2026_11_24_1000_sort_keys).
    stage: { order: 'd.stage_sort' },
    company: { order: 'd.company_sort collate nocase' },
    customer: { order: 'd.customer_sort collate nocase' },
    assigned: { order: 'd.assigned_sort collate nocase' },
  },
  defaultSort: 'created_at',
  defaultDir: 'desc',
  // Rows are fetched by ids the scoped base query already found.
  rows: (db) =>
    joined(db.selectFrom('deals as d')).select([
      'd.id', 'd.title', 'd.value_cents', 'd.probability', 'd.expected_close_date', 'd.actual_close_date', 'd.pipeline_id', 'd.stage_id',
      'd.company_id', 'd.customer_id', 'd.assigned_to', 'd.created_at', 'd.lost_reason', 'd.last_activity_at',
      'p.name as pipeline_name', 's.name as stage_name', 's.color as stage_color', 's.is_won', 's.is_lost',
      'c.name as company_name', 'k.name as customer_name', 'u.name as assigned_name', 'lr.name as lost_reason_name',
    ]),
  // The list header shows the count and the value of every deal that matches.
  value: 'd.value_cents',
  exact: (db, scope, f) => {
    // Filters the kept per-stage, per-assignee totals can answer exactly (migration 2026_11_23_1900).
    const other = Object.entries(f).some(([k, v]) => !['sort', 'dir', 'page', 'pipeline_id', 'stage_id', 'status', 'assigned_to'].includes(k) && v !== undefined && v !== null && v !== '');
    if (scope.ownOnly || other) return null;
    return db
      .selectFrom('deal_stage_totals as t')
      .innerJoin('deal_stages as s', 's.id', 't.stage_id')
      .$if(Boolean(f.pipeline_id), (w) => w.where('s.pipeline_id', '=', Number(f.pipeline_id)))
      .$if(Boolean(f.stage_id), (w) => w.where('t.stage_id', '=', Number(f.stage_id)))
      .$if(f.status === 'open', (w) => w.where('s.is_won', '=', 0).where('s.is_lost', '=', 0))
      .$if(f.status === 'won', (w) => w.where('s.is_won', '=', 1))
      .$if(f.status === 'lost', (w) => w.where('s.is_lost', '=', 1))
      .$if(f.assigned_to === 'none', (w) => w.where('t.assigned_to', '=', 0))
      .$if(typeof f.assigned_to === 'number', (w) => w.where('t.assigned_to', '=', Number(f.assigned_to)))
      .select([sql<number>`total(t.deals)`.as('n'), sql<number>`total(t.value_cents)`.as('totalValue')])
      .executeTakeFirstOrThrow()
      .then((r) => ({ n: Number(r.n), totalValue: Number(r.totalValue) }));
  },
});

export type DealRow = Awaited<ReturnType<typeof dealList.page>>['rows'][number];

/** Deals linked to a company, customer or contact, newest first, for their detail pages. */
export function dealsLinkedTo(db: Executor, scope: Scope, link: { company_id?: number; customer_id?: number; contact_id?: number }, limit = 10) {
  return dealList.first(db, scope, { ...link, sort: 'created_at', dir: 'desc' }, limit);
}

export async function findDeal(db: Executor, scope: Scope, id: number) {
  return joined(visible.deals(db, scope))
    .where('d.id', '=', id)
    .selectAll('d')
    .select([
      'p.name as pipeline_name', 's.name as stage_name', 's.color as stage_color', 's.is_won', 's.is_lost', 's.rotting_days',
      'c.name as company_name', 'k.name as customer_name', 'u.name as assigned_name', 'u.is_active as assigned_active', 'lr.name as lost_reason_name',
    ])
    .executeTakeFirst();
}

export type DealDetail = NonNullable<Awaited<ReturnType<typeof findDeal>>>;

export function dealContacts(db: Executor, dealId: number) {
  return db
    .selectFrom('deal_contacts as dc')
    .innerJoin('contacts as p', 'p.id', 'dc.contact_id')
    .leftJoin('companies as c', 'c.id', 'p.company_id')
    .select(['p.id', 'p.first_name', 'p.last_name', 'p.email', 'p.position', 'c.name as company_name'])
    .where('dc.deal_id', '=', dealId)
    .orderBy('p.last_name')
    .execute();
}

export async function setDealContacts(db: Executor, dealId: number, contactIds: number[]): Promise<void> {
  await db.deleteFrom('deal_contacts').where('deal_id', '=', dealId).execute();
  if (contactIds.length) await db.insertInto('deal_contacts').values(contactIds.map((contact_id) => ({ deal_id: dealId, contact_id }))).execute();
}

export async function contactNames(db: Executor, ids: number[]): Promise<string[]> {
  if (!ids.length) return [];
  const rows = await db.selectFrom('contacts').select(['id', 'first_name', 'last_name']).where('id', 'in', ids).orderBy('id').execute();
  return rows.map((r) => [r.first_name, r.last_name].filter(Boolean).join(' '));
}

/** Sort keys are the triggers' to write (migration 2026_11_24_1000_sort_keys). */
export async function insertDeal(db: Executor, values: Omit<Deal, 'id' | 'version' | 'company_sort' | 'customer_sort' | 'assigned_sort' | 'stage_sort'>): Promise<number> {
  return (await db.insertInto('deals').values(values).returning('id').executeTakeFirstOrThrow()).id;
}

export async function updateDeal(db: Executor, id: number, version: number | null, values: Partial<Omit<Deal, 'id' | 'version'>>): Promise<boolean> {
  let q = db.updateTable('deals').set({ ...values, version: sql<number>`version + 1` }).where('id', '=', id);
  if (version !== null) q = q.where('version', '=', version);
  return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
}

/** Any activity (a change, a note, a task) resets the rotting clock. */
export async function touchDeal(db: Executor, id: number, now: string): Promise<void> {
  await db.updateTable('deals').set({ last_activity_at: now }).where('id', '=', id).execute();
}

export async function insertStageHistory(db: Executor, row: { deal_id: number; from_stage_id: number | null; to_stage_id: number; user_id: number | null; created_at: string }): Promise<void> {
  await db.insertInto('deal_stage_history').values(row).execute();
}

export async function countDealsWhere(db: Executor, column: 'company_id' | 'customer_id', id: number): Promise<number> {
  const r = await db.selectFrom('deals').select((eb) => eb.fn.countAll<number>().as('n')).where(column, '=', id).executeTakeFirstOrThrow();
  return Number(r.n);
}

/* ---------- The board ---------- */

export interface ColumnSums {
  stage_id: number;
  count: number;
  value: number;
  /** Σ value × probability (see deals.rules weightedFromProducts). */
  valueTimesPercent: number;
}

/**
 * Count, value and weighted value of every column — whole columns, not the cards loaded — from
 * deal_stage_totals, which triggers keep exact (migration 2026_11_23_1900).
 */
export async function boardSums(db: Executor, scope: Scope, stageIds: number[], assignedTo: number | null = null): Promise<ColumnSums[]> {
  if (!stageIds.length) return [];
  const rows = await visible
    .dealStageTotals(db, scope)
    // total() adds in floating point: a header can never fail with "integer overflow".
    .select(['t.stage_id', sql<number>`total(t.deals)`.as('count'), sql<number>`total(t.value_cents)`.as('value'), sql<number>`total(t.weighted)`.as('weighted')])
    .where('t.stage_id', 'in', stageIds)
    .$if(Boolean(assignedTo), (q) => q.where('t.assigned_to', '=', Number(assignedTo)))
    .groupBy('t.stage_id')
    .execute();
  return rows.map((r) => ({ stage_id: r.stage_id, count: Number(r.count), value: Number(r.value), valueTimesPercent: Number(r.weighted) }));
}


function cardBase(db: Executor, scope: Scope, assignedTo: number | null = null) {
  return visible
    .deals(db, scope)
    .leftJoin('companies as c', 'c.id', 'd.company_id')
    .leftJoin('customers as k', 'k.id', 'd.customer_id')
    .leftJoin('users as u', 'u.id', 'd.assigned_to')
    .select(['d.id', 'd.title', 'd.value_cents', 'd.probability', 'd.expected_close_date', 'd.stage_id', 'd.stage_entered_at', 'd.last_activity_at', 'd.assigned_to', 'c.name as company_name', 'k.name as customer_name', 'u.name as assigned_name'])
    .$if(Boolean(assignedTo), (q) => q.where('d.assigned_to', '=', Number(assignedTo)));
}

/** A column's cards, newest arrivals first, one page at a time (keyset on the board index). */
export async function columnCards(db: Executor, scope: Scope, stageId: number, opts: { after?: Cursor | null; limit: number; assignedTo?: number | null }) {
  let q = cardBase(db, scope, opts.assignedTo ?? null).where('d.stage_id', '=', stageId);
  if (opts.after) q = q.where(sql<boolean>`(d.stage_entered_at, d.id) < (${opts.after.at}, ${opts.after.id})`);
  return q.orderBy('d.stage_entered_at', 'desc').orderBy('d.id', 'desc').limit(opts.limit).execute();
}

export type Card = Awaited<ReturnType<typeof columnCards>>[number];

export function findCard(db: Executor, scope: Scope, id: number): Promise<Card | undefined> {
  return cardBase(db, scope).where('d.id', '=', id).executeTakeFirst();
}
