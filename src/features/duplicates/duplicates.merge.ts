import { sql } from 'kysely';
import type { Scope } from '../../lib/access.js';
import { ConflictError, ValidationError } from '../../lib/errors.js';
import { fieldErrorsFrom } from '../../lib/forms.js';
import { nowIso } from '../../lib/time.js';
import { loadEditable, staleMessage, type Trx } from '../../lib/writes.js';
import { record } from '../timeline/timeline.queries.js';
import type { DuplicateKind } from './duplicates.kinds.js';

export interface MergeRequest {
  keepId: number;
  dropId: number;
  keepVersion: number;
  dropVersion: number;
  /** Per field, the id of the record whose value the survivor keeps (default: the survivor's). */
  picks: Record<string, number>;
}

/** The edit form's name of a stored field (a lead's value_cents is typed as "value"). */
export const formName = (field: string) => (field === 'value_cents' ? 'value' : field);

/**
 * Merges `dropId` into `keepId` in the caller's transaction (SPEC §9): both must be records the
 * viewer may see and edit, unchanged since the merge page showed them. Everything that points at
 * the dropped record — deals, contacts, customers, leads, deal contacts, tasks, notes,
 * notifications and its timeline — moves to the survivor (each moved record's own timeline says
 * so), the dropped record is deleted, and the survivor is saved with the picked values through
 * its own form schema and update service, then gets a "merged" entry.
 */
export async function mergeRecords(trx: Trx, scope: Scope, d: DuplicateKind, m: MergeRequest): Promise<void> {
  if (m.keepId === m.dropId) throw new ConflictError('Pick two different records to merge.');
  const keep = (await loadEditable(trx, scope, d.kind, m.keepId)) as Record<string, unknown> & { id: number; version: number };
  const drop = (await loadEditable(trx, scope, d.kind, m.dropId)) as Record<string, unknown> & { id: number; version: number };
  if (keep.version !== m.keepVersion) throw new ConflictError(staleMessage(d.kind.nameOf(keep)));
  if (drop.version !== m.dropVersion) throw new ConflictError(staleMessage(d.kind.nameOf(drop)));
  if (d.kind.type === 'lead' && drop.converted_at && !keep.converted_at) {
    throw new ConflictError(`${d.kind.nameOf(drop)} was converted and ${d.kind.nameOf(keep)} was not. Keep the converted lead and merge the other into it.`);
  }

  // The survivor's values as its edit form would send them, with the picked ones from the other.
  const values: Record<string, string> = d.toForm(keep);
  const other = d.toForm(drop);
  for (const field of d.fields) if (m.picks[field] === drop.id) values[formName(field)] = other[formName(field)];
  const parsed = d.schema.safeParse(values);
  if (!parsed.success) throw new ValidationError(fieldErrorsFrom(parsed.error), values);

  const now = nowIso();
  const me = scope.viewer.id;
  const changes = (column: string) => sql<string>`json_object(${column}, json_array(${drop.id}, ${keep.id}))`;
  for (const [table, column, rowType] of d.pointers) {
    // Each moved record's timeline says where it now belongs (one INSERT … SELECT, not one per row).
    if (column !== 'lead_id') {
      await sql`insert into audit_entries (entity_type, entity_id, action, changes, user_id, created_at)
        select ${rowType}, id, 'updated', ${changes(column)}, ${me}, ${now} from ${sql.table(table)} where ${sql.ref(column)} = ${drop.id}`.execute(trx);
    }
    await sql`update ${sql.table(table)} set ${sql.ref(column)} = ${keep.id}, version = version + 1, updated_at = ${now} where ${sql.ref(column)} = ${drop.id}`.execute(trx);
  }
  if (d.kind.type === 'contact') {
    await sql`insert into audit_entries (entity_type, entity_id, action, changes, user_id, created_at)
      select 'deal', deal_id, 'updated', json_object('contacts', json_array(${d.kind.nameOf(drop)}, ${d.kind.nameOf(keep)})), ${me}, ${now}
      from deal_contacts where contact_id = ${drop.id}`.execute(trx);
    await sql`insert or ignore into deal_contacts (deal_id, contact_id) select deal_id, ${keep.id} from deal_contacts where contact_id = ${drop.id}`.execute(trx);
    await sql`delete from deal_contacts where contact_id = ${drop.id}`.execute(trx);
  }
  for (const table of ['tasks', 'notes', 'notifications', 'audit_entries'] as const) {
    await trx.updateTable(table).set({ entity_id: keep.id }).where('entity_type', '=', d.kind.type).where('entity_id', '=', drop.id).execute();
  }

  await sql`delete from ${sql.table(d.kind.table)} where id = ${drop.id}`.execute(trx);
  // The dropped id's own trail ends with where it went (its earlier entries moved with it).
  await record(trx, { entityType: d.kind.type, entityId: drop.id, action: 'merged_into', userId: me, changes: { duplicate: [d.kind.nameOf(drop), d.kind.nameOf(keep)] } });

  await d.update(trx, scope, keep.id, { ...(parsed.data as object), version: keep.version } as never, values);
  await record(trx, { entityType: d.kind.type, entityId: keep.id, action: 'merged', userId: me, changes: { duplicate: [d.kind.nameOf(drop), d.kind.nameOf(keep)] } });
}
