import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { NotFoundError, type FieldErrors } from '../../lib/errors.js';
import { asFormBody, parseForm, submitForm, type FormBody } from '../../lib/forms.js';
import { redirectAfterPost, wantsFragment } from '../../lib/http.js';
import { viewerOf } from '../../plugins/session.js';
import * as q from './pipelines.queries.js';
import * as service from './pipelines.service.js';
import { pipelineFormSchema, reorderSchema, stageFormSchema } from './pipelines.schemas.js';

const ids = z.object({ id: z.coerce.number().int().positive(), stage_id: z.coerce.number().int().positive().optional() });

/** Pipelines and their stages, under settings: admins and managers. */
const pipelinesRoutes: FastifyPluginAsync = async (app) => {
  const staff = { config: { access: ['admin', 'manager'] as ('admin' | 'manager')[] } };
  const params = (request: FastifyRequest) => {
    const p = ids.safeParse(request.params);
    if (!p.success) throw new NotFoundError();
    return { id: p.data.id, stageId: p.data.stage_id ?? 0 };
  };

  const renderIndex = async (reply: FastifyReply, values: FormBody, errors: FieldErrors, status = 200) => {
    const pipelines = await q.listPipelinesWithCounts(app.db);
    return reply.render('pipelines/index', { title: 'Pipelines', pipelines, values, errors, needsSortable: true }, status);
  };

  app.get('/settings/pipelines', staff, async (_request, reply) => renderIndex(reply, { is_active: 1 }, {}));

  app.post('/settings/pipelines', staff, async (request, reply) => {
    const body = asFormBody(request.body);
    return submitForm(
      async () => {
        const id = await app.db.transaction().execute((trx) => service.createPipeline(trx, viewerOf(request), parseForm(pipelineFormSchema, body), body));
        reply.flash('success', 'Pipeline created. Now add its stages.');
        return redirectAfterPost(request, reply, `/settings/pipelines/${id}/stages`);
      },
      (values, errors, status) => renderIndex(reply, values, errors, status),
      body,
    );
  });

  const renderEdit = async (reply: FastifyReply, id: number, values: FormBody | null, errors: FieldErrors, status = 200) => {
    const pipeline = await q.findPipeline(app.db, id);
    if (!pipeline) throw new NotFoundError();
    return reply.render('pipelines/edit', { title: `Edit ${pipeline.name}`, pipeline, values: values ?? pipeline, errors }, status);
  };

  app.get('/settings/pipelines/:id/edit', staff, async (request, reply) => renderEdit(reply, params(request).id, null, {}));

  app.post('/settings/pipelines/:id', staff, async (request, reply) => {
    const { id } = params(request);
    const body = asFormBody(request.body);
    return submitForm(
      async () => {
        await app.db.transaction().execute((trx) => service.updatePipeline(trx, viewerOf(request), id, parseForm(pipelineFormSchema, body), body));
        reply.flash('success', 'Pipeline saved.');
        return redirectAfterPost(request, reply, '/settings/pipelines');
      },
      (values, errors, status) => renderEdit(reply, id, values, errors, status),
      body,
    );
  });

  app.post('/settings/pipelines/:id/toggle-active', staff, async (request, reply) => {
    const p = await app.db.transaction().execute((trx) => service.togglePipelineActive(trx, viewerOf(request), params(request).id));
    reply.flash('success', `${p.name} is ${p.is_active ? 'enabled' : 'disabled'}.`);
    return redirectAfterPost(request, reply, '/settings/pipelines');
  });

  app.post('/settings/pipelines/:id/delete', staff, async (request, reply) => {
    const p = await app.db.transaction().execute((trx) => service.deletePipeline(trx, viewerOf(request), params(request).id));
    reply.flash('success', `${p.name} was deleted.`);
    return redirectAfterPost(request, reply, '/settings/pipelines');
  });

  app.post('/settings/pipelines/reorder', staff, async (request, reply) => {
    await app.db.transaction().execute((trx) => service.reorderPipelines(trx, viewerOf(request), parseForm(reorderSchema, request.body).ids));
    if (wantsFragment(request, 'pipelines-list')) return reply.code(204).send();
    return redirectAfterPost(request, reply, '/settings/pipelines');
  });

  const renderStages = async (reply: FastifyReply, id: number, values: FormBody, errors: FieldErrors, status = 200) => {
    const pipeline = await q.findPipeline(app.db, id);
    if (!pipeline) throw new NotFoundError();
    const stages = await q.listStagesWithCounts(app.db, id);
    return reply.render('pipelines/stages', { title: `${pipeline.name} stages`, pipeline, stages, values, errors, needsSortable: true }, status);
  };

  app.get('/settings/pipelines/:id/stages', staff, async (request, reply) => renderStages(reply, params(request).id, { color: '#64748b', probability: '10' }, {}));

  app.post('/settings/pipelines/:id/stages', staff, async (request, reply) => {
    const { id } = params(request);
    const body = asFormBody(request.body);
    return submitForm(
      async () => {
        await app.db.transaction().execute((trx) => service.createStage(trx, viewerOf(request), id, parseForm(stageFormSchema, body), body));
        reply.flash('success', `Stage "${String(body.name).trim()}" added.`);
        return redirectAfterPost(request, reply, `/settings/pipelines/${id}/stages`);
      },
      (values, errors, status) => renderStages(reply, id, values, errors, status),
      body,
    );
  });

  const renderStageEdit = async (reply: FastifyReply, id: number, stageId: number, values: FormBody | null, errors: FieldErrors, status = 200) => {
    const [pipeline, stage] = await Promise.all([q.findPipeline(app.db, id), q.findStage(app.db, stageId)]);
    if (!pipeline || !stage || stage.pipeline_id !== id) throw new NotFoundError();
    return reply.render('pipelines/stage-edit', { title: `Edit ${stage.name}`, pipeline, stage, values: values ?? stage, errors }, status);
  };

  app.get('/settings/pipelines/:id/stages/:stage_id/edit', staff, async (request, reply) => {
    const { id, stageId } = params(request);
    return renderStageEdit(reply, id, stageId, null, {});
  });

  app.post('/settings/pipelines/:id/stages/reorder', staff, async (request, reply) => {
    const { id } = params(request);
    await app.db.transaction().execute((trx) => service.reorderStages(trx, viewerOf(request), id, parseForm(reorderSchema, request.body).ids));
    if (wantsFragment(request, `stages-${id}`)) return reply.code(204).send();
    return redirectAfterPost(request, reply, `/settings/pipelines/${id}/stages`);
  });

  app.post('/settings/pipelines/:id/stages/:stage_id', staff, async (request, reply) => {
    const { id, stageId } = params(request);
    const body = asFormBody(request.body);
    return submitForm(
      async () => {
        await app.db.transaction().execute((trx) => service.updateStage(trx, viewerOf(request), id, stageId, parseForm(stageFormSchema, body), body));
        reply.flash('success', 'Stage saved.');
        return redirectAfterPost(request, reply, `/settings/pipelines/${id}/stages`);
      },
      (values, errors, status) => renderStageEdit(reply, id, stageId, values, errors, status),
      body,
    );
  });

  app.post('/settings/pipelines/:id/stages/:stage_id/delete', staff, async (request, reply) => {
    const { id, stageId } = params(request);
    const stage = await app.db.transaction().execute((trx) => service.deleteStage(trx, viewerOf(request), id, stageId));
    reply.flash('success', `Stage "${stage.name}" deleted.`);
    return redirectAfterPost(request, reply, `/settings/pipelines/${id}/stages`);
  });
};

export default pipelinesRoutes;
