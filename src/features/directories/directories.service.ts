import type { Viewer } from '../../types.js';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { nowIso } from '../../lib/time.js';
import { changedFields, record } from '../timeline/timeline.queries.js';
import { pluralNoun } from '../companies/companies.rules.js';
import type { DirectoryTable } from './directories.kinds.js';
import { DIRECTORY_EXTRA_FIELDS } from './directories.schemas.js';
import type { Trx } from '../../lib/writes.js';
import * as q from './directories.queries.js';


const fieldsOf = (table: DirectoryTable) => ['name', 'is_active', ...DIRECTORY_EXTRA_FIELDS[table].map((x) => x.name)];

export async function createDirectoryItem(trx: Trx, viewer: Viewer, table: DirectoryTable, input: Record<string, unknown>, values: Record<string, unknown>): Promise<number> {
  if (await q.nameTaken(trx, table, String(input.name))) throw new ValidationError({ name: 'This name is already in the list.' }, values);
  const now = nowIso();
  const id = await q.insertDirectoryItem(trx, table, { ...input, position: await q.nextPosition(trx, table), created_at: now, updated_at: now });
  await record(trx, { entityType: table, entityId: id, action: 'created', userId: viewer.id, changes: changedFields(null, input, fieldsOf(table)) });
  return id;
}

export async function updateDirectoryItemChecked(trx: Trx, viewer: Viewer, table: DirectoryTable, id: number, input: Record<string, unknown>, values: Record<string, unknown>): Promise<void> {
  const current = await q.findDirectoryItem(trx, table, id);
  if (!current) throw new NotFoundError();
  if (await q.nameTaken(trx, table, String(input.name), id)) throw new ValidationError({ name: 'This name is already in the list.' }, values);
  await q.updateDirectoryItem(trx, table, id, { ...input, updated_at: nowIso() });
  const changes = changedFields(current, input, fieldsOf(table));
  if (Object.keys(changes).length) await record(trx, { entityType: table, entityId: id, action: 'updated', userId: viewer.id, changes });
}

export async function toggleDirectoryItem(trx: Trx, viewer: Viewer, table: DirectoryTable, id: number): Promise<void> {
  const current = await q.findDirectoryItem(trx, table, id);
  if (!current) throw new NotFoundError();
  const is_active = current.is_active ? 0 : 1;
  await q.updateDirectoryItem(trx, table, id, { is_active, updated_at: nowIso() });
  await record(trx, { entityType: table, entityId: id, action: 'updated', userId: viewer.id, changes: { is_active: [current.is_active, is_active] } });
}

export async function deleteDirectoryItemChecked(trx: Trx, viewer: Viewer, table: DirectoryTable, id: number): Promise<string> {
  const current = await q.findDirectoryItem(trx, table, id);
  if (!current) throw new NotFoundError();
  const usage = await q.directoryUsage(trx, table, id);
  if (usage.length) {
    const list = usage.map((u) => `${u.count} ${u.count === 1 ? u.noun : pluralNoun(u.noun)}`).join(' and ');
    throw new ConflictError(`"${current.name}" is used by ${list}. Deactivate it instead: it stays on those records but is no longer offered.`);
  }
  await q.deleteDirectoryItem(trx, table, id);
  await record(trx, { entityType: table, entityId: id, action: 'deleted', userId: viewer.id, changes: { name: [current.name, null] } });
  return current.name;
}

export async function reorderDirectoryItems(trx: Trx, viewer: Viewer, table: DirectoryTable, ids: number[]): Promise<void> {
  await q.reorderDirectory(trx, table, ids);
  await record(trx, { entityType: table, entityId: 0, action: 'reordered', userId: viewer.id, changes: { position: [null, ids.join(',')] } });
}
