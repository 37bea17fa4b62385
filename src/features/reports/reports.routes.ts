import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { todayIso } from '../../lib/time.js';
import { sendTableCsv } from '../../lib/csv.js';
import { readFigureFilters } from './report-filters.js';
import * as q from './reports.queries.js';
import { forecastRows } from './reports.rules.js';

/** Reports (SPEC §10): filters in the URL, a chart, the same numbers as a table, and that table as CSV. */
const reportsRoutes: FastifyPluginAsync = async (app) => {
  app.get('/reports', async (_request, reply) => reply.redirect('/reports/forecast', 303));

  const forecast = async (request: FastifyRequest) => {
    const { scope, f, query, view } = await readFigureFilters(app, request);
    const rows = forecastRows(todayIso(scope.settings.default_time_zone), await q.openDealsByExpectedDay(app.db, scope, f));
    return { rows, query, view, currency: scope.settings.currency };
  };

  app.get('/reports/forecast', async (request, reply) => {
    const { rows, query, view } = await forecast(request);
    const total = rows.reduce((a, r) => ({ deals: a.deals + r.deals, value: a.value + r.value, weighted: a.weighted + r.weighted }), { deals: 0, value: 0, weighted: 0 });
    return reply.render('reports/forecast', { title: 'Revenue forecast', rows, total, csvUrl: `/reports/forecast.csv${query ? `?${query}` : ''}`, ...view, needsCharts: true });
  });

  app.get('/reports/forecast.csv', async (request, reply) => {
    const { rows, currency } = await forecast(request);
    const money = (cents: number) => (cents / 100).toFixed(2);
    return sendTableCsv(reply, 'revenue-forecast.csv', ['Expected close', 'Open deals', `Value (${currency})`, `Weighted (${currency})`], rows.map((r) => [r.label, r.deals, money(r.value), money(r.weighted)]));
  });
};

export default reportsRoutes;
