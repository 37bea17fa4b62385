import { sql } from 'kysely';
import { visible, type Executor } from '../../lib/entities.js';
import type { Scope } from '../../lib/access.js';
import type { ForecastDay } from './reports.rules.js';
import { periodSums, splitByMonths, type Move, type Period } from './reports.rules.js';
import { utcDay, utcDayStart } from '../dashboard/dashboard.rules.js';

export type { FigureFilter as ReportFilter } from './report-filters.js';
import type { FigureFilter as ReportFilter } from './report-filters.js';

/** Open deals per expected close date: the kept deal_expected_days counters joined to open stages. */
export async function openDealsByExpectedDay(db: Executor, scope: Scope, f: ReportFilter): Promise<ForecastDay[]> {
  const rows = await visible
    .dealExpectedDays(db, scope)
    .innerJoin('deal_stages as s', 's.id', 't.stage_id')
    .select(['t.day', sql<number>`total(t.deals)`.as('deals'), sql<number>`total(t.value_cents)`.as('value'), sql<number>`total(t.weighted)`.as('weighted')])
    .where('s.is_won', '=', 0)
    .where('s.is_lost', '=', 0)
    .$if(f.pipelineId !== null, (q) => q.where('s.pipeline_id', '=', f.pipelineId!))
    .$if(f.who !== null, (q) => q.where('t.assigned_to', '=', f.who!))
    .groupBy('t.day')
    .having(sql`total(t.deals)`, '>', 0)
    .execute();
  return rows.map((r) => ({ day: r.day, deals: Number(r.deals), value: Number(r.value), valueTimesPercent: Number(r.weighted) }));
}

/*
 * Deal dynamics, conversion and sales performance read kept counters (migration 2600 and the
 * earlier ones) — sums and counts only; reports.rules derives the figures. A period's ends are
 * the CRM zone's midnights: per-UTC-day counters give its whole days and the history rows'
 * created_at index the few hours at each end (rules periodSums).
 */

/** The counters' days for a period, and each end that falls inside a UTC day. */
function periodDays(period: Period) {
  const partialEnds = (b: string) => (b === utcDayStart(b) ? null : b);
  return { firstDay: utcDay(period.startUtc), endDay: utcDay(period.endUtc), start: partialEnds(period.startUtc), end: partialEnds(period.endUtc) };
}

/**
 * The whole UTC days of a period from kept counters: the monthly rollup for whole months, the
 * per-day counters for the days around them (rules splitByMonths). Rows with the same key are
 * added up by periodSums.
 */
async function wholeDays<R>(period: Period, byDays: (ranges: [string, string][]) => Promise<R[]>, byMonths: (from: string, to: string) => Promise<R[]>): Promise<R[]> {
  const d = periodDays(period);
  const split = splitByMonths(d.firstDay, d.endDay);
  const [days, months] = await Promise.all([split.days.length ? byDays(split.days) : [], split.months ? byMonths(...split.months) : []]);
  return [...days, ...months];
}

/** `column` in any of the ranges [a, b). */
const inRanges = (column: string, ranges: [string, string][]) => sql<boolean>`(${sql.join(ranges.map(([a, b]) => sql`(${sql.ref(column)} >= ${a} and ${sql.ref(column)} < ${b})`), sql` or `)})`;

export type MoveSums = Move & Record<string, number>;

const num = <R extends Record<string, unknown>>(r: R) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)]));

/**
 * Stage moves in a period, from → to (0: created in the stage), with first entries and stays:
 * moves into the pipeline's stages or out of them.
 */
export async function dealMoves(db: Executor, scope: Scope, f: ReportFilter, period: Period): Promise<MoveSums[]> {
  const d = periodDays(period);
  const inPipeline = (to: string, from: string) => sql<boolean>`(${sql.ref(to)} in (select id from deal_stages where pipeline_id = ${f.pipelineId}) or ${sql.ref(from)} in (select id from deal_stages where pipeline_id = ${f.pipelineId}))`;
  const select = ['t.from_stage_id', 't.to_stage_id', sql<number>`total(t.moves)`.as('moves'), sql<number>`total(t.firsts)`.as('firsts'), sql<number>`total(t.stays)`.as('stays'), sql<number>`total(t.stay_seconds)`.as('stay_seconds')] as const;
  const whole = await wholeDays(
    period,
    (ranges) =>
      visible
        .dealMoveDays(db, scope)
        .select([...select])
        .where(inRanges('t.day', ranges))
        .$if(f.pipelineId !== null, (q) => q.where(inPipeline('t.to_stage_id', 't.from_stage_id')))
        .$if(f.who !== null, (q) => q.where('t.assigned_to', '=', f.who!))
        .groupBy(['t.from_stage_id', 't.to_stage_id'])
        .execute(),
    (from, to) =>
      visible
        .dealMoveMonths(db, scope)
        .select([...select])
        .where('t.month', '>=', from)
        .where('t.month', '<', to)
        .$if(f.pipelineId !== null, (q) => q.where(inPipeline('t.to_stage_id', 't.from_stage_id')))
        .$if(f.who !== null, (q) => q.where('t.assigned_to', '=', f.who!))
        .groupBy(['t.from_stage_id', 't.to_stage_id'])
        .execute(),
  );
  const hours = async (b: string | null) => {
    if (!b) return [];
    const rows = await visible
      .deals(db, scope)
      .innerJoin('deal_stage_history as h', 'h.deal_id', 'd.id')
      .select([sql<number>`coalesce(h.from_stage_id, 0)`.as('from_stage_id'), 'h.to_stage_id', sql<number>`count(*)`.as('moves'), sql<number>`total(h.first_entry)`.as('firsts'), sql<number>`count(h.stay_seconds)`.as('stays'), sql<number>`total(h.stay_seconds)`.as('stay_seconds')])
      .where('h.created_at', '>=', utcDayStart(b))
      .where('h.created_at', '<', b)
      .$if(f.pipelineId !== null, (q) => q.where(inPipeline('h.to_stage_id', 'h.from_stage_id')))
      .$if(f.who !== null, (q) => q.where('d.assigned_to', '=', f.who!))
      .groupBy(['from_stage_id', 'h.to_stage_id'])
      .execute();
    return rows.map(num) as MoveSums[];
  };
  const [head, tail] = await Promise.all([hours(d.start), hours(d.end)]);
  return periodSums<MoveSums>(['from_stage_id', 'to_stage_id'], whole.map(num) as MoveSums[], head, tail);
}

export interface LeadMoveSums extends Record<string, number> {
  to_status_id: number;
  moves: number;
  firsts: number;
}

/** Leads reaching each status in a period (first entries and all moves). */
export async function leadMoves(db: Executor, scope: Scope, who: number | null, period: Period): Promise<LeadMoveSums[]> {
  const d = periodDays(period);
  const select = ['t.to_status_id', sql<number>`total(t.moves)`.as('moves'), sql<number>`total(t.firsts)`.as('firsts')] as const;
  const whole = await wholeDays(
    period,
    (ranges) => visible.leadMoveDays(db, scope).select([...select]).where(inRanges('t.day', ranges)).$if(who !== null, (q) => q.where('t.assigned_to', '=', who!)).groupBy('t.to_status_id').execute(),
    (from, to) => visible.leadMoveMonths(db, scope).select([...select]).where('t.month', '>=', from).where('t.month', '<', to).$if(who !== null, (q) => q.where('t.assigned_to', '=', who!)).groupBy('t.to_status_id').execute(),
  );
  const hours = async (b: string | null) => {
    if (!b) return [];
    const rows = await visible
      .leads(db, scope)
      .innerJoin('lead_status_history as h', 'h.lead_id', 'l.id')
      .select(['h.to_status_id', sql<number>`count(*)`.as('moves'), sql<number>`total(h.first_entry)`.as('firsts')])
      .where('h.created_at', '>=', utcDayStart(b))
      .where('h.created_at', '<', b)
      .$if(who !== null, (q) => q.where('l.assigned_to', '=', who!))
      .groupBy('h.to_status_id')
      .execute();
    return rows.map(num) as LeadMoveSums[];
  };
  const [head, tail] = await Promise.all([hours(d.start), hours(d.end)]);
  return periodSums<LeadMoveSums>(['to_status_id'], whole.map(num) as LeadMoveSums[], head, tail);
}

/** Deals closed (won or lost) in a period, per assignee and outcome: count, value and Σ days to close (deal_closed_days). */
export async function closedInPeriod(db: Executor, scope: Scope, f: ReportFilter, period: Period) {
  const rows = await visible
    .dealClosedDays(db, scope)
    .innerJoin('deal_stages as s', 's.id', 't.stage_id')
    .select(['t.assigned_to', 's.is_won', 's.is_lost', sql<number>`total(t.deals)`.as('deals'), sql<number>`total(t.value_cents)`.as('value'), sql<number>`total(t.close_days)`.as('close_days')])
    .where('t.day', '>=', period.firstDay)
    .where('t.day', '<', period.endDay)
    .$if(f.pipelineId !== null, (q) => q.where('s.pipeline_id', '=', f.pipelineId!))
    .$if(f.who !== null, (q) => q.where('t.assigned_to', '=', f.who!))
    .groupBy(['t.assigned_to', 's.is_won', 's.is_lost'])
    .execute();
  return rows.map((r) => ({ assigned_to: r.assigned_to, won: Boolean(r.is_won), lost: Boolean(r.is_lost), deals: Number(r.deals), value: Number(r.value), closeDays: Number(r.close_days) }));
}

/** Open deals' value per assignee now (deal_stage_totals). */
export async function openValueByRep(db: Executor, scope: Scope, f: ReportFilter) {
  const rows = await visible
    .dealStageTotals(db, scope)
    .innerJoin('deal_stages as s', 's.id', 't.stage_id')
    .select(['t.assigned_to', sql<number>`total(t.deals)`.as('deals'), sql<number>`total(t.value_cents)`.as('value')])
    .where('s.is_won', '=', 0)
    .where('s.is_lost', '=', 0)
    .$if(f.pipelineId !== null, (q) => q.where('s.pipeline_id', '=', f.pipelineId!))
    .$if(f.who !== null, (q) => q.where('t.assigned_to', '=', f.who!))
    .groupBy('t.assigned_to')
    .execute();
  return new Map(rows.map((r) => [r.assigned_to, { deals: Number(r.deals), value: Number(r.value) }]));
}

/**
 * Tasks completed in a period per rep: the kept per-day counters (migration 2700), and the few
 * hours at each end from the (assigned_to, completed_at) index of completed tasks.
 */
export async function tasksCompletedByRep(db: Executor, scope: Scope, reps: number[], period: Period) {
  if (!reps.length) return new Map<number, number>();
  const d = periodDays(period);
  const whole = await visible
    .taskDoneDays(db, scope)
    .select(['t.assigned_to', sql<number>`total(t.tasks)`.as('tasks')])
    .where('t.day', '>=', d.firstDay)
    .where('t.day', '<', d.endDay)
    .where('t.assigned_to', 'in', reps)
    .groupBy('t.assigned_to')
    .execute();
  const hours = async (b: string | null) => {
    if (!b) return [];
    const rows = await visible
      .tasks(db, scope)
      .select(['t.assigned_to', sql<number>`count(*)`.as('tasks')])
      .where(sql<boolean>`t.status = 'completed'`)
      .where('t.assigned_to', 'in', reps)
      .where('t.completed_at', '>=', utcDayStart(b))
      .where('t.completed_at', '<', b)
      .groupBy('t.assigned_to')
      .execute();
    return rows.map(num) as { assigned_to: number; tasks: number }[];
  };
  const [head, tail] = await Promise.all([hours(d.start), hours(d.end)]);
  const sums = periodSums<{ assigned_to: number; tasks: number }>(['assigned_to'], whole.map(num) as { assigned_to: number; tasks: number }[], head, tail);
  return new Map(sums.map((r) => [r.assigned_to, r.tasks]));
}
