import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../db/schema.js';
import { assertCanEdit, canEdit, type Scope } from './access.js';
import type { AnyKind } from './entities.js';
import { ForbiddenError, NotFoundError, type FieldErrors } from './errors.js';
import { asFormBody, parseForm, parseQuery, submitForm, type FormBody } from './forms.js';
import { idParam, redirectAfterPost, safeRedirectPath, wantsFragment } from './http.js';
import { listView, pageInfo, type ListBase } from './listing.js';
import type { KeysetOptions, KeysetResult, ListSummary } from './list-query.js';
import { sendCsv, type CsvColumn } from './csv.js';
import type { Trx } from './writes.js';
import { scopeOf } from '../plugins/session.js';
import { timelinePage } from '../features/timeline/timeline.present.js';
import { TASK_PARENTS, taskPanel } from '../features/tasks/tasks.panel.js';
import type { TaskEntity } from '../features/tasks/tasks.queries.js';

type DB = Kysely<Database>;

/** What a list page needs of a defineList result (see lib/list-query). */
export interface ListDef<P, Row> {
  page: (db: DB, scope: Scope, params: P & { page: number }, pageSize: number) => Promise<{ rows: Row[]; total: number; summary: ListSummary; hasNext: boolean; page: number }>;
  /** The API's pages: ids in id order after a cursor (see lib/list-query). */
  keyset: (db: DB, scope: Scope, params: Partial<P>, opts: KeysetOptions) => Promise<KeysetResult>;
  rowsQuery: (db: DB, scope: Scope, params: P) => Promise<{ compile: () => Parameters<typeof sendCsv>[3] }>;
}

/**
 * A record kind's pages (ARCHITECTURE "URLs and forms"): the feature describes them once and
 * registers each handler under its URL in its own routes file, so URLs stay greppable and extra
 * routes (toggle, move, convert, panels) reuse `load`, `mayManage` and `renderForm`.
 */
export interface ResourceSpec<P extends ListBase, Row, Rec extends { id: number; assigned_to?: number | null }, I> {
  kind: AnyKind;
  title: string;
  defaultSort: string;
  defaultDir?: 'asc' | 'desc';
  views: string;
  listSchema: z.ZodType<P>;
  list: ListDef<P, Row>;
  listOptions: (db: DB, scope: Scope, params: P) => Promise<Record<string, unknown>>;
  csv: CsvColumn<Row>[];
  formSchema: z.ZodType<I>;
  formOptions: (db: DB, scope: Scope, current: Rec | null, values: FormBody) => Promise<Record<string, unknown>>;
  newValues: (scope: Scope, query: FormBody) => FormBody;
  /** What an edit form starts with: the record's fields as the form names and shows them. */
  toFormValues: (rec: Rec) => FormBody;
  /** The record as its pages show it, from the kind's scoped base query; undefined when not visible. */
  find: (db: DB, scope: Scope, id: number) => Promise<Rec | undefined>;
  create: (trx: Trx, scope: Scope, input: I, body: FormBody) => Promise<number>;
  update: (trx: Trx, scope: Scope, id: number, input: I, body: FormBody) => Promise<void>;
  remove: (trx: Trx, scope: Scope, id: number) => Promise<unknown>;
  showData: (db: DB, scope: Scope, rec: Rec) => Promise<Record<string, unknown>>;
  /** Who may create, edit and delete (default: everyone, with the rep assignment rule). */
  manage?: (scope: Scope) => boolean;
}

/**
 * What the pages, the JSON API (features/api) and the OpenAPI document share of a kind: its
 * list (filters, scoped query), form schema, scoped find and services. Each feature exports
 * its core once; the pages add their views and options, the API its JSON door.
 */
export type ResourceCore<P extends ListBase, Row, Rec extends { id: number; assigned_to?: number | null }, I> = Pick<
  ResourceSpec<P, Row, Rec, I>,
  'kind' | 'listSchema' | 'list' | 'formSchema' | 'find' | 'toFormValues' | 'create' | 'update' | 'remove' | 'manage'
>;

const capitalized = (s: string) => `${s[0].toUpperCase()}${s.slice(1)}`;

/** Where a form sends the user after creating: one of our own pages, else nowhere special. */
function returnTo(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw === '/' || !raw.startsWith('/')) return undefined;
  const safe = safeRedirectPath(raw);
  return safe === '/' ? undefined : safe;
}

export function resource<P extends ListBase, Row, Rec extends { id: number; assigned_to?: number | null }, I>(app: FastifyInstance, r: ResourceSpec<P, Row, Rec, I>) {
  const path = r.kind.path;
  const rowsId = `${path.slice(1)}-rows`;
  const mayManage = (scope: Scope) => (r.manage ? r.manage(scope) : true);
  const requireManage = (scope: Scope) => {
    if (!mayManage(scope)) throw new ForbiddenError(`Only managers and admins can change ${r.kind.nounPlural}.`);
  };

  /** The request's scope, its :id, and the record if the viewer may see it (else 404). */
  async function load(request: FastifyRequest) {
    const scope = scopeOf(request);
    const id = idParam(request);
    const rec = await r.find(app.db, scope, id);
    if (!rec) throw new NotFoundError();
    return { scope, id, rec };
  }

  async function renderForm(reply: FastifyReply, scope: Scope, rec: Rec | null, values: FormBody, errors: FieldErrors, status = 200) {
    const title = rec ? `Edit ${r.kind.nameOf(rec)}` : `New ${r.kind.noun}`;
    const options = await r.formOptions(app.db, scope, rec, values);
    return reply.render(rec ? `${r.views}/edit` : `${r.views}/new`, { title, record: rec, values, errors, ...options }, status);
  }

  return {
    load,
    mayManage,
    renderForm,

    async list(request: FastifyRequest, reply: FastifyReply) {
      const scope = scopeOf(request);
      const params = parseQuery(r.listSchema, request.query);
      const pageSize = scope.pageSize ?? scope.settings.page_size;
      const result = await r.list.page(app.db, scope, params, pageSize);
      const list = listView(path, params as P & Record<string, unknown>, pageInfo(result.total, result.page, pageSize, { capped: result.summary.capped, hasNext: result.hasNext, shown: result.rows.length }), r.defaultSort, r.defaultDir);
      const data = { title: r.title, rows: result.rows, total: result.total, ...result.summary, list, rowsId, wide: true, canManage: mayManage(scope) };
      reply.header('vary', 'HX-Request, HX-Target');
      if (wantsFragment(request, rowsId)) return reply.render(`${r.views}/_rows`, data);
      return reply.render(`${r.views}/index`, { ...data, ...(await r.listOptions(app.db, scope, params)) });
    },

    async exportCsv(request: FastifyRequest, reply: FastifyReply) {
      const scope = scopeOf(request);
      const params = parseQuery(r.listSchema, request.query);
      return sendCsv(reply, `${path.slice(1)}.csv`, app.config.dbPath, (await r.list.rowsQuery(app.db, scope, params)).compile(), r.csv, scope.viewer.timeZone);
    },

    async newForm(request: FastifyRequest, reply: FastifyReply) {
      const scope = scopeOf(request);
      requireManage(scope);
      const query = asFormBody(request.query);
      return renderForm(reply, scope, null, { ...r.newValues(scope, query), return_to: returnTo(query.return_to) }, {});
    },

    async create(request: FastifyRequest, reply: FastifyReply) {
      const scope = scopeOf(request);
      requireManage(scope);
      const body = asFormBody(request.body);
      return submitForm(
        async () => {
          const input = parseForm(r.formSchema, body);
          const id = await app.db.transaction().execute((trx) => r.create(trx, scope, input, body));
          reply.flash('success', `${capitalized(r.kind.noun)} created.`);
          // "Add contact" from a company goes back to the company.
          return redirectAfterPost(request, reply, returnTo(body.return_to) ?? `${path}/${id}`);
        },
        (values, errors, status) => renderForm(reply, scope, null, values, errors, status),
        body,
      );
    },

    async show(request: FastifyRequest, reply: FastifyReply) {
      const { scope, id, rec } = await load(request);
      const [extra, tl, tasks] = await Promise.all([
        r.showData(app.db, scope, rec),
        timelinePage(app.db, r.kind.type, id, { moreBase: `${path}/${id}/timeline`, currency: scope.settings.currency }),
        TASK_PARENTS.has(r.kind.type) ? taskPanel(app.db, scope, r.kind.type as TaskEntity, id, path) : {},
      ]);
      return reply.render(`${r.views}/show`, {
        title: r.kind.nameOf(rec),
        record: rec,
        ...extra,
        ...tl,
        ...tasks,
        timelineVisible: scope.settings.timeline_visible,
        editable: mayManage(scope) && canEdit(scope.viewer, rec.assigned_to ?? null),
        notesUrl: `${path}/${id}/notes`,
      });
    },

    async editForm(request: FastifyRequest, reply: FastifyReply) {
      requireManage(scopeOf(request));
      const { scope, rec } = await load(request);
      // The form is refused as its POST would be: no form a rep cannot save.
      assertCanEdit(scope.viewer, rec.assigned_to ?? null, r.kind.noun);
      return renderForm(reply, scope, rec, r.toFormValues(rec), {});
    },

    async update(request: FastifyRequest, reply: FastifyReply) {
      const scope = scopeOf(request);
      requireManage(scope);
      const id = idParam(request);
      const body = asFormBody(request.body);
      return submitForm(
        async () => {
          const input = parseForm(r.formSchema, body);
          await app.db.transaction().execute((trx) => r.update(trx, scope, id, input, body));
          reply.flash('success', `${capitalized(r.kind.noun)} saved.`);
          return redirectAfterPost(request, reply, `${path}/${id}`);
        },
        async (values, errors, status) => renderForm(reply, scope, (await load(request)).rec, values, errors, status),
        body,
      );
    },

    async remove(request: FastifyRequest, reply: FastifyReply) {
      requireManage(scopeOf(request));
      const { scope, id, rec } = await load(request);
      await app.db.transaction().execute((trx) => r.remove(trx, scope, id));
      reply.flash('success', `${r.kind.nameOf(rec)} was deleted.`);
      return redirectAfterPost(request, reply, path);
    },
  };
}
