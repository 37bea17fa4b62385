import { sql } from 'kysely';
import { visible, type Executor } from '../../lib/entities.js';
import type { Scope } from '../../lib/access.js';
import { monthsFromDays, utcDay, utcDayStart, type MonthBucket, type StageSums } from './dashboard.rules.js';

/**
 * The dashboard's figures (SPEC §10): sums and counts only — the maths is in dashboard.rules.
 * Every read starts from the scoped base query, so a rep with `own` visibility counts their own
 * records. `who` narrows to one assignee (the filter, or the rep themself); `pipelineId` narrows
 * deal figures. Each read is a kept counter or a covering index (see migration 2200).
 */
export type { FigureFilter as DashboardFilter } from '../reports/report-filters.js';
import type { FigureFilter as DashboardFilter } from '../reports/report-filters.js';

/** Per stage: count, value and Σ value × probability, from deal_stage_totals (a few dozen rows). */
export async function stageSums(db: Executor, scope: Scope, f: DashboardFilter): Promise<StageSums[]> {
  const rows = await visible
    .dealStageTotals(db, scope)
    .innerJoin('deal_stages as s', 's.id', 't.stage_id')
    .select(['t.stage_id', 's.pipeline_id', 's.is_won', 's.is_lost', sql<number>`total(t.deals)`.as('count'), sql<number>`total(t.value_cents)`.as('value'), sql<number>`total(t.weighted)`.as('weighted')])
    .$if(f.pipelineId !== null, (q) => q.where('s.pipeline_id', '=', f.pipelineId!))
    .$if(f.who !== null, (q) => q.where('t.assigned_to', '=', f.who!))
    .groupBy('t.stage_id')
    .execute();
  return rows.map((r) => ({ stage_id: r.stage_id, pipeline_id: r.pipeline_id, is_won: r.is_won, is_lost: r.is_lost, count: Number(r.count), value: Number(r.value), valueTimesPercent: Number(r.weighted) }));
}

/** Companies (all and active) and customers: counted in their assignee or is_active indexes. */
export async function recordCounts(db: Executor, scope: Scope, who: number | null) {
  const [companies, customers] = await Promise.all([
    visible
      .companies(db, scope)
      .select([sql<number>`count(*)`.as('n'), sql<number>`total(c.is_active)`.as('active')])
      .$if(who !== null, (q) => q.where('c.assigned_to', '=', who!))
      .executeTakeFirstOrThrow(),
    visible
      .customers(db, scope)
      .select(sql<number>`count(*)`.as('n'))
      .$if(who !== null, (q) => q.where('k.assigned_to', '=', who!))
      .executeTakeFirstOrThrow(),
  ]);
  return { companies: Number(companies.n), activeCompanies: Number(companies.active), customers: Number(customers.n) };
}

/** Leads per status (kept counters), with the status's name and flags. */
export function leadStatusCounts(db: Executor, scope: Scope, who: number | null) {
  return visible
    .leadStatusTotals(db, scope)
    .innerJoin('lead_statuses as s', 's.id', 't.lead_status_id')
    .select(['s.id', 's.name', 's.position', sql<number>`total(t.leads)`.as('leads')])
    .$if(who !== null, (q) => q.where('t.assigned_to', '=', who!))
    .groupBy('s.id')
    .orderBy('s.position')
    .execute();
}

/** Leads per source (kept counters); source 0 is "no source". */
export function leadSourceCounts(db: Executor, scope: Scope, who: number | null) {
  return visible
    .leadSourceTotals(db, scope)
    .leftJoin('lead_sources as s', 's.id', 't.lead_source_id')
    .select(['t.lead_source_id', 's.name', sql<number>`total(t.leads)`.as('leads')])
    .$if(who !== null, (q) => q.where('t.assigned_to', '=', who!))
    .groupBy('t.lead_source_id')
    .having(sql`total(t.leads)`, '>', 0)
    .orderBy(sql`total(t.leads)`, 'desc')
    .orderBy(sql`t.lead_source_id = 0`)
    .orderBy('s.name')
    .execute();
}

/** Tasks per status (kept counters). */
export function taskStatusCounts(db: Executor, scope: Scope, who: number | null) {
  return visible
    .taskStatusTotals(db, scope)
    .select(['t.status', sql<number>`total(t.tasks)`.as('tasks')])
    .$if(who !== null, (q) => q.where('t.assigned_to', '=', who!))
    .groupBy('t.status')
    .execute();
}

/**
 * Deals created per month: the per-UTC-day counters over the window, and for each month
 * boundary the deals created on its UTC day before it (a few hours of one day, from the
 * (created_at) / (assignee, created_at) / (pipeline, created_at, assignee) indexes). See
 * dashboard.rules monthsFromDays.
 */
export async function createdPerMonth(db: Executor, scope: Scope, f: DashboardFilter, months: MonthBucket[], endUtc: string): Promise<Map<string, number>> {
  const boundaries = [...months.map((m) => m.startUtc), endUtc];
  const rows = await visible
    .dealCreatedDays(db, scope)
    .select(['t.day', sql<number>`total(t.deals)`.as('n')])
    .where('t.day', '>=', utcDay(boundaries[0]))
    .where('t.day', '<', utcDay(endUtc))
    .$if(f.pipelineId !== null, (q) => q.where('t.pipeline_id', '=', f.pipelineId!))
    .$if(f.who !== null, (q) => q.where('t.assigned_to', '=', f.who!))
    .groupBy('t.day')
    .execute();
  const partial = new Map<string, number>();
  await Promise.all(
    boundaries
      .filter((b) => b !== utcDayStart(b))
      .map(async (b) => {
        const r = await visible
          .deals(db, scope)
          .select(sql<number>`count(*)`.as('n'))
          .where('d.created_at', '>=', utcDayStart(b))
          .where('d.created_at', '<', b)
          .$if(f.pipelineId !== null, (q) => q.where('d.pipeline_id', '=', f.pipelineId!))
          .$if(f.who !== null, (q) => q.where('d.assigned_to', '=', f.who!))
          .executeTakeFirstOrThrow();
        partial.set(b, Number(r.n));
      }),
  );
  const counts = monthsFromDays(boundaries, new Map(rows.map((r) => [r.day, Number(r.n)])), partial);
  return new Map(months.map((m, i) => [m.key, counts[i]]));
}

/** Won and lost per close month with their value: the per-day, per-stage counters (deal_closed_days). */
export function closedPerMonth(db: Executor, scope: Scope, f: DashboardFilter, firstDay: string, endDay: string) {
  return visible
    .dealClosedDays(db, scope)
    .innerJoin('deal_stages as s', 's.id', 't.stage_id')
    .select([sql<string>`substr(t.day, 1, 7)`.as('month'), 's.is_won', 's.is_lost', sql<number>`total(t.deals)`.as('count'), sql<number>`total(t.value_cents)`.as('value')])
    .where('t.day', '>=', firstDay)
    .where('t.day', '<', endDay)
    .$if(f.pipelineId !== null, (q) => q.where('s.pipeline_id', '=', f.pipelineId!))
    .$if(f.who !== null, (q) => q.where('t.assigned_to', '=', f.who!))
    .groupBy(['month', 's.is_won', 's.is_lost'])
    .execute()
    .then((rows) => rows.map((r) => ({ month: r.month, is_won: r.is_won, is_lost: r.is_lost, count: Number(r.count), value: Number(r.value) })));
}

/** The last five companies, customers and deals created, and the viewer's next five tasks. */
export async function recent(db: Executor, scope: Scope, f: DashboardFilter, now: string) {
  const [companies, customers, deals, tasks] = await Promise.all([
    visible.companies(db, scope).select(['c.id', 'c.name', 'c.created_at']).$if(f.who !== null, (q) => q.where('c.assigned_to', '=', f.who!)).orderBy('c.created_at', 'desc').orderBy('c.id', 'desc').limit(5).execute(),
    visible.customers(db, scope).select(['k.id', 'k.name', 'k.created_at']).$if(f.who !== null, (q) => q.where('k.assigned_to', '=', f.who!)).orderBy('k.created_at', 'desc').orderBy('k.id', 'desc').limit(5).execute(),
    visible
      .deals(db, scope)
      .select(['d.id', 'd.title', 'd.value_cents', 'd.created_at'])
      .$if(f.pipelineId !== null, (q) => q.where('d.pipeline_id', '=', f.pipelineId!))
      .$if(f.who !== null, (q) => q.where('d.assigned_to', '=', f.who!))
      .orderBy('d.created_at', 'desc')
      .orderBy('d.id', 'desc')
      .limit(5)
      .execute(),
    // The viewer's own next tasks: a range of tasks_assigned_order from now.
    db
      .selectFrom('tasks as t')
      .select(['t.id', 't.title', 't.type', 't.due_at', 't.priority'])
      .where('t.assigned_to', '=', scope.viewer.id)
      .where(sql<boolean>`+t.status in ('pending', 'in_progress')`)
      .where(sql`coalesce(t.due_at, '9999')`, '>=', now)
      .where('t.due_at', 'is not', null)
      .orderBy(sql`coalesce(t.due_at, '9999')`)
      .orderBy('t.id')
      .limit(5)
      .execute(),
  ]);
  return { companies, customers, deals, tasks };
}
