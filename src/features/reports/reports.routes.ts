import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { scopeOf } from '../../plugins/session.js';
import { parseQuery } from '../../lib/forms.js';
import { todayIso } from '../../lib/time.js';
import { sendTableCsv } from '../../lib/csv.js';
import { assigneeOptions } from '../users/users.queries.js';
import { listPipelines } from '../pipelines/pipelines.queries.js';
import * as q from './reports.queries.js';
import { forecastRows } from './reports.rules.js';

const id = z.preprocess((v) => (typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : undefined), z.number().int().positive().optional());
const reportQuery = z.object({ pipeline_id: id, assigned_to: id });

/** Reports (SPEC §10): filters in the URL, a chart, the same numbers as a table, and that table as CSV. */
const reportsRoutes: FastifyPluginAsync = async (app) => {
  /** The filters every report shares: a pipeline that exists, and a rep (a rep with `own` visibility is always themself). */
  async function filtersOf(request: FastifyRequest) {
    const scope = scopeOf(request);
    const params = parseQuery(reportQuery, request.query);
    const pipelines = await listPipelines(app.db);
    const pipelineId = pipelines.some((p) => p.id === params.pipeline_id) ? params.pipeline_id! : null;
    const who = scope.ownOnly ? scope.viewer.id : (params.assigned_to ?? null);
    const qs = new URLSearchParams();
    if (pipelineId) qs.set('pipeline_id', String(pipelineId));
    if (!scope.ownOnly && who) qs.set('assigned_to', String(who));
    return {
      scope, f: { pipelineId, who }, query: qs.toString(),
      view: {
        filters: { pipeline_id: pipelineId ?? '', assigned_to: scope.ownOnly ? '' : (who ?? '') },
        pipelines: pipelines.map((p) => ({ value: p.id, label: p.name })),
        assignees: scope.ownOnly ? [] : await assigneeOptions(app.db),
        ownOnly: scope.ownOnly,
        currency: scope.settings.currency,
      },
    };
  }

  app.get('/reports', async (_request, reply) => reply.redirect('/reports/forecast', 303));

  const forecast = async (request: FastifyRequest) => {
    const { scope, f, query, view } = await filtersOf(request);
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
