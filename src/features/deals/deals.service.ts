import type { Deal, DealStage } from '../../db/schema.js';
import type { Scope } from '../../lib/access.js';
import { company, contact, customer, deal } from '../../lib/entities.js';
import { ValidationError, type FieldErrors } from '../../lib/errors.js';
import { allLinkable, linkable } from '../../lib/links.js';
import { nowIso, todayIso } from '../../lib/time.js';
import { commitUpdate, loadEditable, recordCreated, removeRecord, type Trx } from '../../lib/writes.js';
import { changedFields, type Changes } from '../timeline/timeline.queries.js';
import { isAssignable } from '../users/users.queries.js';
import { isSelectable } from '../directories/directories.queries.js';
import { findPipeline, findStage, listStages } from '../pipelines/pipelines.queries.js';
import * as q from './deals.queries.js';
import { enterStage, initialStage, isClosedStage, stageMismatch } from './deals.rules.js';
import type { DealInput, MoveInput } from './deals.schemas.js';

export const DEAL_FIELDS = [
  'title', 'description', 'value_cents', 'expected_close_date', 'probability', 'pipeline_id', 'stage_id',
  'company_id', 'customer_id', 'assigned_to', 'actual_close_date', 'lost_reason', 'lost_reason_id',
] as const;

/** Deal writes: each takes the caller's transaction (see lib/writes). */

/**
 * References a deal form names must exist, be choosable and visible to the viewer; the stage
 * must sit in the pipeline.
 */
async function resolve(trx: Trx, scope: Scope, input: DealInput, current: Deal | null, currentContacts: number[], values: Record<string, unknown>): Promise<DealStage> {
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
  if (!(await linkable(trx, scope, company, input.company_id, current?.company_id))) errors.company_id = 'Choose a company from the list.';
  if (!(await linkable(trx, scope, customer, input.customer_id, current?.customer_id))) errors.customer_id = 'Choose a customer from the list.';
  if (input.assigned_to && !(await isAssignable(trx, input.assigned_to, current?.assigned_to))) errors.assigned_to = 'Choose an active user.';
  if (input.lost_reason_id && !(await isSelectable(trx, 'lost_reasons', input.lost_reason_id, current?.lost_reason_id))) errors.lost_reason_id = 'Choose an active lost reason.';
  if (!(await allLinkable(trx, scope, contact, input.contact_ids, currentContacts))) errors.contact_ids = 'Choose contacts from the list.';
  if (Object.keys(errors).length || !stage) throw new ValidationError(errors, values);
  return stage;
}

async function stageChanged(trx: Trx, scope: Scope, dealId: number, from: number | null, to: number, now: string): Promise<void> {
  await q.insertStageHistory(trx, { deal_id: dealId, from_stage_id: from, to_stage_id: to, user_id: scope.viewer.id, created_at: now });
}

/** `from`: the lead a conversion makes this deal from (its id is stored, its label goes on the timeline). */
export async function createDeal(trx: Trx, scope: Scope, input: DealInput, values: Record<string, unknown>, from?: { leadId: number; leadLabel: string }): Promise<number> {
  const stage = await resolve(trx, scope, input, null, [], values);
  const now = nowIso();
  const outcome = enterStage(stage, { today: todayIso(scope.viewer.timeZone), probability: input.probability, lostReason: input.lost_reason, lostReasonId: input.lost_reason_id });
  const data = {
    title: input.title, description: input.description, value_cents: input.value, expected_close_date: input.expected_close_date,
    pipeline_id: input.pipeline_id, stage_id: stage.id, company_id: input.company_id, customer_id: input.customer_id, assigned_to: input.assigned_to,
    lead_id: from?.leadId ?? null, ...outcome,
  };
  const id = await q.insertDeal(trx, { ...data, stage_entered_at: now, last_activity_at: now, created_at: now, updated_at: now });
  await q.setDealContacts(trx, id, [...new Set(input.contact_ids)]);
  await stageChanged(trx, scope, id, null, stage.id, now);
  const changes: Changes = changedFields(null, data, DEAL_FIELDS);
  const names = await q.contactNames(trx, input.contact_ids);
  if (names.length) changes.contacts = [null, names.join(', ')];
  if (from) changes.lead = [null, from.leadLabel];
  await recordCreated(trx, scope, deal, id, changes);
  return id;
}

export async function updateDealFromForm(trx: Trx, scope: Scope, id: number, input: DealInput, values: Record<string, unknown>): Promise<void> {
  const current = await loadEditable(trx, scope, deal, id);
  const before = (await q.dealContacts(trx, id)).map((c) => c.id).sort((a, b) => a - b);
  const stage = await resolve(trx, scope, { ...input, stage_id: input.stage_id ?? (input.pipeline_id === current.pipeline_id ? current.stage_id : null) }, current, before, values);
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
  const after = [...new Set(input.contact_ids)].sort((a, b) => a - b);
  if (before.join() !== after.join()) {
    changes.contacts = [(await q.contactNames(trx, before)).join(', ') || null, (await q.contactNames(trx, after)).join(', ') || null];
    await q.setDealContacts(trx, id, after);
  }
  const updated = await q.updateDeal(trx, id, input.version ?? null, { ...data, updated_at: now, last_activity_at: now, ...(moved ? { stage_entered_at: now } : {}) });
  await commitUpdate(trx, scope, { kind: deal, id, name: current.title, updated, changes, action: moved ? 'stage_changed' : 'updated' });
  if (moved) await stageChanged(trx, scope, id, current.stage_id, stage.id, now);
}

export interface MoveResult {
  deal: Deal;
  fromStageId: number;
  toStageId: number;
}

/** The board, the stage bar and "Move to…" all come here: one set of stage rules for every path. */
export async function moveDeal(trx: Trx, scope: Scope, id: number, input: MoveInput): Promise<MoveResult> {
  const current = await loadEditable(trx, scope, deal, id);
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
  const updated = await q.updateDeal(trx, id, null, { ...data, stage_entered_at: now, last_activity_at: now, updated_at: now });
  await commitUpdate(trx, scope, { kind: deal, id, name: current.title, updated, changes: changedFields<Record<string, unknown>>(current, data, DEAL_FIELDS), action: 'stage_changed' });
  await stageChanged(trx, scope, id, current.stage_id, stage.id, now);
  return { deal: { ...current, ...data }, fromStageId: current.stage_id, toStageId: stage.id };
}

export async function deleteDealChecked(trx: Trx, scope: Scope, id: number): Promise<Deal> {
  const current = await loadEditable(trx, scope, deal, id);
  await removeRecord(trx, scope, deal, current, { nameField: 'title', related: [[company, current.company_id], [customer, current.customer_id]] });
  return current;
}
