import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { NotFoundError, type FieldErrors } from '../../lib/errors.js';
import { asFormBody, parseForm, submitForm, type FormBody } from '../../lib/forms.js';
import { redirectAfterPost, wantsFragment } from '../../lib/http.js';
import { viewerOf } from '../../plugins/session.js';
import { centsToInput } from '../../lib/format.js';
import { DIRECTORY_KINDS, isDirectoryKind, type DirectoryKind } from './directories.kinds.js';
import { DIRECTORY_EXTRA_FIELDS, DIRECTORY_SCHEMAS, reorderSchema } from './directories.schemas.js';
import * as q from './directories.queries.js';
import * as service from './directories.service.js';

const params = z.object({ kind: z.string(), id: z.coerce.number().int().positive().optional() });

/** Admins and managers edit the directories; the list of kinds is the settings sub-navigation. */
const directoriesRoutes: FastifyPluginAsync = async (app) => {
  const staff = { config: { access: ['admin', 'manager'] as ('admin' | 'manager')[] } };

  const target = (request: FastifyRequest) => {
    const p = params.safeParse(request.params);
    if (!p.success || !isDirectoryKind(p.data.kind)) throw new NotFoundError();
    const kind = p.data.kind as DirectoryKind;
    return { kind, ...DIRECTORY_KINDS[kind], id: p.data.id ?? 0 };
  };

  /** Money columns show as plain amounts in forms. */
  const formValues = (kind: DirectoryKind, item: Record<string, unknown>) => {
    const out: FormBody = { ...item };
    for (const x of DIRECTORY_EXTRA_FIELDS[DIRECTORY_KINDS[kind].table]) if (x.type === 'money') out[x.name] = centsToInput(item[x.name] as number | null);
    return out;
  };

  const renderIndex = async (reply: FastifyReply, kind: DirectoryKind, values: FormBody, errors: FieldErrors, status = 200) => {
    const d = DIRECTORY_KINDS[kind];
    const items = await q.listDirectory(app.db, d.table);
    return reply.render('directories/index', {
      title: d.label, kind, d, items, values, errors, extra: DIRECTORY_EXTRA_FIELDS[d.table], kinds: DIRECTORY_KINDS, needsSortable: true,
    }, status);
  };

  app.get('/settings/directories', staff, async (_request, reply) => reply.redirect('/settings/directories/industries', 303));

  app.get('/settings/directories/:kind', staff, async (request, reply) => renderIndex(reply, target(request).kind, { is_active: 1 }, {}));

  app.post('/settings/directories/:kind', staff, async (request, reply) => {
    const t = target(request);
    const body = asFormBody(request.body);
    return submitForm(
      async () => {
        await app.db.transaction().execute((trx) => service.createDirectoryItem(trx, viewerOf(request), t.table, parseForm(DIRECTORY_SCHEMAS[t.table], body), body));
        reply.flash('success', `Added "${String(body.name).trim()}".`);
        return redirectAfterPost(request, reply, `/settings/directories/${t.kind}`);
      },
      (values, errors, status) => renderIndex(reply, t.kind, values, errors, status),
      body,
    );
  });

  const renderEdit = async (reply: FastifyReply, kind: DirectoryKind, id: number, values: FormBody | null, errors: FieldErrors, status = 200) => {
    const d = DIRECTORY_KINDS[kind];
    const item = await q.findDirectoryItem(app.db, d.table, id);
    if (!item) throw new NotFoundError();
    return reply.render('directories/edit', { title: `Edit ${item.name}`, kind, d, item, values: values ?? formValues(kind, item), errors, extra: DIRECTORY_EXTRA_FIELDS[d.table] }, status);
  };

  app.get('/settings/directories/:kind/:id/edit', staff, async (request, reply) => {
    const t = target(request);
    return renderEdit(reply, t.kind, t.id, null, {});
  });

  app.post('/settings/directories/:kind/:id', staff, async (request, reply) => {
    const t = target(request);
    const body = asFormBody(request.body);
    return submitForm(
      async () => {
        await app.db.transaction().execute((trx) => service.updateDirectoryItemChecked(trx, viewerOf(request), t.table, t.id, parseForm(DIRECTORY_SCHEMAS[t.table], body), body));
        reply.flash('success', 'Saved.');
        return redirectAfterPost(request, reply, `/settings/directories/${t.kind}`);
      },
      (values, errors, status) => renderEdit(reply, t.kind, t.id, values, errors, status),
      body,
    );
  });

  app.post('/settings/directories/:kind/:id/toggle-active', staff, async (request, reply) => {
    const t = target(request);
    await app.db.transaction().execute((trx) => service.toggleDirectoryItem(trx, viewerOf(request), t.table, t.id));
    return redirectAfterPost(request, reply, `/settings/directories/${t.kind}`);
  });

  app.post('/settings/directories/:kind/:id/delete', staff, async (request, reply) => {
    const t = target(request);
    const name = await app.db.transaction().execute((trx) => service.deleteDirectoryItemChecked(trx, viewerOf(request), t.table, t.id));
    reply.flash('success', `Deleted "${name}".`);
    return redirectAfterPost(request, reply, `/settings/directories/${t.kind}`);
  });

  app.post('/settings/directories/:kind/reorder', staff, async (request, reply) => {
    const t = target(request);
    const { ids } = parseForm(reorderSchema, request.body);
    await app.db.transaction().execute((trx) => service.reorderDirectoryItems(trx, viewerOf(request), t.table, ids));
    if (wantsFragment(request, `directory-${t.kind}`)) return reply.code(204).send();
    return redirectAfterPost(request, reply, `/settings/directories/${t.kind}`);
  });
};

export default directoriesRoutes;
