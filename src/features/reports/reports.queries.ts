import { sql } from 'kysely';
import { visible, type Executor } from '../../lib/entities.js';
import type { Scope } from '../../lib/access.js';
import type { ForecastDay } from './reports.rules.js';

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
