import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { assertCanEdit, type Scope } from './access.js';
import { ConflictError, NotFoundError } from './errors.js';
import type { AnyKind, RecordKind } from './entities.js';
import { record, recordMany, type Changes } from '../features/timeline/timeline.queries.js';
import { deleteNotesOf } from '../features/notes/notes.queries.js';
import { deleteTasksOf } from '../features/tasks/tasks.queries.js';
import { notifyAssigned } from '../features/notifications/notifications.queries.js';

/**
 * The one write path for records. Services take the caller's transaction (`Trx`) and never open
 * one, so a route, a lead conversion or an import batch can compose several of them in one
 * transaction; the type makes "the caller owns the transaction" a compile-time rule.
 */
export type Trx = Transaction<Database>;

export const staleMessage = (name: string) => `${name} was changed by someone else while you were editing. Reload to see their changes, then edit again.`;

/** A record about to change: 404 when the viewer cannot see it, 403 when a rep may not edit it. */
export async function loadEditable<Row extends { id: number }>(trx: Trx, scope: Scope, kind: RecordKind<Row>, id: number): Promise<Row> {
  const row = await kind.findRow(trx, scope, id);
  if (!row) throw new NotFoundError();
  assertCanEdit(scope.viewer, kind.ownerOf(row), kind.noun);
  return row;
}

/** A record's name from its creation changes (title, name, or a contact's first and last name). */
function nameFromChanges(changes: Changes): string {
  const after = (k: string) => (changes[k]?.[1] == null ? '' : String(changes[k][1]));
  return after('title') || after('name') || [after('first_name'), after('last_name')].filter(Boolean).join(' ');
}

export async function recordCreated(trx: Trx, scope: Scope, kind: AnyKind, id: number, changes: Changes): Promise<void> {
  await recordCreatedMany(trx, scope, kind, [{ id, changes }]);
}

/** The same for many records of one kind made together (an import batch): the audit entries in multi-row INSERTs. */
export async function recordCreatedMany(trx: Trx, scope: Scope, kind: AnyKind, made: readonly { id: number; changes: Changes }[]): Promise<void> {
  await recordMany(trx, made.map(({ id, changes }) => ({ entityType: kind.type, entityId: id, action: 'created', userId: scope.viewer.id, changes })));
  // Created for someone else (a form, a conversion, an import): they hear of it (SPEC §8).
  for (const { id, changes } of made) {
    if (changes.assigned_to) await notifyAssigned(trx, scope.viewer.id, { entityType: kind.type, entityId: id, title: nameFromChanges(changes), from: null, to: changes.assigned_to[1] });
  }
}

/**
 * After a versioned UPDATE: 409 when it matched no row (someone saved first), else the audit
 * entry for what changed.
 */
export async function commitUpdate(
  trx: Trx,
  scope: Scope,
  write: { kind: AnyKind; id: number; name: string; updated: boolean; changes: Changes; action?: string },
): Promise<void> {
  if (!write.updated) throw new ConflictError(staleMessage(write.name));
  if (Object.keys(write.changes).length) {
    await record(trx, { entityType: write.kind.type, entityId: write.id, action: write.action ?? 'updated', userId: scope.viewer.id, changes: write.changes });
  }
  if (write.changes.assigned_to) {
    const [from, to] = write.changes.assigned_to;
    await notifyAssigned(trx, scope.viewer.id, { entityType: write.kind.type, entityId: write.id, title: write.name, from, to });
  }
}

/**
 * Deletes a record with its notes; its own timeline keeps a "deleted" entry, and each record it
 * was linked to gets a "removed a related record" trace.
 */
/** Leads keep links to what they were converted into; deleting one of those unlinks it (the lead stays converted). */
const LEAD_LINKS: Partial<Record<string, 'customer_id' | 'company_id' | 'deal_id'>> = { customer: 'customer_id', company: 'company_id', deal: 'deal_id' };

export async function removeRecord<Row extends { id: number }>(
  trx: Trx,
  scope: Scope,
  kind: RecordKind<Row>,
  row: Row,
  opts: { nameField?: string; related?: [AnyKind, number | null][] } = {},
): Promise<void> {
  const name = kind.nameOf(row);
  await deleteNotesOf(trx, kind.type, row.id);
  await deleteTasksOf(trx, kind.type, row.id);
  const leadLink = LEAD_LINKS[kind.type];
  if (leadLink) {
    const leads = await trx.selectFrom('leads').select('id').where(leadLink, '=', row.id).execute();
    if (leads.length) {
      await trx.updateTable('leads').set({ [leadLink]: null }).where(leadLink, '=', row.id).execute();
      for (const l of leads) await record(trx, { entityType: 'lead', entityId: l.id, action: 'related_deleted', userId: scope.viewer.id, changes: { [kind.type]: [name, null] } });
    }
  }
  await sql`delete from ${sql.table(kind.table)} where id = ${row.id}`.execute(trx);
  await record(trx, { entityType: kind.type, entityId: row.id, action: 'deleted', userId: scope.viewer.id, changes: { [opts.nameField ?? 'name']: [name, null] } });
  for (const [parent, parentId] of opts.related ?? []) {
    if (parentId) await record(trx, { entityType: parent.type, entityId: parentId, action: 'related_deleted', userId: scope.viewer.id, changes: { [kind.type]: [name, null] } });
  }
}
