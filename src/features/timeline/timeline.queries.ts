import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { nowIso } from '../../lib/time.js';

export type Executor = Kysely<Database> | Transaction<Database>;
export type Changes = Record<string, [unknown, unknown]>;

export interface AuditInput {
  entityType: string;
  entityId: number;
  action: string;
  userId: number | null;
  changes?: Changes | null;
}

/** Every write calls this inside its own transaction, so the audit entry commits with the change. */
export async function record(trx: Transaction<Database>, input: AuditInput): Promise<void> {
  await trx
    .insertInto('audit_entries')
    .values({
      entity_type: input.entityType,
      entity_id: input.entityId,
      action: input.action,
      changes: input.changes && Object.keys(input.changes).length ? JSON.stringify(input.changes) : null,
      user_id: input.userId,
      created_at: nowIso(),
    })
    .execute();
}

/** The fields among `fields` whose value differs between before and after, as [old, new]. */
export function changedFields<T extends Record<string, unknown>>(
  before: Partial<T> | null,
  after: Partial<T>,
  fields: readonly (keyof T & string)[],
): Changes {
  const changes: Changes = {};
  for (const field of fields) {
    if (!(field in after)) continue;
    const oldValue = before ? (before[field] ?? null) : null;
    const newValue = after[field] ?? null;
    if (oldValue !== newValue) changes[field] = [oldValue, newValue];
  }
  return changes;
}

export interface TimelineRow {
  id: number;
  entity_type: string;
  entity_id: number;
  action: string;
  changes: string | null;
  created_at: string;
  user_id: number | null;
  user_name: string | null;
}

export async function listAuditEntries(
  db: Executor,
  entityType: string,
  entityId: number,
  opts: { beforeId?: number | null; limit: number },
): Promise<TimelineRow[]> {
  let q = db
    .selectFrom('audit_entries as a')
    .leftJoin('users as u', 'u.id', 'a.user_id')
    .select(['a.id', 'a.entity_type', 'a.entity_id', 'a.action', 'a.changes', 'a.created_at', 'a.user_id', 'u.name as user_name'])
    .where('a.entity_type', '=', entityType)
    .where('a.entity_id', '=', entityId);
  if (opts.beforeId) q = q.where('a.id', '<', opts.beforeId);
  return q.orderBy('a.id', 'desc').limit(opts.limit).execute();
}
