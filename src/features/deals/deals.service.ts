import type { Kysely, Transaction } from 'kysely';
import type { Database, Deal, DealStage } from '../../db/schema.js';
import { assertCanEdit, type Scope } from '../../lib/access.js';
import { ConflictError, NotFoundError, ValidationError, type FieldErrors } from '../../lib/errors.js';
import { nowIso, todayIso } from '../../lib/time.js';
import { changedFields, record, type Changes } from '../timeline/timeline.queries.js';
import { registerTimelineFields } from '../timeline/timeline.fields.js';
import { isAssignable } from '../users/users.queries.js';
import { findCompanyRow } from '../companies/companies.queries.js';
import { findCustomerRow } from '../customers/customers.queries.js';
import { isSelectable } from '../directories/directories.queries.js';
import { findPipeline, findStage, listStages } from '../pipelines/pipelines.queries.js';
import { deleteNotesOf } from '../notes/notes.queries.js';
import * as q from './deals.queries.js';
import { enterStage, initialStage, isClosedStage, stageMismatch } from './deals.rules.js';
import type { DealInput, MoveInput } from './deals.schemas.js';

export const DEAL_FIELDS = [
  'title', 'description', 'value_cents', 'expected_close_date', 'probability', 'pipeline_id', 'stage_id',
  'company_id', 'customer_id', 'assigned_to', 'actual_close_date', 'lost_reason', 'lost_reason_id',
] as const;

registerTimelineFields('deal', 'deal', {
  title: { label: 'Title' },
  description: { label: 'Description' },
  value_cents: { label: 'Value', kind: 'money' },
  expected_close_date: { label: 'Expected close' },
  probability: { label: 'Probability', kind: 'percent' },
  pipeline_id: { label: 'Pipeline', ref: 'pipelines' },
  stage_id: { label: 'Stage', ref: 'deal_stages' },
  company_id: { label: 'Company', ref: 'companies' },
  customer_id: { label: 'Customer', ref: 'customers' },
  assigned_to: { label: 'Assigned to', ref: 'users' },
  actual_close_date: { label: 'Closed on' },
  lost_reason: { label: 'Lost reason' },
  lost_reason_id: { label: 'Lost reason', ref: 'lost_reasons' },
  contacts: { label: 'Contacts' },
});

type DB = Kysely<Database>;
type Trx = Transaction<Database>;

/** References a deal form names must exist (and be choosable); the stage must sit in the pipeline. */
async function resolve(trx: Trx, input: DealInput, current: Deal | null, values: Record<string, unknown>): Promise<DealStage> {
  const errors: FieldErrors = {};
  const pipeline = await findPipeline(trx, input.pipeline_id);
  if (!pipeline || (!pipeline.is_active && pipeline.id !== current?.pipeline_id)) errors.pipeline_id = 'Choose an active pipeline.';
  let stage: DealStage | undefined;
  if (pipeline) {
    if (input.stage_id) {
      stage = await findStage(trx, input.stage_id);
      const mismatch = stageMismatch(pipeline.id, stage);
      if (mismatch) errors.stage_id = mismatch;
    } else {
      stage = initialStage(await listStages(trx, pipeline.id));
      if (!stage) errors.pipeline_id = `${pipeline.name} has no stages yet. Add stages in Settings › Pipelines first.`;
    }
  }
  if (input.company_id && input.company_id !== current?.company_id && !(await findCompanyRow(trx, input.company_id))) errors.company_id = 'Choose a company from the list.';
  if (input.customer_id && input.customer_id !== current?.customer_id && !(await findCustomerRow(trx, input.customer_id))) errors.customer_id = 'Choose a customer from the list.';
  if (input.assigned_to && !(await isAssignable(trx, input.assigned_to, current?.assigned_to))) errors.assigned_to = 'Choose an active user.';
  if (input.lost_reason_id && !(await isSelectable(trx, 'lost_reasons', input.lost_reason_id, current?.lost_reason_id))) errors.lost_reason_id = 'Choose an active lost reason.';
  if ((await q.existingContactIds(trx, input.contact_ids)).length !== new Set(input.contact_ids).size) errors.contact_ids = 'Choose contacts from the list.';
  if (Object.keys(errors).length || !stage) throw new ValidationError(errors, values);
  return stage;
}

async function stageChanged(trx: Trx, scope: Scope, dealId: number, from: number | null, to: number, now: string): Promise<void> {
  await q.insertStageHistory(trx, { deal_id: dealId, from_stage_id: from, to_stage_id: to, user_id: scope.viewer.id, created_at: now });
}

export async function createDeal(db: DB, scope: Scope, input: DealInput, values: Record<string, unknown>): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const stage = await resolve(trx, input, null, values);
    const now = nowIso();
    const outcome = enterStage(stage, { today: todayIso(scope.viewer.timeZone), probability: input.probability, lostReason: input.lost_reason, lostReasonId: input.lost_reason_id });
    const data = {
      title: input.title, description: input.description, value_cents: input.value, expected_close_date: input.expected_close_date,
      pipeline_id: input.pipeline_id, stage_id: stage.id, company_id: input.company_id, customer_id: input.customer_id, assigned_to: input.assigned_to,
      lead_id: null, ...outcome,
    };
    const id = await q.insertDeal(trx, { ...data, stage_entered_at: now, last_activity_at: now, created_at: now, updated_at: now });
    await q.setDealContacts(trx, id, [...new Set(input.contact_ids)]);
    await stageChanged(trx, scope, id, null, stage.id, now);
    const changes: Changes = changedFields(null, data, DEAL_FIELDS);
    const names = await q.contactNames(trx, input.contact_ids);
    if (names.length) changes.contacts = [null, names.join(', ')];
    await record(trx, { entityType: 'deal', entityId: id, action: 'created', userId: scope.viewer.id, changes });
    return id;
  });
}

async function loadEditable(trx: Trx, scope: Scope, id: number): Promise<Deal> {
  if (!(await q.findDeal(trx, scope, id))) throw new NotFoundError();
  const deal = (await q.findDealRow(trx, id))!;
  assertCanEdit(scope.viewer, deal.assigned_to, 'deal');
  return deal;
}

export async function updateDealFromForm(db: DB, scope: Scope, id: number, input: DealInput, values: Record<string, unknown>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const current = await loadEditable(trx, scope, id);
    const stage = await resolve(trx, { ...input, stage_id: input.stage_id ?? (input.pipeline_id === current.pipeline_id ? current.stage_id : null) }, current, values);
    const now = nowIso();
    const moved = stage.id !== current.stage_id;
    const today = todayIso(scope.viewer.timeZone);
    // Entering a stage applies its rules; staying keeps close date and lets the form edit the rest.
    const outcome = moved
      ? enterStage(stage, { today, probability: input.probability, lostReason: input.lost_reason, lostReasonId: input.lost_reason_id })
      : {
          probability: isClosedStage(stage) ? current.probability : (input.probability ?? stage.probability),
          actual_close_date: current.actual_close_date,
          lost_reason: stage.is_lost ? input.lost_reason : null,
          lost_reason_id: stage.is_lost ? input.lost_reason_id : null,
        };
    const data = {
      title: input.title, description: input.description, value_cents: input.value, expected_close_date: input.expected_close_date,
      pipeline_id: input.pipeline_id, stage_id: stage.id, company_id: input.company_id, customer_id: input.customer_id, assigned_to: input.assigned_to, ...outcome,
    };
    const changes: Changes = changedFields(current, data, DEAL_FIELDS);
    const before = (await q.dealContacts(trx, id)).map((c) => c.id).sort((a, b) => a - b);
    const after = [...new Set(input.contact_ids)].sort((a, b) => a - b);
    if (before.join() !== after.join()) {
      changes.contacts = [(await q.contactNames(trx, before)).join(', ') || null, (await q.contactNames(trx, after)).join(', ') || null];
      await q.setDealContacts(trx, id, after);
    }
    const ok = await q.updateDeal(trx, id, input.version ?? null, { ...data, updated_at: now, last_activity_at: now, ...(moved ? { stage_entered_at: now } : {}) });
    if (!ok) throw new ConflictError(`${current.title} was changed by someone else while you were editing. Reload to see their changes, then edit again.`);
    if (moved) await stageChanged(trx, scope, id, current.stage_id, stage.id, now);
    if (Object.keys(changes).length) await record(trx, { entityType: 'deal', entityId: id, action: moved ? 'stage_changed' : 'updated', userId: scope.viewer.id, changes });
  });
}

export interface MoveResult {
  deal: Deal;
  fromStageId: number;
  toStageId: number;
}

/** The board, the stage bar and "Move to…" all come here: one set of stage rules for every path. */
export async function moveDeal(db: DB, scope: Scope, id: number, input: MoveInput): Promise<MoveResult> {
  return db.transaction().execute(async (trx) => {
    const current = await loadEditable(trx, scope, id);
    const stage = await findStage(trx, input.stage_id);
    const mismatch = stageMismatch(current.pipeline_id, stage);
    if (mismatch || !stage) throw new ValidationError({ stage_id: mismatch ?? 'Choose a stage.' }, input);
    if (stage.id === current.stage_id) return { deal: current, fromStageId: current.stage_id, toStageId: stage.id };
    if (input.lost_reason_id && !(await isSelectable(trx, 'lost_reasons', input.lost_reason_id))) {
      throw new ValidationError({ lost_reason_id: 'Choose an active lost reason.' }, input);
    }
    const now = nowIso();
    const outcome = enterStage(stage, { today: todayIso(scope.viewer.timeZone), lostReason: input.lost_reason, lostReasonId: input.lost_reason_id });
    const data = { stage_id: stage.id, ...outcome };
    await q.updateDeal(trx, id, null, { ...data, stage_entered_at: now, last_activity_at: now, updated_at: now });
    await stageChanged(trx, scope, id, current.stage_id, stage.id, now);
    await record(trx, { entityType: 'deal', entityId: id, action: 'stage_changed', userId: scope.viewer.id, changes: changedFields<Record<string, unknown>>(current, data, DEAL_FIELDS) });
    return { deal: { ...current, ...data }, fromStageId: current.stage_id, toStageId: stage.id };
  });
}

export async function deleteDealChecked(db: DB, scope: Scope, id: number): Promise<Deal> {
  return db.transaction().execute(async (trx) => {
    const current = await loadEditable(trx, scope, id);
    await deleteNotesOf(trx, 'deal', id);
    await q.deleteDeal(trx, id);
    await record(trx, { entityType: 'deal', entityId: id, action: 'deleted', userId: scope.viewer.id, changes: { title: [current.title, null] } });
    for (const [type, ref] of [['company', current.company_id], ['customer', current.customer_id]] as const) {
      if (ref) await record(trx, { entityType: type, entityId: ref, action: 'related_deleted', userId: scope.viewer.id, changes: { deal: [current.title, null] } });
    }
    return current;
  });
}
