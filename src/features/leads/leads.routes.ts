import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database, Lead, LeadStatus } from '../../db/schema.js';
import { NotFoundError } from '../../lib/errors.js';
import { asFormBody, parseForm, submitForm, type FormBody } from '../../lib/forms.js';
import { idParam, redirectAfterPost, wantsFragment } from '../../lib/http.js';
import { resource, type ResourceCore } from '../../lib/resource-routes.js';
import { lead } from '../../lib/entities.js';
import { centsToInput } from '../../lib/format.js';
import { boardOwner, ownerParamOf, parseCursor } from '../../lib/kanban.js';
import { assertCanEdit } from '../../lib/access.js';
import { scopeOf } from '../../plugins/session.js';
import { assigneeOptions } from '../users/users.queries.js';
import { companyOptions } from '../companies/companies.queries.js';
import { directoryOptions } from '../directories/directories.queries.js';
import { findLeadStatus, listLeadStatuses } from '../lead-statuses/lead-statuses.queries.js';
import { findDefaultPipeline, listPipelines, listStages } from '../pipelines/pipelines.queries.js';
import * as q from './leads.queries.js';
import * as service from './leads.service.js';
import { boardStatuses, leadBoard, leadCardView, LEAD_KANBAN } from './leads.board.js';
import { leadKey } from './leads.rules.js';
import { convertSchema, leadFormSchema, leadListSchema, leadMoveSchema, type LeadFilters, type LeadInput } from './leads.schemas.js';

type Row = q.LeadRow;

const statusOptions = (all: LeadStatus[], current?: number | null) =>
  all.filter((s) => !s.is_conversion_target || s.id === current).map((s) => ({ value: s.id, label: s.name }));

/** What the pages and the API share (lib/resource-routes ResourceCore). */
export const leadResource = {
  kind: lead,
  listSchema: leadListSchema,
  list: q.leadList,
  formSchema: leadFormSchema,
  toFormValues: (l) => ({ ...l, value: centsToInput(l.value_cents) }),
  find: q.findLead,
  create: service.createLead,
  update: service.updateLeadFromForm,
  remove: service.deleteLeadChecked,
} satisfies ResourceCore<LeadFilters, q.LeadRow, NonNullable<Awaited<ReturnType<typeof q.findLead>>>, LeadInput>;

/** What a conversion starts from (the form, and the API where a field is not sent): the lead's own contact, company and value. */
export async function convertDefaults(db: Kysely<Database>, rec: Pick<Lead, 'title' | 'contact_name' | 'contact_email' | 'contact_phone' | 'company_name' | 'value_cents'>) {
  const pipeline = await findDefaultPipeline(db);
  return {
    customer_name: rec.contact_name ?? rec.company_name ?? rec.title, customer_email: rec.contact_email, customer_phone: rec.contact_phone,
    company_mode: rec.company_name ? 'new' : 'none', company_new_name: rec.company_name, create_deal: '1', deal_title: rec.title,
    deal_value: centsToInput(rec.value_cents), pipeline_id: pipeline?.id,
  };
}

const leadsRoutes: FastifyPluginAsync = async (app) => {
  const r = resource(app, {
    ...leadResource,
    title: 'Leads',
    defaultSort: 'created_at',
    defaultDir: 'desc',
    views: 'leads',
    listOptions: async (db) => ({
      statuses: (await listLeadStatuses(db)).map((s) => ({ value: s.id, label: s.name })),
      sources: await directoryOptions(db, 'lead_sources'),
      campaigns: await directoryOptions(db, 'campaigns'),
      assignees: await assigneeOptions(db),
    }),
    csv: [
      { header: 'Key', value: (r: Row) => leadKey(r.id) },
      { header: 'Title', value: (r: Row) => r.title },
      { header: 'Status', value: (r: Row) => r.status_name },
      { header: 'Contact name', value: (r: Row) => r.contact_name },
      { header: 'Contact email', value: (r: Row) => r.contact_email },
      { header: 'Contact phone', value: (r: Row) => r.contact_phone },
      { header: 'Company', value: (r: Row) => r.company_name },
      { header: 'Value', value: (r: Row) => (r.value_cents === null ? '' : (r.value_cents / 100).toFixed(2)) },
      { header: 'Source', value: (r: Row) => r.source_name },
      { header: 'Campaign', value: (r: Row) => r.campaign_name },
      { header: 'Assigned to', value: (r: Row) => r.assigned_name },
      { header: 'Converted at', value: (r: Row) => r.converted_at, kind: 'datetime' },
      { header: 'Created at', value: (r: Row) => r.created_at, kind: 'datetime' },
    ],
    formOptions: async (db, _scope, rec) => ({
      statuses: statusOptions(await listLeadStatuses(db), rec?.lead_status_id),
      sources: await directoryOptions(db, 'lead_sources', rec?.lead_source_id),
      campaigns: await directoryOptions(db, 'campaigns', rec?.campaign_id),
      products: await directoryOptions(db, 'products', rec?.product_id),
      assignees: await assigneeOptions(db, rec?.assigned_to),
    }),
    newValues: (scope, query) => ({ assigned_to: scope.viewer.id, lead_status_id: query.lead_status_id, lead_source_id: query.lead_source_id, campaign_id: query.campaign_id }),
    showData: async (db, scope, l) => {
      const statuses = await listLeadStatuses(db);
      return { key: leadKey(l.id), became: await q.becameOf(db, scope, l), statuses: statuses.filter((s) => !s.is_conversion_target) };
    },
  });

  app.get('/leads', r.list);
  app.get('/leads/export.csv', r.exportCsv);
  app.get('/leads/new', r.newForm);
  app.post('/leads', r.create);

  /* ---------- The board ---------- */

  app.get('/leads/board', async (request, reply) => {
    const scope = scopeOf(request);
    const query = asFormBody(request.query);
    const owner = boardOwner(query.assigned_to, scope.viewer.id);
    const { columns } = await boardStatuses(app.db);
    const cols = await leadBoard.columns(app.db, scope, columns, owner);
    return reply.render('leads/board', {
      title: 'Lead board', columns: cols, kb: LEAD_KANBAN, owner, ownerParam: owner ? String(owner) : '', ownerSelected: query.assigned_to === 'me' ? 'me' : owner ? String(owner) : '',
      assignees: scope.ownOnly ? [] : await assigneeOptions(app.db), wide: true, needsSortable: true,
    });
  });

  app.get('/leads/board/column/:id', async (request, reply) => {
    const scope = scopeOf(request);
    const status = await findLeadStatus(app.db, idParam(request));
    if (!status) throw new NotFoundError();
    const query = asFormBody(request.query);
    const owner = boardOwner(query.assigned_to, scope.viewer.id);
    const page = await leadBoard.columnPage(app.db, scope, status, parseCursor(query.after), owner);
    return reply.render('partials/_kanban_cards', { ...page, col: status, kb: LEAD_KANBAN, ownerParam: owner ? String(owner) : '', appending: true });
  });

  app.get('/leads/:id', r.show);
  app.get('/leads/:id/edit', r.editForm);
  app.post('/leads/:id', r.update);
  app.post('/leads/:id/delete', r.remove);

  app.get('/leads/:id/move-menu', async (request, reply) => {
    const scope = scopeOf(request);
    const card = await q.findLeadCard(app.db, scope, idParam(request));
    if (!card) throw new NotFoundError();
    const statuses = (await listLeadStatuses(app.db)).filter((s) => !s.is_conversion_target);
    return reply.render('leads/_move_form', { card, statuses, ownerParam: ownerParamOf(asFormBody(request.query).board_assigned_to) });
  });

  app.post('/leads/:id/move', async (request, reply) => {
    const scope = scopeOf(request);
    const id = idParam(request);
    if (!(await lead.findRow(app.db, scope, id))) throw new NotFoundError();
    const body = asFormBody(request.body);
    const input = parseForm(leadMoveSchema, body);
    const result = await app.db.transaction().execute((trx) => service.moveLead(trx, scope, id, input));
    if (wantsFragment(request, `lead-${id}`)) {
      const [card, { columns }] = await Promise.all([q.findLeadCard(app.db, scope, id), boardStatuses(app.db)]);
      const [to, from] = await Promise.all([findLeadStatus(app.db, result.toStatusId), findLeadStatus(app.db, result.fromStatusId)]);
      if (!card || !to || !from) throw new NotFoundError();
      const ownerParam = ownerParamOf(body.board_assigned_to);
      const totals = await leadBoard.columnTotals(app.db, scope, columns.map((s) => s.id), boardOwner(ownerParam, scope.viewer.id));
      const onBoard = !to.is_final;
      const moved = from.id !== to.id;
      return reply.render('partials/_kanban_moved', {
        kb: LEAD_KANBAN,
        card: leadCardView(card, scope.viewer),
        col: to,
        onBoard,
        heads: [from, to].filter((s, i, all) => !s.is_final && all.findIndex((x) => x.id === s.id) === i).map((s) => ({ col: s, totals: totals(s.id) })),
        summary: columns.map((s) => ({ column: s, totals: totals(s.id) })),
        ownerParam,
        flash: moved
          ? { type: 'success', message: `${card.title} moved to ${to.name}.`, undo: { action: `/leads/${id}/move`, target: onBoard ? `#lead-${id}` : '#flash', fields: { lead_status_id: from.id, board_assigned_to: ownerParam } } }
          : null,
      });
    }
    reply.flash('success', `${result.lead.title} moved.`);
    return redirectAfterPost(request, reply, body.return_to === 'lead' ? `/leads/${id}` : '/leads/board');
  });

  /* ---------- Conversion ---------- */

  async function convertForm(scope: ReturnType<typeof scopeOf>, l: q.LeadDetail, values: FormBody, errors: Record<string, string>, status = 200, reply: Parameters<typeof r.list>[1]) {
    const pipelines = (await listPipelines(app.db, { activeOnly: true })).map((p) => ({ value: p.id, label: p.name }));
    const pipelineId = Number(values.pipeline_id) || (await findDefaultPipeline(app.db))?.id;
    const stages = pipelineId ? (await listStages(app.db, pipelineId)).filter((s) => !s.is_won && !s.is_lost).map((s) => ({ value: s.id, label: s.name })) : [];
    const companies = await companyOptions(app.db, scope, Number(values.company_id) || null, '', 50);
    return reply.render('leads/convert', { title: `Convert ${l.title}`, record: l, key: leadKey(l.id), values, errors, pipelines, stages, companies }, status);
  }

  /** A second conversion: 409 with links to what the lead became. */
  const refuseConverted = async (reply: Parameters<typeof r.list>[1], scope: ReturnType<typeof scopeOf>, l: q.LeadDetail) =>
    reply.render('leads/converted', { title: `${leadKey(l.id)} was already converted`, record: l, key: leadKey(l.id), became: await q.becameOf(app.db, scope, l) }, 409);

  app.get('/leads/:id/convert', async (request, reply) => {
    const { scope, rec } = await r.load(request);
    assertCanEdit(scope.viewer, rec.assigned_to, 'lead');
    if (service.alreadyConverted(rec)) return refuseConverted(reply, scope, rec);
    return convertForm(scope, rec, await convertDefaults(app.db, rec), {}, 200, reply);
  });

  app.post('/leads/:id/convert', async (request, reply) => {
    const { scope, id, rec } = await r.load(request);
    assertCanEdit(scope.viewer, rec.assigned_to, 'lead');
    if (service.alreadyConverted(rec)) return refuseConverted(reply, scope, rec);
    const body = asFormBody(request.body);
    return submitForm(
      async () => {
        const input = parseForm(convertSchema, body);
        const result = await app.db.transaction().execute((trx) => service.convertLead(trx, scope, id, input, body));
        const made = [result.customerCreated ? 'a new customer' : 'an existing customer (updated)', result.companyId && input.company_mode === 'new' ? 'a company' : null, result.dealId ? 'a deal' : null].filter(Boolean);
        reply.flash('success', `${leadKey(id)} converted into ${made.join(', ').replace(/, ([^,]*)$/, ' and $1')}.`);
        return redirectAfterPost(request, reply, `/leads/${id}`);
      },
      (values, errors, status) => convertForm(scope, rec, values, errors, status, reply),
      body,
    );
  });
};

export default leadsRoutes;
