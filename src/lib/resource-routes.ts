import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CompiledQuery, Kysely } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../db/schema.js';
import { canEdit, scopeFor, type Scope } from './access.js';
import { ForbiddenError, NotFoundError, type FieldErrors } from './errors.js';
import { asFormBody, parseForm, parseQuery, submitForm, type FormBody } from './forms.js';
import { idParam, redirectAfterPost, wantsFragment } from './http.js';
import { listView, pageInfo, type ListBase } from './listing.js';
import { sendCsv, type CsvColumn } from './csv.js';
import { viewerOf } from '../plugins/session.js';
import type { Trx } from './writes.js';
import { timelinePage } from '../features/timeline/timeline.present.js';

type DB = Kysely<Database>;

/**
 * The one list / detail / form pattern (ARCHITECTURE "URLs and forms"): a feature describes its
 * resource and gets GET list (+ rows fragment), export.csv, new, create, show, edit, update and
 * delete, all visibility-scoped and with 422 re-rendering.
 */
export interface Resource<P extends ListBase, Row, Rec extends { id: number; assigned_to?: number | null }, I> {
  path: string;
  entityType: string;
  noun: string;
  nounPlural: string;
  title: string;
  defaultSort: string;
  defaultDir?: 'asc' | 'desc';
  views: string;
  listSchema: z.ZodType<P>;
  list: (db: DB, scope: Scope, params: P, pageSize: number) => Promise<{ rows: Row[]; total: number } & Record<string, unknown>>;
  listOptions: (db: DB, scope: Scope, params: P) => Promise<Record<string, unknown>>;
  exportQuery: (db: DB, scope: Scope, params: P) => CompiledQuery;
  csv: CsvColumn<any>[];
  formSchema: z.ZodType<I>;
  formOptions: (db: DB, scope: Scope, current: Rec | null, values: FormBody) => Promise<Record<string, unknown>>;
  newValues: (scope: Scope, query: Record<string, unknown>) => FormBody;
  find: (db: DB, scope: Scope, id: number) => Promise<Rec | undefined>;
  nameOf: (rec: Rec) => string;
  create: (trx: Trx, scope: Scope, input: I, body: FormBody) => Promise<number>;
  update: (trx: Trx, scope: Scope, id: number, input: I, body: FormBody) => Promise<void>;
  remove: (trx: Trx, scope: Scope, id: number) => Promise<unknown>;
  showData: (db: DB, scope: Scope, rec: Rec) => Promise<Record<string, unknown>>;
  /** Who may create, edit and delete (default: everyone, with the rep assignment rule). */
  manage?: (scope: Scope) => boolean;
}

export function registerResourceRoutes<P extends ListBase, Row, Rec extends { id: number; assigned_to?: number | null }, I>(
  app: FastifyInstance,
  r: Resource<P, Row, Rec, I>,
): void {
  const rowsId = `${r.path.slice(1)}-rows`;
  const scopeOf = (request: FastifyRequest) => scopeFor(app.db, viewerOf(request));
  const mayManage = (scope: Scope) => (r.manage ? r.manage(scope) : true);
  const requireManage = (scope: Scope) => {
    if (!mayManage(scope)) throw new ForbiddenError(`Only managers and admins can change ${r.nounPlural}.`);
  };
  const load = async (scope: Scope, id: number) => {
    const rec = await r.find(app.db, scope, id);
    if (!rec) throw new NotFoundError();
    return rec;
  };

  app.get(r.path, async (request, reply) => {
    const scope = await scopeOf(request);
    const params = parseQuery(r.listSchema, request.query);
    const result = await r.list(app.db, scope, params, scope.settings.page_size);
    const list = listView(r.path, params as P & Record<string, unknown>, pageInfo(result.total, params.page, scope.settings.page_size), r.defaultSort, r.defaultDir);
    const data = { title: r.title, ...result, list, rowsId, wide: true, canManage: mayManage(scope) };
    reply.header('vary', 'HX-Request, HX-Target');
    if (wantsFragment(request, rowsId)) return reply.render(`${r.views}/_rows`, data);
    return reply.render(`${r.views}/index`, { ...data, ...(await r.listOptions(app.db, scope, params)) });
  });

  app.get(`${r.path}/export.csv`, async (request, reply) => {
    const scope = await scopeOf(request);
    const params = parseQuery(r.listSchema, request.query);
    return sendCsv(reply, `${r.path.slice(1)}.csv`, app.config.dbPath, r.exportQuery(app.db, scope, params), r.csv);
  });

  const renderForm = async (reply: FastifyReply, scope: Scope, rec: Rec | null, values: FormBody, errors: FieldErrors, status = 200) => {
    const title = rec ? `Edit ${r.nameOf(rec)}` : `New ${r.noun}`;
    const options = await r.formOptions(app.db, scope, rec, values);
    return reply.render(rec ? `${r.views}/edit` : `${r.views}/new`, { title, record: rec, values, errors, ...options }, status);
  };

  app.get(`${r.path}/new`, async (request, reply) => {
    const scope = await scopeOf(request);
    requireManage(scope);
    return renderForm(reply, scope, null, r.newValues(scope, asFormBody(request.query)), {});
  });

  app.post(r.path, async (request, reply) => {
    const scope = await scopeOf(request);
    requireManage(scope);
    const body = asFormBody(request.body);
    return submitForm(
      async () => {
        const input = parseForm(r.formSchema, body);
        const id = await app.db.transaction().execute((trx) => r.create(trx, scope, input, body));
        reply.flash('success', `${r.noun[0].toUpperCase()}${r.noun.slice(1)} created.`);
        return redirectAfterPost(request, reply, `${r.path}/${id}`);
      },
      (values, errors, status) => renderForm(reply, scope, null, values, errors, status),
    );
  });

  app.get(`${r.path}/:id`, async (request, reply) => {
    const scope = await scopeOf(request);
    const id = idParam(request);
    const rec = await load(scope, id);
    const [extra, tl] = await Promise.all([
      r.showData(app.db, scope, rec),
      timelinePage(app.db, r.entityType, id, { moreBase: `${r.path}/${id}/timeline` }),
    ]);
    return reply.render(`${r.views}/show`, {
      title: r.nameOf(rec),
      record: rec,
      ...extra,
      ...tl,
      timelineVisible: scope.settings.timeline_visible,
      editable: mayManage(scope) && canEdit(scope.viewer, rec.assigned_to ?? null),
      notesUrl: `${r.path}/${id}/notes`,
    });
  });

  app.get(`${r.path}/:id/edit`, async (request, reply) => {
    const scope = await scopeOf(request);
    requireManage(scope);
    const rec = await load(scope, idParam(request));
    return renderForm(reply, scope, rec, rec as unknown as FormBody, {});
  });

  app.post(`${r.path}/:id`, async (request, reply) => {
    const scope = await scopeOf(request);
    requireManage(scope);
    const id = idParam(request);
    const body = asFormBody(request.body);
    return submitForm(
      async () => {
        const input = parseForm(r.formSchema, body);
        await app.db.transaction().execute((trx) => r.update(trx, scope, id, input, body));
        reply.flash('success', `${r.noun[0].toUpperCase()}${r.noun.slice(1)} saved.`);
        return redirectAfterPost(request, reply, `${r.path}/${id}`);
      },
      async (values, errors, status) => renderForm(reply, scope, await load(scope, id), values, errors, status),
    );
  });

  app.post(`${r.path}/:id/delete`, async (request, reply) => {
    const scope = await scopeOf(request);
    requireManage(scope);
    const id = idParam(request);
    const rec = await load(scope, id);
    await app.db.transaction().execute((trx) => r.remove(trx, scope, id));
    reply.flash('success', `${r.nameOf(rec)} was deleted.`);
    return redirectAfterPost(request, reply, r.path);
  });
}
