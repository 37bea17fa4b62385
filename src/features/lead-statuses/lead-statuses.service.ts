import type { LeadStatus } from '../../db/schema.js';
import type { Viewer } from '../../types.js';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { nowIso } from '../../lib/time.js';
import type { Trx } from '../../lib/writes.js';
import { changedFields, record } from '../timeline/timeline.queries.js';
import * as q from './lead-statuses.queries.js';
import { nextPosition, reorder } from '../pipelines/pipelines.queries.js';
import type { LeadStatusInput } from './lead-statuses.schemas.js';

const FIELDS = ['name', 'color', 'is_default', 'is_final', 'is_conversion_target'] as const;

async function load(trx: Trx, id: number): Promise<LeadStatus> {
  const s = await q.findLeadStatus(trx, id);
  if (!s) throw new NotFoundError();
  return s;
}

/**
 * SPEC §4: names unique (any case); exactly one default and one conversion target — a status
 * ticked as either takes the flag over from the old holder in the same transaction, and the
 * holder cannot simply untick it (there would be none).
 */
async function check(trx: Trx, input: LeadStatusInput, current: LeadStatus | null, values: Record<string, unknown>): Promise<void> {
  if (await q.leadStatusNameTaken(trx, input.name, current?.id)) throw new ValidationError({ name: 'Another status already has this name.' }, values);
  if (current?.is_default && !input.is_default) throw new ConflictError(`${current.name} is the default status for new leads. Make another status the default first.`);
  if (current?.is_conversion_target && !input.is_conversion_target) {
    throw new ConflictError(`${current.name} is where converted leads go. Make another final status the conversion target first.`);
  }
  if (current && Boolean(current.is_final) !== Boolean(input.is_final)) {
    const use = await q.leadStatusUse(trx, current.id);
    if (use.leads) throw new ConflictError(`${current.name} holds ${use.leads} lead${use.leads === 1 ? '' : 's'}; whether it is final cannot change while leads sit in it. Move them first.`);
  }
}

async function takeOver(trx: Trx, viewer: Viewer, flag: 'is_default' | 'is_conversion_target', exceptId: number): Promise<void> {
  const old = flag === 'is_default' ? await q.findDefaultLeadStatus(trx) : await q.findConversionTarget(trx);
  if (!old || old.id === exceptId) return;
  await q.updateLeadStatusRow(trx, old.id, { [flag]: 0, updated_at: nowIso() });
  await record(trx, { entityType: 'lead_status', entityId: old.id, action: 'updated', userId: viewer.id, changes: { [flag]: [1, 0] } });
}

export async function createLeadStatus(trx: Trx, viewer: Viewer, input: LeadStatusInput, values: Record<string, unknown>): Promise<number> {
  await check(trx, input, null, values);
  if (input.is_default) await takeOver(trx, viewer, 'is_default', 0);
  if (input.is_conversion_target) await takeOver(trx, viewer, 'is_conversion_target', 0);
  const now = nowIso();
  const id = await q.insertLeadStatus(trx, { ...input, position: await nextPosition(trx, 'lead_statuses'), created_at: now, updated_at: now });
  await record(trx, { entityType: 'lead_status', entityId: id, action: 'created', userId: viewer.id, changes: changedFields(null, input, FIELDS) });
  return id;
}

export async function updateLeadStatus(trx: Trx, viewer: Viewer, id: number, input: LeadStatusInput, values: Record<string, unknown>): Promise<void> {
  const current = await load(trx, id);
  await check(trx, input, current, values);
  if (input.is_default && !current.is_default) await takeOver(trx, viewer, 'is_default', id);
  if (input.is_conversion_target && !current.is_conversion_target) await takeOver(trx, viewer, 'is_conversion_target', id);
  await q.updateLeadStatusRow(trx, id, { ...input, updated_at: nowIso() });
  const changes = changedFields(current, input, FIELDS);
  if (Object.keys(changes).length) await record(trx, { entityType: 'lead_status', entityId: id, action: 'updated', userId: viewer.id, changes });
}

/** Refused (409, saying what to do) for the default, the conversion target, and a status in use. */
export async function deleteLeadStatus(trx: Trx, viewer: Viewer, id: number): Promise<LeadStatus> {
  const current = await load(trx, id);
  if (current.is_default) throw new ConflictError(`${current.name} is the default status for new leads. Make another status the default first.`);
  if (current.is_conversion_target) throw new ConflictError(`${current.name} is where converted leads go and cannot be deleted. Rename it instead.`);
  const use = await q.leadStatusUse(trx, id);
  if (use.leads) throw new ConflictError(`${current.name} holds ${use.leads} lead${use.leads === 1 ? '' : 's'}. Move ${use.leads === 1 ? 'it' : 'them'} to another status first.`);
  if (use.history) throw new ConflictError(`${current.name} appears in the status history that reports are built on. Rename it instead of deleting it.`);
  await q.deleteLeadStatusRow(trx, id);
  await record(trx, { entityType: 'lead_status', entityId: id, action: 'deleted', userId: viewer.id, changes: { name: [current.name, null] } });
  return current;
}

export async function reorderLeadStatuses(trx: Trx, viewer: Viewer, ids: number[]): Promise<void> {
  await reorder(trx, 'lead_statuses', ids);
  await record(trx, { entityType: 'lead_status', entityId: 0, action: 'reordered', userId: viewer.id, changes: { position: [null, ids.join(',')] } });
}
