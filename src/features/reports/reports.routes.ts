import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { todayIso } from '../../lib/time.js';
import { sendTableCsv } from '../../lib/csv.js';
import { readFigureFilters, readPeriod, joinQuery } from './report-filters.js';
import * as q from './reports.queries.js';
import { stageSums } from '../dashboard/dashboard.queries.js';
import { listStages } from '../pipelines/pipelines.queries.js';
import { listLeadStatuses } from '../lead-statuses/lead-statuses.queries.js';
import { dealDynamics, forecastRows, funnelFrom, performanceRows, teamTotals } from './reports.rules.js';

/** The four reports, in the order of their tabs. */
export const REPORTS = [
  { href: '/reports/forecast', label: 'Revenue forecast' },
  { href: '/reports/dynamics', label: 'Deal dynamics' },
  { href: '/reports/conversion', label: 'Conversion' },
  { href: '/reports/performance', label: 'Sales performance' },
] as const;

const money = (cents: number) => (cents / 100).toFixed(2);
const percent = (x: number | null) => (x === null ? '' : (x * 100).toFixed(1));

/** Reports (SPEC §10): filters in the URL, a chart, the same numbers as a table, and that table as CSV. */
const reportsRoutes: FastifyPluginAsync = async (app) => {
  app.get('/reports', async (_request, reply) => reply.redirect('/reports/forecast', 303));

  /** The filters every report shares; `csv` is the report's CSV address with the same filters. */
  const page = async (request: FastifyRequest, path: string, opts: { period?: boolean; pipelineRequired?: boolean } = {}) => {
    const figures = await readFigureFilters(app, request, { pipelineRequired: opts.pipelineRequired });
    const period = opts.period ? readPeriod(request) : null;
    const query = joinQuery(figures.query, period?.query ?? '');
    return {
      ...figures,
      period: period?.period ?? null,
      csvUrl: `${path}.csv${query ? `?${query}` : ''}`,
      view: { ...figures.view, ...(period?.view ?? {}), reports: REPORTS, current: path, action: path, needsCharts: true },
    };
  };

  /* Revenue forecast: open deals by expected close month. */
  const forecast = async (request: FastifyRequest) => {
    const p = await page(request, '/reports/forecast');
    const rows = forecastRows(todayIso(p.scope.settings.default_time_zone), await q.openDealsByExpectedDay(app.db, p.scope, p.f));
    return { ...p, rows };
  };
  app.get('/reports/forecast', async (request, reply) => {
    const { rows, view, csvUrl } = await forecast(request);
    const total = rows.reduce((a, r) => ({ deals: a.deals + r.deals, value: a.value + r.value, weighted: a.weighted + r.weighted }), { deals: 0, value: 0, weighted: 0 });
    return reply.render('reports/forecast', { title: 'Revenue forecast', rows, total, csvUrl, ...view });
  });
  app.get('/reports/forecast.csv', async (request, reply) => {
    const { rows, scope } = await forecast(request);
    const c = scope.settings.currency;
    return sendTableCsv(reply, 'revenue-forecast.csv', ['Expected close', 'Open deals', `Value (${c})`, `Weighted (${c})`], rows.map((r) => [r.label, r.deals, money(r.value), money(r.weighted)]));
  });

  /* Deal dynamics: one pipeline's stages now, the moves between them in the period, won and lost, velocity. */
  const dynamics = async (request: FastifyRequest) => {
    const p = await page(request, '/reports/dynamics', { period: true, pipelineRequired: true });
    const stages = p.f.pipelineId ? await listStages(app.db, p.f.pipelineId) : [];
    const [now, moves, closed] = await Promise.all([stageSums(app.db, p.scope, p.f), q.dealMoves(app.db, p.scope, p.f, p.period!), q.closedInPeriod(app.db, p.scope, p.f, p.period!)]);
    const report = dealDynamics(stages, new Map(now.map((s) => [s.stage_id, { count: s.count, value: s.value }])), moves);
    const outcome = (won: boolean) => closed.filter((c) => (won ? c.won : c.lost)).reduce((a, c) => ({ deals: a.deals + c.deals, value: a.value + c.value }), { deals: 0, value: 0 });
    return { ...p, report, won: outcome(true), lost: outcome(false) };
  };
  app.get('/reports/dynamics', async (request, reply) => {
    const { report, won, lost, view, csvUrl, period } = await dynamics(request);
    return reply.render('reports/dynamics', { title: 'Deal dynamics', report, won, lost, csvUrl, periodLabel: period!.label, ...view });
  });
  app.get('/reports/dynamics.csv', async (request, reply) => {
    const { report, scope } = await dynamics(request);
    const c = scope.settings.currency;
    // ?table=moves: the from → to matrix; otherwise the per-stage table.
    if ((request.query as Record<string, unknown>).table === 'moves')
      return sendTableCsv(reply, 'deal-moves.csv', ['From \\ To', ...report.matrix.stages.map((s) => s.label), 'Total'], report.matrix.rows.map((r) => [r.label, ...r.cells, r.total]));
    return sendTableCsv(reply, 'deal-dynamics.csv', ['Stage', 'Deals now', `Value now (${c})`, 'Entered in period', 'Left in period', 'Average days in stage'], report.stages.map((s) => [s.label, s.dealsNow, money(s.valueNow), s.entered, s.left, s.averageDays ?? '']));
  });

  /* Conversion: leads per status and deals per stage as funnels, from the history tables. */
  const conversion = async (request: FastifyRequest) => {
    const p = await page(request, '/reports/conversion', { period: true, pipelineRequired: true });
    const [statuses, stages, leadMoves, dealMoves] = await Promise.all([
      listLeadStatuses(app.db),
      p.f.pipelineId ? listStages(app.db, p.f.pipelineId) : Promise.resolve([]),
      q.leadMoves(app.db, p.scope, p.f.who, p.period!),
      q.dealMoves(app.db, p.scope, p.f, p.period!),
    ]);
    const leadFirsts = new Map(leadMoves.map((m) => [m.to_status_id, m.firsts]));
    const dealFirsts = new Map<number, number>();
    for (const m of dealMoves) dealFirsts.set(m.to_stage_id, (dealFirsts.get(m.to_stage_id) ?? 0) + m.firsts);
    const leads = funnelFrom(
      [...statuses.filter((s) => !s.is_final), ...statuses.filter((s) => s.is_conversion_target)],
      statuses.filter((s) => s.is_final && !s.is_conversion_target),
      leadFirsts,
    );
    const deals = funnelFrom([...stages.filter((s) => !s.is_won && !s.is_lost), ...stages.filter((s) => s.is_won)], stages.filter((s) => s.is_lost), dealFirsts);
    return { ...p, leads, deals };
  };
  app.get('/reports/conversion', async (request, reply) => {
    const { leads, deals, view, csvUrl, period } = await conversion(request);
    return reply.render('reports/conversion', { title: 'Conversion', leads, deals, csvUrl, periodLabel: period!.label, ...view });
  });
  app.get('/reports/conversion.csv', async (request, reply) => {
    const { leads, deals } = await conversion(request);
    const rows = (funnel: string, f: typeof leads) => [...f.steps.map((s) => [funnel, s.label, s.n, percent(s.fromPrevious), percent(s.fromFirst)]), [funnel, 'Lost', f.lost, '', '']];
    return sendTableCsv(reply, 'conversion.csv', ['Funnel', 'Step', 'Reached in period', '% of previous step', '% of first step'], [...rows('Leads', leads), ...rows('Deals', deals)]);
  });

  /* Sales performance: per rep. */
  const performance = async (request: FastifyRequest) => {
    const p = await page(request, '/reports/performance', { period: true });
    const users = await app.db.selectFrom('users').select(['id', 'name', 'is_active']).orderBy('name').execute();
    // The team: active users (or just the one rep filtered on, or the rep themself with `own`).
    const team = users.filter((u) => (p.f.who !== null ? u.id === p.f.who : u.is_active));
    const [closed, open, tasks] = await Promise.all([
      q.closedInPeriod(app.db, p.scope, p.f, p.period!),
      q.openValueByRep(app.db, p.scope, p.f),
      q.tasksCompletedByRep(app.db, p.scope, p.f.who !== null ? [p.f.who] : users.map((u) => u.id), p.period!),
    ]);
    const rows = performanceRows(team, closed, open, tasks, new Map(users.map((u) => [u.id, u.is_active ? u.name : `${u.name} (inactive)`])));
    return { ...p, rows };
  };
  app.get('/reports/performance', async (request, reply) => {
    const { rows, view, csvUrl, period } = await performance(request);
    return reply.render('reports/performance', { title: 'Sales performance', rows, team: teamTotals(rows), csvUrl, periodLabel: period!.label, ...view });
  });
  app.get('/reports/performance.csv', async (request, reply) => {
    const { rows, scope } = await performance(request);
    const c = scope.settings.currency;
    return sendTableCsv(
      reply,
      'sales-performance.csv',
      ['Rep', 'Won', `Won value (${c})`, 'Lost', 'Win rate %', 'Average days to close', 'Open deals', `Open value (${c})`, 'Tasks completed'],
      rows.map((r) => [r.name, r.won, money(r.wonValue), r.lost, percent(r.winRate), r.averageDaysToClose ?? '', r.openDeals, money(r.openValue), r.tasksCompleted]),
    );
  });
};

export default reportsRoutes;
