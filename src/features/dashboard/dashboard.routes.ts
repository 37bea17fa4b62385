import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Scope } from '../../lib/access.js';
import { todayIso } from '../../lib/time.js';
import { TASK_STATUS_LABELS } from '../tasks/tasks.schemas.js';
import * as q from './dashboard.queries.js';
import { readFigureFilters } from '../reports/report-filters.js';
import { dealFigures, dealsByMonth, monthBuckets, qualifiedStatusId, type MonthBucket } from './dashboard.rules.js';
import type { DashboardFilter } from './dashboard.queries.js';
import { FigureCache } from '../../lib/figure-cache.js';

/** A list URL with the dashboard's filters carried over, so a number opens the rows that make it. */
function linkTo(path: string, params: Record<string, string | number | null | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

/** The dashboard's counts and sums (all from kept counters): the part that depends on the data only. */
async function readFigures(app: FastifyInstance, scope: Scope, f: DashboardFilter, months: MonthBucket[], endUtc: string, endDay: string) {
  const who = f.who;
  const [stages, records, leadStatuses, leadSources, taskStatuses, created, closed] = await Promise.all([
    q.stageSums(app.db, scope, f),
    q.recordCounts(app.db, scope, who),
    q.leadStatusCounts(app.db, scope, who),
    q.leadSourceCounts(app.db, scope, who),
    q.taskStatusCounts(app.db, scope, who),
    q.createdPerMonth(app.db, scope, f, months, endUtc),
    q.closedPerMonth(app.db, scope, f, months[0].firstDay, endDay),
  ]);
  const stageNames = new Map<number, { name: string; pipeline: string; position: number; is_won: number; is_lost: number }>();
  if (stages.length) {
    const rows = await app.db.selectFrom('deal_stages as s').innerJoin('pipelines as p', 'p.id', 's.pipeline_id').select(['s.id', 's.name', 's.position', 's.is_won', 's.is_lost', 'p.name as pipeline', 'p.position as pipeline_position']).execute();
    for (const r of rows) stageNames.set(r.id, { name: r.name, pipeline: r.pipeline, position: r.pipeline_position * 1000 + r.position, is_won: r.is_won, is_lost: r.is_lost });
  }
  return { stages, records, leadStatuses, leadSources, taskStatuses, created, closed, stageNames };
}

/** The home page (SPEC §10): cards, revenue, recent records and four charts, filtered by pipeline and rep. */
const dashboardRoutes: FastifyPluginAsync = async (app) => {
  const figureCache = new FigureCache<Awaited<ReturnType<typeof readFigures>>>(app.sqlite);
  app.get('/', async (request, reply) => {
    const { scope, f, view } = await readFigureFilters(app, request);
    const { pipelineId, who } = f;
    const tz = scope.settings.default_time_zone;
    const { months, endUtc, endDay } = monthBuckets(todayIso(tz), tz);
    const now = new Date().toISOString();
    // The counts and sums depend on the data, the filters, whose records (own visibility) and the
    // CRM's day — kept until the next write; the recent lists and the viewer's next tasks are read each time.
    const key = JSON.stringify([scope.ownOnly ? scope.viewer.id : 0, pipelineId, who, tz, months[0].firstDay, endDay]);
    const [figures, latest] = await Promise.all([
      figureCache.get(key, () => readFigures(app, scope, f, months, endUtc, endDay)),
      q.recent(app.db, scope, f, now),
    ]);
    const { stages, records, leadStatuses, leadSources, taskStatuses, created, closed, stageNames } = figures;
    const deals = dealFigures(stages);
    const qualifiedId = qualifiedStatusId(leadStatuses);
    const leadsTotal = leadStatuses.reduce((n, s) => n + Number(s.leads), 0);
    const tasksBy = Object.fromEntries(taskStatuses.map((t) => [t.status, Number(t.tasks)])) as Record<string, number>;
    const tasksTotal = taskStatuses.reduce((n, t) => n + Number(t.tasks), 0);
    const base = { assigned_to: scope.ownOnly ? null : who };
    const dealLink = (status?: string) => linkTo('/deals', { pipeline_id: pipelineId, ...base, status });
    const openStages = stages
      .filter((s) => !s.is_won && !s.is_lost && s.count > 0)
      .map((s) => ({ ...s, ...stageNames.get(s.stage_id)! }))
      .sort((a, b) => a.position - b.position);

    return reply.render('dashboard/index', {
      title: 'Dashboard',
      ...view,
      filtered: pipelineId !== null || (!scope.ownOnly && who !== null),
      cards: [
        { label: 'Companies', value: records.companies, href: linkTo('/companies', base), sub: { label: 'active', value: records.activeCompanies, href: linkTo('/companies', { ...base, status: 'active' }) } },
        { label: 'Customers', value: records.customers, href: linkTo('/customers', base) },
        { label: 'Leads', value: leadsTotal, href: linkTo('/leads', base), sub: qualifiedId ? { label: 'qualified', value: Number(leadStatuses.find((s) => s.id === qualifiedId)?.leads ?? 0), href: linkTo('/leads', { ...base, lead_status_id: qualifiedId }) } : null },
        { label: 'Deals', value: deals.total, href: dealLink(), sub: { label: 'open', value: deals.open, href: dealLink('open') }, sub2: { label: 'won', value: deals.won, href: dealLink('won') } },
        { label: 'Tasks', value: tasksTotal, href: linkTo('/tasks', base), sub: { label: 'to do', value: tasksBy.pending ?? 0, href: linkTo('/tasks', { ...base, status: 'pending' }) }, sub2: { label: 'done', value: tasksBy.completed ?? 0, href: linkTo('/tasks', { ...base, status: 'completed' }) } },
      ],
      revenue: { ...deals, wonHref: dealLink('won'), openHref: dealLink('open'), closedHref: dealLink() },
      recent: latest,
      charts: {
        months: dealsByMonth(months, created, closed).map((r, i) => ({ ...r, label: months[i].label })),
        sources: leadSources.map((s) => ({ label: s.lead_source_id ? (s.name ?? 'Deleted source') : 'No source', value: Number(s.leads), href: linkTo('/leads', { ...base, lead_source_id: s.lead_source_id || null }) })),
        tasks: (['pending', 'in_progress', 'completed', 'cancelled'] as const).map((st) => ({ label: TASK_STATUS_LABELS[st], value: tasksBy[st] ?? 0, href: linkTo('/tasks', { ...base, status: st }) })),
        stages: openStages.map((s) => ({ label: pipelineId ? s.name : `${s.pipeline} · ${s.name}`, value: s.count, amount: s.value, href: linkTo('/deals', { pipeline_id: s.pipeline_id, ...base, stage_id: s.stage_id }) })),
      },
      needsCharts: true,
    });
  });
};

export default dashboardRoutes;
