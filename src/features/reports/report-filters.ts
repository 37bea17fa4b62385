import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { scopeOf } from '../../plugins/session.js';
import { parseQuery } from '../../lib/forms.js';
import { assigneeOptions } from '../users/users.queries.js';
import { listPipelines } from '../pipelines/pipelines.queries.js';
import { dayStartUtc, todayIso } from '../../lib/time.js';
import { DEFAULT_PERIOD, PERIODS, periodOf, type Period, type PeriodKey } from './reports.rules.js';

/** Figures narrowed to one pipeline and/or one assignee (null: all). Shared by the dashboard and every report. */
export interface FigureFilter {
  pipelineId: number | null;
  who: number | null;
}

const id = z.preprocess((v) => (typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : undefined), z.number().int().positive().optional());
const figureQuery = z.object({ pipeline_id: id, assigned_to: id });

/**
 * The dashboard's and reports' filters from the URL: a pipeline that exists, and a rep — a rep
 * with `own` visibility is always themself, whatever the URL says. Junk is ignored.
 */
export async function readFigureFilters(app: FastifyInstance, request: FastifyRequest, opts: { pipelineRequired?: boolean } = {}) {
  const scope = scopeOf(request);
  const params = parseQuery(figureQuery, request.query);
  const pipelines = await listPipelines(app.db);
  // A report that reads one pipeline's stages (dynamics, the deal funnel) shows the default one until another is picked.
  const fallback = opts.pipelineRequired ? (pipelines.find((p) => p.is_default) ?? pipelines[0])?.id ?? null : null;
  const pipelineId = pipelines.some((p) => p.id === params.pipeline_id) ? params.pipeline_id! : fallback;
  const who = scope.ownOnly ? scope.viewer.id : (params.assigned_to ?? null);
  const qs = new URLSearchParams();
  if (pipelineId) qs.set('pipeline_id', String(pipelineId));
  if (!scope.ownOnly && who) qs.set('assigned_to', String(who));
  const f: FigureFilter = { pipelineId, who };
  return {
    scope,
    f,
    query: qs.toString(),
    view: {
      filters: { pipeline_id: pipelineId ?? '', assigned_to: scope.ownOnly ? '' : (who ?? '') },
      pipelines: pipelines.map((p) => ({ value: p.id, label: p.name })),
      pipelineRequired: Boolean(opts.pipelineRequired),
      assignees: scope.ownOnly ? [] : await assigneeOptions(app.db),
      ownOnly: scope.ownOnly,
      currency: scope.settings.currency,
    },
  };
}

/** A real calendar day between 1900 and 2999 (one check: zod runs a refinement even after a failed regex). */
const day = z.string().refine((d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && d >= '1900-01-01' && d <= '2999-12-31' && !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d));
const periodQuery = z.object({
  period: z.enum(PERIODS.map(([k]) => k) as [PeriodKey, ...PeriodKey[]]).optional(),
  from: day.optional(),
  to: day.optional(),
  /** The dates the form showed: From/To still equal to them were not edited, so a newly picked preset wins. */
  shown_from: day.optional(),
  shown_to: day.optional(),
});

/**
 * A report's period from the URL, on the CRM's calendar: a preset (default the last 12 months),
 * or the From/To dates when they were edited on the form and say something other than the
 * preset's own (so editing the dates is enough — no need to pick "Custom dates" first — while
 * picking another preset with the shown dates untouched takes that preset). Junk is ignored.
 */
export function readPeriod(request: FastifyRequest): { period: Period; query: string; view: { period: Period; periods: { value: string; label: string }[]; lastDay: string } } {
  const { settings } = scopeOf(request);
  const tz = settings.default_time_zone;
  const p = parseQuery(periodQuery, request.query);
  const dayStart = (d: string) => dayStartUtc(d, tz);
  const today = todayIso(tz);
  let period = periodOf(p.period && p.period !== 'custom' ? p.period : DEFAULT_PERIOD, today, dayStart);
  const last = (x: Period) => new Date(Date.parse(`${x.endDay}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  const edited = (p.from || p.to) && (p.shown_from === undefined || p.from !== p.shown_from || p.to !== p.shown_to);
  const differs = (p.from ?? period.firstDay) !== period.firstDay || (p.to ?? last(period)) !== last(period);
  if ((p.from || p.to) && (p.period === 'custom' || (edited && differs)))
    period = periodOf('custom', today, dayStart, p.from ?? period.firstDay, p.to ?? last(period));
  const qs = new URLSearchParams();
  if (period.key !== DEFAULT_PERIOD) qs.set('period', period.key);
  if (period.key === 'custom') {
    qs.set('from', period.firstDay);
    qs.set('to', last(period));
  }
  return { period, query: qs.toString(), view: { period, periods: PERIODS.map(([value, label]) => ({ value, label })), lastDay: last(period) } };
}

/** Two query strings joined: "a=1" + "b=2" → "a=1&b=2". */
export const joinQuery = (...parts: string[]) => parts.filter(Boolean).join('&');
