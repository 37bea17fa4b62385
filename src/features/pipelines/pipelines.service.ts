import type { DealStage, Pipeline } from '../../db/schema.js';
import type { Viewer } from '../../types.js';
import { ConflictError, NotFoundError, ValidationError, type FieldErrors } from '../../lib/errors.js';
import { nowIso } from '../../lib/time.js';
import { changedFields, record } from '../timeline/timeline.queries.js';
import * as q from './pipelines.queries.js';
import type { Trx } from '../../lib/writes.js';
import type { PipelineInput, StageInput } from './pipelines.schemas.js';

const PIPELINE_FIELDS = ['name', 'description', 'is_active', 'is_default'] as const;
const STAGE_FIELDS = ['name', 'color', 'probability', 'rotting_days', 'is_default', 'is_won', 'is_lost'] as const;

async function loadPipeline(trx: Trx, id: number): Promise<Pipeline> {
  const p = await q.findPipeline(trx, id);
  if (!p) throw new NotFoundError();
  return p;
}

/** Exactly one default among active pipelines: a new default takes over from the old one. */
async function validatePipeline(trx: Trx, input: PipelineInput, current: Pipeline | null, values: Record<string, unknown>): Promise<void> {
  const errors: FieldErrors = {};
  if (await q.pipelineNameTaken(trx, input.name, current?.id)) errors.name = 'Another pipeline already has this name.';
  if (input.is_default && !input.is_active) errors.is_default = 'The default pipeline must be active.';
  if (Object.keys(errors).length) throw new ValidationError(errors, values);
  if (current?.is_default && (!input.is_default || !input.is_active)) {
    throw new ConflictError(`${current.name} is the default pipeline. Make another pipeline the default first.`);
  }
}

async function takeDefault(trx: Trx, viewer: Viewer, exceptId: number): Promise<void> {
  const old = await q.findDefaultPipelineExcept(trx, exceptId);
  if (!old) return;
  await q.updatePipelineRow(trx, old.id, { is_default: 0, updated_at: nowIso() });
  await record(trx, { entityType: 'pipeline', entityId: old.id, action: 'updated', userId: viewer.id, changes: { is_default: [1, 0] } });
}

export async function createPipeline(trx: Trx, viewer: Viewer, input: PipelineInput, values: Record<string, unknown>): Promise<number> {
  await validatePipeline(trx, input, null, values);
  const now = nowIso();
  // The first pipeline is the default whatever the form said.
  const hasDefault = Boolean(await q.findDefaultPipelineExcept(trx, 0));
  const data = { ...input, is_default: input.is_default || (!hasDefault && input.is_active) ? 1 : 0 };
  if (data.is_default) await takeDefault(trx, viewer, 0);
  const id = await q.insertPipeline(trx, { ...data, position: await q.nextPosition(trx, 'pipelines'), created_at: now, updated_at: now });
  await record(trx, { entityType: 'pipeline', entityId: id, action: 'created', userId: viewer.id, changes: changedFields(null, data, PIPELINE_FIELDS) });
  return id;
}

export async function updatePipeline(trx: Trx, viewer: Viewer, id: number, input: PipelineInput, values: Record<string, unknown>): Promise<void> {
  const current = await loadPipeline(trx, id);
  await validatePipeline(trx, input, current, values);
  if (input.is_default && !current.is_default) await takeDefault(trx, viewer, id);
  await q.updatePipelineRow(trx, id, { ...input, updated_at: nowIso() });
  const changes = changedFields(current, input, PIPELINE_FIELDS);
  if (Object.keys(changes).length) await record(trx, { entityType: 'pipeline', entityId: id, action: 'updated', userId: viewer.id, changes });
}

export async function togglePipelineActive(trx: Trx, viewer: Viewer, id: number): Promise<Pipeline> {
  const current = await loadPipeline(trx, id);
  if (current.is_active && current.is_default) throw new ConflictError(`${current.name} is the default pipeline. Make another pipeline the default before disabling it.`);
  const is_active = current.is_active ? 0 : 1;
  await q.updatePipelineRow(trx, id, { is_active, updated_at: nowIso() });
  await record(trx, { entityType: 'pipeline', entityId: id, action: 'updated', userId: viewer.id, changes: { is_active: [current.is_active, is_active] } });
  return { ...current, is_active };
}

export async function deletePipeline(trx: Trx, viewer: Viewer, id: number): Promise<Pipeline> {
  const current = await loadPipeline(trx, id);
  if (current.is_default) throw new ConflictError(`${current.name} is the default pipeline and cannot be deleted. Make another pipeline the default first.`);
  const deals = await q.countDealsInPipeline(trx, id);
  if (deals) throw new ConflictError(`${current.name} has ${deals} deal${deals === 1 ? '' : 's'}. Move or delete them first, or disable the pipeline instead.`);
  const stages = (await q.listStages(trx, id)).length;
  if (stages) throw new ConflictError(`${current.name} still has ${stages} stage${stages === 1 ? '' : 's'}. Delete them first, or disable the pipeline instead.`);
  await q.deletePipelineRow(trx, id);
  await record(trx, { entityType: 'pipeline', entityId: id, action: 'deleted', userId: viewer.id, changes: { name: [current.name, null] } });
  return current;
}

export async function reorderPipelines(trx: Trx, viewer: Viewer, ids: number[]): Promise<void> {
  await q.reorder(trx, 'pipelines', ids);
  await record(trx, { entityType: 'pipeline', entityId: 0, action: 'reordered', userId: viewer.id, changes: { position: [null, ids.join(',')] } });
}

/** Each of default / won / lost at most once per pipeline; names unique within it. */
async function validateStage(trx: Trx, pipelineId: number, input: StageInput, current: DealStage | null, values: Record<string, unknown>): Promise<void> {
  const others = (await q.listStages(trx, pipelineId)).filter((s) => s.id !== current?.id);
  const errors: FieldErrors = {};
  if (others.some((s) => s.name.toLowerCase() === input.name.toLowerCase())) errors.name = 'This pipeline already has a stage with this name.';
  const flag = (key: 'is_default' | 'is_won' | 'is_lost', label: string) => {
    const holder = others.find((s) => s[key]);
    if (input[key] && holder) errors[key] = `${holder.name} is already the ${label}. Untick it there first.`;
  };
  flag('is_default', 'default stage');
  flag('is_won', 'won stage');
  flag('is_lost', 'lost stage');
  if (Object.keys(errors).length) throw new ValidationError(errors, values);
}

export async function createStage(trx: Trx, viewer: Viewer, pipelineId: number, input: StageInput, values: Record<string, unknown>): Promise<number> {
  await loadPipeline(trx, pipelineId);
  await validateStage(trx, pipelineId, input, null, values);
  const now = nowIso();
  const id = await q.insertStage(trx, { ...input, pipeline_id: pipelineId, position: await q.nextPosition(trx, 'deal_stages', pipelineId), created_at: now, updated_at: now });
  await record(trx, { entityType: 'deal_stage', entityId: id, action: 'created', userId: viewer.id, changes: changedFields(null, input, STAGE_FIELDS) });
  return id;
}

async function loadStage(trx: Trx, pipelineId: number, stageId: number): Promise<DealStage> {
  const s = await q.findStage(trx, stageId);
  if (!s || s.pipeline_id !== pipelineId) throw new NotFoundError();
  return s;
}

export async function updateStage(trx: Trx, viewer: Viewer, pipelineId: number, stageId: number, input: StageInput, values: Record<string, unknown>): Promise<void> {
  const current = await loadStage(trx, pipelineId, stageId);
  await validateStage(trx, pipelineId, input, current, values);
  const deals = await q.countDealsInStage(trx, stageId);
  if (deals && (Boolean(input.is_won) !== Boolean(current.is_won) || Boolean(input.is_lost) !== Boolean(current.is_lost))) {
    throw new ConflictError(`${current.name} holds ${deals} deal${deals === 1 ? '' : 's'}; its won/lost flag cannot change while deals sit in it. Move them first.`);
  }
  await q.updateStageRow(trx, stageId, { ...input, updated_at: nowIso() });
  const changes = changedFields(current, input, STAGE_FIELDS);
  if (Object.keys(changes).length) await record(trx, { entityType: 'deal_stage', entityId: stageId, action: 'updated', userId: viewer.id, changes });
}

export async function deleteStage(trx: Trx, viewer: Viewer, pipelineId: number, stageId: number): Promise<DealStage> {
  const current = await loadStage(trx, pipelineId, stageId);
  const deals = await q.countDealsInStage(trx, stageId);
  if (deals) throw new ConflictError(`${current.name} holds ${deals} deal${deals === 1 ? '' : 's'}. Move ${deals === 1 ? 'it' : 'them'} to another stage first.`);
  const stages = await q.listStages(trx, pipelineId);
  if (current.is_default && stages.length > 1) throw new ConflictError(`${current.name} is the default stage. Make another stage the default first.`);
  const used = await q.stageInHistory(trx, stageId);
  if (used) throw new ConflictError(`${current.name} appears in the stage history that reports are built on. Rename it instead of deleting it.`);
  await q.deleteStageRow(trx, stageId);
  await record(trx, { entityType: 'deal_stage', entityId: stageId, action: 'deleted', userId: viewer.id, changes: { name: [current.name, null] } });
  return current;
}

export async function reorderStages(trx: Trx, viewer: Viewer, pipelineId: number, ids: number[]): Promise<void> {
  await loadPipeline(trx, pipelineId);
  await q.reorder(trx, 'deal_stages', ids, pipelineId);
  await record(trx, { entityType: 'pipeline', entityId: pipelineId, action: 'stages_reordered', userId: viewer.id, changes: { position: [null, ids.join(',')] } });
}
