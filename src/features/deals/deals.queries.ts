import { sql, type Kysely, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { Database, Deal } from '../../db/schema.js';
import type { Scope } from '../../lib/access.js';
import { ftsQuery, pageByIds } from '../../lib/listing.js';
import { parseDealKey } from './deals.rules.js';
import type { DealFilters } from './deals.schemas.js';

type Executor = Kysely<Database> | Transaction<Database>;
type DealQuery<O> = SelectQueryBuilder<Database & { d: Database['deals'] }, 'd', O>;

const stagesWhere = (flag: 'won' | 'lost' | 'open') =>
  flag === 'open'
    ? sql<boolean>`d.stage_id in (select id from deal_stages where is_won = 0 and is_lost = 0)`
    : sql<boolean>`d.stage_id in (select id from deal_stages where ${sql.raw(flag === 'won' ? 'is_won' : 'is_lost')} = 1)`;

function applyFilters<O>(q: DealQuery<O>, scope: Scope, f: Partial<DealFilters>): DealQuery<O> {
  if (scope.ownOnly) q = q.where('d.assigned_to', '=', scope.viewer.id);
  if (f.pipeline_id) q = q.where('d.pipeline_id', '=', f.pipeline_id);
  if (f.stage_id) q = q.where('d.stage_id', '=', f.stage_id);
  if (f.company_id) q = q.where('d.company_id', '=', f.company_id);
  if (f.customer_id) q = q.where('d.customer_id', '=', f.customer_id);
  if (f.assigned_to === 'none') q = q.where('d.assigned_to', 'is', null);
  else if (f.assigned_to) q = q.where('d.assigned_to', '=', f.assigned_to);
  if (f.status) q = q.where(stagesWhere(f.status));
  // Closed deals are filtered by when they closed, open ones by when they are expected to.
  const dateCol = f.status === 'won' || f.status === 'lost' ? 'd.actual_close_date' : 'd.expected_close_date';
  if (f.close_from) q = q.where(dateCol, '>=', f.close_from);
  if (f.close_to) q = q.where(dateCol, '<=', f.close_to);
  if (f.q) {
    const key = parseDealKey(f.q);
    const match = ftsQuery(f.q);
    if (key) q = q.where('d.id', '=', key);
    else if (match) q = q.where('d.id', 'in', (eb) => eb.selectFrom('deals_fts').select('rowid').where(sql<boolean>`deals_fts match ${match}`));
  }
  return q;
}

const SORTS: Record<string, { sql: string; join?: 'stage' | 'company' | 'customer' | 'assigned' }> = {
  created_at: { sql: 'd.created_at' },
  title: { sql: 'd.title collate nocase' },
  value: { sql: 'd.value_cents' },
  expected_close_date: { sql: 'd.expected_close_date' },
  stage: { sql: 's.position', join: 'stage' },
  company: { sql: 'c.name collate nocase', join: 'company' },
  customer: { sql: 'k.name collate nocase', join: 'customer' },
  assigned: { sql: 'u.name collate nocase', join: 'assigned' },
};

function sortOf(f: Partial<DealFilters>) {
  const s = SORTS[f.sort ?? 'created_at'] ?? SORTS.created_at;
  const dir = f.dir === 'asc' ? 'asc' : 'desc';
  return { join: s.join, order: sql.raw(`${s.sql} ${dir}, d.id ${dir}`) };
}

/** A deal with everything it names: pipeline, stage, company, customer, assignee, lost reason. */
function joined(db: Executor) {
  return db
    .selectFrom('deals as d')
    .innerJoin('pipelines as p', 'p.id', 'd.pipeline_id')
    .innerJoin('deal_stages as s', 's.id', 'd.stage_id')
    .leftJoin('companies as c', 'c.id', 'd.company_id')
    .leftJoin('customers as k', 'k.id', 'd.customer_id')
    .leftJoin('users as u', 'u.id', 'd.assigned_to')
    .leftJoin('lost_reasons as lr', 'lr.id', 'd.lost_reason_id');
}

function rowsBase(db: Executor) {
  return joined(db)
    .select([
      'd.id', 'd.title', 'd.value_cents', 'd.probability', 'd.expected_close_date', 'd.actual_close_date', 'd.pipeline_id', 'd.stage_id',
      'd.company_id', 'd.customer_id', 'd.assigned_to', 'd.created_at', 'd.lost_reason', 'd.last_activity_at',
      'p.name as pipeline_name', 's.name as stage_name', 's.color as stage_color', 's.is_won', 's.is_lost',
      'c.name as company_name', 'k.name as customer_name', 'u.name as assigned_name', 'lr.name as lost_reason_name',
    ]);
}

export function dealRowsQuery(db: Executor, scope: Scope, f: Partial<DealFilters>) {
  return applyFilters(rowsBase(db) as unknown as DealQuery<any>, scope, f).orderBy(sortOf(f).order) as unknown as ReturnType<typeof rowsBase>;
}

export type DealRow = Awaited<ReturnType<ReturnType<typeof rowsBase>['execute']>>[number];

function totalsQuery(db: Executor, scope: Scope, f: Partial<DealFilters>) {
  return applyFilters(
    db.selectFrom('deals as d').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('d.value_cents').as('value')]) as unknown as DealQuery<{ n: number; value: number | null }>,
    scope,
    f,
  );
}

/** One page of deals (see pageByIds) and the count and value of all that match. */
export async function listDeals(db: Executor, scope: Scope, f: DealFilters, pageSize: number): Promise<{ rows: DealRow[]; total: number; totalValue: number }> {
  const sort = sortOf(f);
  let totalValue = 0;
  const page = await pageByIds({
    page: f.page,
    pageSize,
    count: async () => {
      const t = await totalsQuery(db, scope, f).executeTakeFirstOrThrow();
      totalValue = Number(t.value ?? 0);
      return Number(t.n);
    },
    ids: async (limit, offset) => {
      let idq = db.selectFrom('deals as d') as unknown as DealQuery<any>;
      if (sort.join === 'stage') idq = (idq as any).innerJoin('deal_stages as s', 's.id', 'd.stage_id');
      if (sort.join === 'company') idq = (idq as any).leftJoin('companies as c', 'c.id', 'd.company_id');
      if (sort.join === 'customer') idq = (idq as any).leftJoin('customers as k', 'k.id', 'd.customer_id');
      if (sort.join === 'assigned') idq = (idq as any).leftJoin('users as u', 'u.id', 'd.assigned_to');
      return (await applyFilters(idq.select('d.id'), scope, f).orderBy(sort.order).limit(limit).offset(offset).execute()).map((r) => r.id as number);
    },
    rows: (ids) => rowsBase(db).where('d.id', 'in', ids).orderBy(sort.order).execute(),
  });
  return { ...page, totalValue };
}

/** Deals linked to a company, customer or contact, for their detail pages. */
export async function dealsLinkedTo(db: Executor, scope: Scope, link: { company_id?: number; customer_id?: number; contact_id?: number }, limit = 10) {
  let q = rowsBase(db) as unknown as DealQuery<any>;
  let c = db.selectFrom('deals as d').select((eb) => eb.fn.countAll<number>().as('n')) as unknown as DealQuery<{ n: number }>;
  const narrow = <O>(x: DealQuery<O>) => {
    if (link.company_id) x = x.where('d.company_id', '=', link.company_id);
    if (link.customer_id) x = x.where('d.customer_id', '=', link.customer_id);
    if (link.contact_id) x = x.where('d.id', 'in', (eb) => eb.selectFrom('deal_contacts').select('deal_id').where('contact_id', '=', link.contact_id!));
    return scope.ownOnly ? x.where('d.assigned_to', '=', scope.viewer.id) : x;
  };
  q = narrow(q);
  c = narrow(c);
  const [rows, count] = await Promise.all([q.orderBy('d.created_at', 'desc').orderBy('d.id', 'desc').limit(limit).execute(), c.executeTakeFirstOrThrow()]);
  return { rows: rows as DealRow[], total: Number(count.n) };
}

export async function findDeal(db: Executor, scope: Scope, id: number) {
  let q = joined(db)
    .selectAll('d')
    .select([
      'p.name as pipeline_name', 's.name as stage_name', 's.color as stage_color', 's.is_won', 's.is_lost', 's.rotting_days',
      'c.name as company_name', 'k.name as customer_name', 'u.name as assigned_name', 'u.is_active as assigned_active', 'lr.name as lost_reason_name',
    ])
    .where('d.id', '=', id);
  if (scope.ownOnly) q = q.where('d.assigned_to', '=', scope.viewer.id);
  return q.executeTakeFirst();
}

export type DealDetail = NonNullable<Awaited<ReturnType<typeof findDeal>>>;

export function findDealRow(db: Executor, id: number): Promise<Deal | undefined> {
  return db.selectFrom('deals').selectAll().where('id', '=', id).executeTakeFirst();
}

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

export async function existingContactIds(db: Executor, ids: number[]): Promise<number[]> {
  if (!ids.length) return [];
  return (await db.selectFrom('contacts').select('id').where('id', 'in', ids).execute()).map((r) => r.id);
}

export async function insertDeal(db: Executor, values: Omit<Deal, 'id' | 'version'>): Promise<number> {
  return (await db.insertInto('deals').values(values).returning('id').executeTakeFirstOrThrow()).id;
}

export async function updateDeal(db: Executor, id: number, version: number | null, values: Partial<Omit<Deal, 'id' | 'version'>>): Promise<boolean> {
  let q = db.updateTable('deals').set({ ...values, version: sql<number>`version + 1` }).where('id', '=', id);
  if (version !== null) q = q.where('version', '=', version);
  return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
}

export async function deleteDeal(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('deals').where('id', '=', id).execute();
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

export interface ColumnTotals {
  stage_id: number;
  count: number;
  value: number;
  weighted: number;
}

/**
 * Count, value and weighted value of every column — whole columns, not the cards loaded — from
 * deal_stage_totals, which triggers keep exact (migration 2026_11_23_1900).
 */
export async function boardTotals(db: Executor, scope: Scope, stageIds: number[], assignedTo: number | null = null): Promise<Map<number, ColumnTotals>> {
  if (!stageIds.length) return new Map();
  let q = db
    .selectFrom('deal_stage_totals as t')
    .select((eb) => ['t.stage_id', eb.fn.sum<number>('t.deals').as('count'), eb.fn.sum<number>('t.value_cents').as('value'), eb.fn.sum<number>('t.weighted').as('weighted')])
    .where('t.stage_id', 'in', stageIds)
    .groupBy('t.stage_id');
  if (scope.ownOnly) q = q.where('t.assigned_to', '=', scope.viewer.id);
  if (assignedTo) q = q.where('t.assigned_to', '=', assignedTo);
  const rows = await q.execute();
  return new Map(rows.map((r) => [r.stage_id, { stage_id: r.stage_id, count: Number(r.count), value: Number(r.value), weighted: Math.round(Number(r.weighted) / 100) }]));
}

export interface CardCursor {
  at: string;
  id: number;
}

function cardBase(db: Executor, scope: Scope, assignedTo: number | null = null) {
  const q = db
    .selectFrom('deals as d')
    .leftJoin('companies as c', 'c.id', 'd.company_id')
    .leftJoin('customers as k', 'k.id', 'd.customer_id')
    .leftJoin('users as u', 'u.id', 'd.assigned_to')
    .select(['d.id', 'd.title', 'd.value_cents', 'd.probability', 'd.expected_close_date', 'd.stage_id', 'd.stage_entered_at', 'd.last_activity_at', 'd.assigned_to', 'c.name as company_name', 'k.name as customer_name', 'u.name as assigned_name']);
  const owner = scope.ownOnly ? scope.viewer.id : assignedTo;
  return owner ? q.where('d.assigned_to', '=', owner) : q;
}

/** A column's cards, newest arrivals first, one page at a time (keyset on the board index). */
export async function columnCards(db: Executor, scope: Scope, stageId: number, opts: { after?: CardCursor | null; limit: number; assignedTo?: number | null }) {
  let q = cardBase(db, scope, opts.assignedTo ?? null).where('d.stage_id', '=', stageId);
  if (opts.after) q = q.where(sql<boolean>`(d.stage_entered_at, d.id) < (${opts.after.at}, ${opts.after.id})`);
  return q.orderBy('d.stage_entered_at', 'desc').orderBy('d.id', 'desc').limit(opts.limit).execute();
}

export type Card = Awaited<ReturnType<typeof columnCards>>[number];

export function findCard(db: Executor, scope: Scope, id: number): Promise<Card | undefined> {
  return cardBase(db, scope).where('d.id', '=', id).executeTakeFirst();
}
