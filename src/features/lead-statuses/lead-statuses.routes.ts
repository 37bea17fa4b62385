import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { NotFoundError, type FieldErrors } from '../../lib/errors.js';
import { asFormBody, parseForm, submitForm, type FormBody } from '../../lib/forms.js';
import { redirectAfterPost, wantsFragment } from '../../lib/http.js';
import { viewerOf } from '../../plugins/session.js';
import { reorderSchema } from '../pipelines/pipelines.schemas.js';
import * as q from './lead-statuses.queries.js';
import * as service from './lead-statuses.service.js';
import { leadStatusFormSchema } from './lead-statuses.schemas.js';

const idSchema = z.object({ id: z.coerce.number().int().positive() });
const BASE = '/settings/lead-statuses';

/** Lead statuses under settings (SPEC §4): admins and managers. */
const leadStatusesRoutes: FastifyPluginAsync = async (app) => {
  const staff = { config: { access: ['admin', 'manager'] as ('admin' | 'manager')[] } };
  const idOf = (request: FastifyRequest) => {
    const p = idSchema.safeParse(request.params);
    if (!p.success) throw new NotFoundError();
    return p.data.id;
  };

  const renderIndex = async (reply: FastifyReply, values: FormBody, errors: FieldErrors, status = 200) => {
    const statuses = await q.listLeadStatusesWithCounts(app.db);
    return reply.render('lead-statuses/index', { title: 'Lead statuses', statuses, values, errors, needsSortable: true }, status);
  };

  app.get(BASE, staff, async (_request, reply) => renderIndex(reply, { color: '#64748b' }, {}));

  app.post(BASE, staff, async (request, reply) => {
    const body = asFormBody(request.body);
    return submitForm(
      async () => {
        await app.db.transaction().execute((trx) => service.createLeadStatus(trx, viewerOf(request), parseForm(leadStatusFormSchema, body), body));
        reply.flash('success', `Status "${String(body.name).trim()}" added.`);
        return redirectAfterPost(request, reply, BASE);
      },
      (values, errors, status) => renderIndex(reply, values, errors, status),
      body,
    );
  });

  app.post(`${BASE}/reorder`, staff, async (request, reply) => {
    await app.db.transaction().execute((trx) => service.reorderLeadStatuses(trx, viewerOf(request), parseForm(reorderSchema, request.body).ids));
    if (wantsFragment(request, 'lead-statuses')) return reply.code(204).send();
    return redirectAfterPost(request, reply, BASE);
  });

  const renderEdit = async (reply: FastifyReply, id: number, values: FormBody | null, errors: FieldErrors, status = 200) => {
    const s = await q.findLeadStatus(app.db, id);
    if (!s) throw new NotFoundError();
    return reply.render('lead-statuses/edit', { title: `Edit ${s.name}`, leadStatus: s, values: values ?? s, errors }, status);
  };

  app.get(`${BASE}/:id/edit`, staff, async (request, reply) => renderEdit(reply, idOf(request), null, {}));

  app.post(`${BASE}/:id`, staff, async (request, reply) => {
    const id = idOf(request);
    const body = asFormBody(request.body);
    return submitForm(
      async () => {
        await app.db.transaction().execute((trx) => service.updateLeadStatus(trx, viewerOf(request), id, parseForm(leadStatusFormSchema, body), body));
        reply.flash('success', 'Status saved.');
        return redirectAfterPost(request, reply, BASE);
      },
      (values, errors, status) => renderEdit(reply, id, values, errors, status),
      body,
    );
  });

  app.post(`${BASE}/:id/delete`, staff, async (request, reply) => {
    const s = await app.db.transaction().execute((trx) => service.deleteLeadStatus(trx, viewerOf(request), idOf(request)));
    reply.flash('success', `Status "${s.name}" deleted.`);
    return redirectAfterPost(request, reply, BASE);
  });
};

export default leadStatusesRoutes;
