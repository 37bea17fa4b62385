import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { scopeOf } from '../../plugins/session.js';
import { parseQuery } from '../../lib/forms.js';
import { assigneeOptions } from '../users/users.queries.js';
import { listPipelines } from '../pipelines/pipelines.queries.js';

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
export async function readFigureFilters(app: FastifyInstance, request: FastifyRequest) {
  const scope = scopeOf(request);
  const params = parseQuery(figureQuery, request.query);
  const pipelines = await listPipelines(app.db);
  const pipelineId = pipelines.some((p) => p.id === params.pipeline_id) ? params.pipeline_id! : null;
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
      assignees: scope.ownOnly ? [] : await assigneeOptions(app.db),
      ownOnly: scope.ownOnly,
      currency: scope.settings.currency,
    },
  };
}
