import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Scope } from '../../lib/access.js';
import { NotFoundError } from '../../lib/errors.js';
import { asFormBody, parseForm } from '../../lib/forms.js';
import { idParam, redirectAfterPost, wantsFragment } from '../../lib/http.js';
import { resource, type ResourceCore } from '../../lib/resource-routes.js';
import { deal } from '../../lib/entities.js';
import { centsToInput } from '../../lib/format.js';
import { todayIso } from '../../lib/time.js';
import { scopeOf } from '../../plugins/session.js';
import { assigneeOptions } from '../users/users.queries.js';
import { companyOptions } from '../companies/companies.queries.js';
import { customerOptions } from '../customers/customers.queries.js';
import { contactName, contactOptions } from '../contacts/contacts.queries.js';
import { directoryOptions } from '../directories/directories.queries.js';
import { findDefaultPipeline, findStage, listPipelines, listStages } from '../pipelines/pipelines.queries.js';
import * as q from './deals.queries.js';
import { convertedFrom } from '../leads/leads.queries.js';
import * as service from './deals.service.js';
import { cardView, dealBoard, DEAL_KANBAN, loadBoard } from './deals.board.js';
import { boardOwner, ownerParamOf, parseCursor } from '../../lib/kanban.js';
import { dealKey, weightedValue } from './deals.rules.js';
import { dealFormSchema, dealListSchema, moveSchema, type DealFilters, type DealInput } from './deals.schemas.js';

type Row = q.DealRow;

/** A deal as its pages read it, with the ids of its contacts. */
async function findDealForPage(db: Kysely<Database>, scope: Scope, id: number) {
  const deal = await q.findDeal(db, scope, id);
  if (!deal) return undefined;
  return { ...deal, contact_ids: (await q.dealContacts(db, id)).map((c) => String(c.id)) };
}

/** What the pages and the API share (lib/resource-routes ResourceCore). */
export const dealResource = {
  kind: deal,
  listSchema: dealListSchema,
  list: q.dealList,
  formSchema: dealFormSchema,
  toFormValues: (d) => ({ ...d, value: centsToInput(d.value_cents), contact_ids: d.contact_ids }),
  find: findDealForPage,
  create: service.createDeal,
  update: service.updateDealFromForm,
  remove: service.deleteDealChecked,
} satisfies ResourceCore<DealFilters, q.DealRow, NonNullable<Awaited<ReturnType<typeof findDealForPage>>>, DealInput>;

const dealsRoutes: FastifyPluginAsync = async (app) => {

  /** Stages follow the chosen pipeline (on 422 re-renders too). */
  const stagesFor = async (pipelineId: unknown) => {
    const id = Number(pipelineId) || (await findDefaultPipeline(app.db))?.id;
    return id ? listStages(app.db, id) : [];
  };

  const r = resource(app, {
    ...dealResource,
    title: 'Deals',
    defaultSort: 'created_at',
    defaultDir: 'desc',
    views: 'deals',
    listOptions: async (db, _scope, params) => {
      // A stage set by a link (the board's "More deals…") shows in the filter bar with its pipeline's stages.
      const pipelineId = params.pipeline_id ?? (params.stage_id ? (await findStage(db, params.stage_id))?.pipeline_id : undefined);
      return {
        pipelines: (await listPipelines(db)).map((p) => ({ value: p.id, label: p.name })),
        stages: pipelineId ? (await listStages(db, pipelineId)).map((s) => ({ value: s.id, label: s.name })) : [],
        assignees: await assigneeOptions(db),
      };
    },
    csv: [
      { header: 'Key', value: (r: Row) => dealKey(r.id) },
      { header: 'Title', value: (r: Row) => r.title },
      { header: 'Pipeline', value: (r: Row) => r.pipeline_name },
      { header: 'Stage', value: (r: Row) => r.stage_name },
      { header: 'Value', value: (r: Row) => (r.value_cents === null ? '' : (r.value_cents / 100).toFixed(2)) },
      { header: 'Probability', value: (r: Row) => r.probability },
      { header: 'Expected close', value: (r: Row) => r.expected_close_date },
      { header: 'Closed on', value: (r: Row) => r.actual_close_date },
      { header: 'Company', value: (r: Row) => r.company_name },
      { header: 'Customer', value: (r: Row) => r.customer_name },
      { header: 'Assigned to', value: (r: Row) => r.assigned_name },
      { header: 'Lost reason', value: (r: Row) => [r.lost_reason_name, r.lost_reason].filter(Boolean).join(': ') },
      { header: 'Created at', value: (r: Row) => r.created_at, kind: 'datetime' },
    ],
    formOptions: async (db, scope, rec, values) => {
      const pipelineId = values.pipeline_id ?? rec?.pipeline_id;
      const companyId = Number(values.company_id ?? rec?.company_id) || null;
      const customerId = Number(values.customer_id ?? rec?.customer_id) || null;
      const linked = rec ? await q.dealContacts(db, rec.id) : [];
      const pipelines = (await listPipelines(db)).filter((p) => p.is_active || p.id === rec?.pipeline_id);
      return {
        pipelines: pipelines.map((p) => ({ value: p.id, label: p.is_active ? p.name : `${p.name} (disabled)` })),
        stages: (await stagesFor(pipelineId)).map((s) => ({ value: s.id, label: s.name })),
        // The deal's own links are named as the deal names them; ids typed or from a URL go through the scoped lookup.
        companies: await companyOptions(db, scope, rec?.company_id && rec.company_id === companyId ? { id: rec.company_id, name: rec.company_name ?? '' } : companyId),
        customers: await customerOptions(db, scope, companyId, rec?.customer_id && rec.customer_id === customerId ? { id: rec.customer_id, name: rec.customer_name ?? '' } : customerId),
        contacts: await contactOptions(db, scope, companyId, linked.map((c) => c.id), linked.map((c) => ({ id: c.id, name: contactName(c) }))),
        assignees: await assigneeOptions(db, rec?.assigned_to),
        lostReasons: await directoryOptions(db, 'lost_reasons', rec?.lost_reason_id),
      };
    },
    newValues: (scope, query) => ({ assigned_to: scope.viewer.id, pipeline_id: query.pipeline_id, stage_id: query.stage_id, company_id: query.company_id, customer_id: query.customer_id }),
    showData: async (db, scope, d) => ({
      convertedFrom: await convertedFrom(db, scope, 'deal_id', d.id),
      key: dealKey(d.id),
      weighted: weightedValue(d.value_cents, d.probability),
      contacts: await q.dealContacts(db, d.id),
      stages: await listStages(db, d.pipeline_id),
      lostReasons: await directoryOptions(db, 'lost_reasons'),
      today: todayIso(scope.viewer.timeZone),
    }),
  });

  app.get('/deals', r.list);
  app.get('/deals/export.csv', r.exportCsv);
  app.get('/deals/new', r.newForm);
  app.post('/deals', r.create);
  app.get('/deals/:id', r.show);
  app.get('/deals/:id/edit', r.editForm);
  app.post('/deals/:id', r.update);
  app.post('/deals/:id/delete', r.remove);

  app.get('/deals/stage-options', async (request, reply) => {
    const query = asFormBody(request.query);
    const stages = await stagesFor(query.pipeline_id);
    return reply.render('deals/_stage_select', { stages: stages.map((s) => ({ value: s.id, label: s.name })), values: {}, errors: {} });
  });

  app.get('/deals/parties', async (request, reply) => {
    const scope = scopeOf(request);
    const query = asFormBody(request.query);
    const companyId = Number(query.company_id) || null;
    const linked = [query.contact_ids].flat().map(Number).filter((n) => Number.isInteger(n) && n > 0);
    return reply.render('deals/_parties', {
      customers: await customerOptions(app.db, scope, companyId, Number(query.customer_id) || null),
      contacts: await contactOptions(app.db, scope, companyId, linked),
      values: { customer_id: query.customer_id, contact_ids: linked.map(String) },
      errors: {},
    });
  });

  app.get('/deals/board', async (request, reply) => {
    const scope = scopeOf(request);
    const query = asFormBody(request.query);
    const owner = boardOwner(query.assigned_to, scope.viewer.id);
    const board = await loadBoard(app.db, scope, Number(query.pipeline_id) || null, owner);
    if (!board) return reply.render('deals/no-pipeline', { title: 'Deals' });
    return reply.render('deals/board', {
      title: `${board.pipeline.name} board`, ...board, owner, ownerParam: owner ? String(owner) : '', ownerSelected: query.assigned_to === 'me' ? 'me' : owner ? String(owner) : '',
      assignees: scope.ownOnly ? [] : await assigneeOptions(app.db), wide: true, needsSortable: true, kb: DEAL_KANBAN,
    });
  });

  app.get('/deals/board/column/:id', async (request, reply) => {
    const scope = scopeOf(request);
    const stage = await findStage(app.db, idParam(request));
    if (!stage) throw new NotFoundError();
    const query = asFormBody(request.query);
    const owner = boardOwner(query.assigned_to, scope.viewer.id);
    const page = await dealBoard.columnPage(app.db, scope, stage, parseCursor(query.after), owner);
    return reply.render('partials/_kanban_cards', { ...page, col: stage, kb: DEAL_KANBAN, ownerParam: owner ? String(owner) : '', appending: true });
  });

  // A card's "Move to…" form, fetched when the menu opens: the board stays light (it was half of
  // every card's HTML) and the keyboard path is unchanged.
  app.get('/deals/:id/move-menu', async (request, reply) => {
    const scope = scopeOf(request);
    const card = await q.findCard(app.db, scope, idParam(request));
    if (!card) throw new NotFoundError();
    const stage = await findStage(app.db, card.stage_id);
    if (!stage) throw new NotFoundError();
    const query = asFormBody(request.query);
    const [stages, lostReasons] = await Promise.all([listStages(app.db, stage.pipeline_id), directoryOptions(app.db, 'lost_reasons')]);
    return reply.render('deals/_move_form', { card, stages, lostReasons, ownerParam: ownerParamOf(query.board_assigned_to) });
  });

  app.post('/deals/:id/move', async (request, reply) => {
    const scope = scopeOf(request);
    const id = idParam(request);
    // Visibility first: a deal the viewer cannot see is 404 whatever the form says.
    if (!(await deal.findRow(app.db, scope, id))) throw new NotFoundError();
    const body = asFormBody(request.body);
    const input = parseForm(moveSchema, body);
    const result = await app.db.transaction().execute((trx) => service.moveDeal(trx, scope, id, input));
    if (wantsFragment(request, `deal-${id}`)) {
      const [card, to, from] = await Promise.all([q.findCard(app.db, scope, id), findStage(app.db, result.toStageId), findStage(app.db, result.fromStageId)]);
      if (!card || !to || !from) throw new NotFoundError();
      const stages = await listStages(app.db, to.pipeline_id);
      // Headers and the page head follow the board's "whose deals" filter the move came from.
      const ownerParam = ownerParamOf(body.board_assigned_to);
      const totals = await dealBoard.columnTotals(app.db, scope, stages.map((s) => s.id), boardOwner(ownerParam, scope.viewer.id));
      const moved = from.id !== to.id;
      return reply.render('partials/_kanban_moved', {
        kb: DEAL_KANBAN,
        card: cardView(card, to, todayIso(scope.viewer.timeZone), scope.viewer),
        col: to,
        onBoard: true,
        heads: [from, to].filter((s, i, all) => all.findIndex((x) => x.id === s.id) === i).map((s) => ({ col: s, totals: totals(s.id) })),
        summary: stages.map((s) => ({ column: s, totals: totals(s.id) })),
        ownerParam,
        // A short toast with Undo: moving back goes through the same route and rules.
        flash: moved
          ? { type: 'success', message: `${card.title} moved to ${to.name}.`, undo: { action: `/deals/${id}/move`, target: `#deal-${id}`, fields: { stage_id: from.id, board_assigned_to: ownerParam } } }
          : null,
      });
    }
    reply.flash('success', `${result.deal.title} moved.`);
    const back = body.return_to === 'deal' ? `/deals/${id}` : `/deals/board?pipeline_id=${result.deal.pipeline_id}`;
    return redirectAfterPost(request, reply, back);
  });
};

export default dealsRoutes;
