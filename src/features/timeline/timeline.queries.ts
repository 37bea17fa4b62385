import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { sqlLimit } from '../../db/database.js';
import { nowIso } from '../../lib/time.js';
import { insertRows } from '../../lib/bulk.js';
import { queueEvents } from '../webhooks/webhooks.outbox.js';
import type { RefTable } from '../../lib/entities.js';

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
  await recordMany(trx, [input]);
}

/** Many audit entries (an import batch's creations) in multi-row INSERTs: one statement per 100. */
export async function recordMany(trx: Transaction<Database>, inputs: readonly AuditInput[]): Promise<void> {
  const now = nowIso();
  await insertRows(
    trx,
    'audit_entries',
    ['entity_type', 'entity_id', 'action', 'changes', 'user_id', 'created_at'],
    inputs.map((input) => [input.entityType, input.entityId, input.action, input.changes && Object.keys(input.changes).length ? JSON.stringify(input.changes) : null, input.userId, now]),
  );
  // Webhook events for these changes, in the same transaction (features/webhooks).
  await queueEvents(trx, inputs);
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
  src: 'a' | 'n';
  id: number;
  entity_type: string;
  action: string;
  changes: string | null;
  body: string | null;
  created_at: string;
  user_id: number | null;
  user_name: string | null;
}

/** Cursor for "load more": the last row shown, as created_at|src|id. */
export function timelineCursor(row: Pick<TimelineRow, 'created_at' | 'src' | 'id'>): string {
  return `${row.created_at}|${row.src}|${row.id}`;
}

function parseCursor(cursor: string | null | undefined): [string, string, number] | null {
  const m = /^([^|]+)\|([an])\|(\d+)$/.exec(cursor ?? '');
  return m ? [m[1], m[2], Number(m[3])] : null;
}

/**
 * A record's timeline: its audit entries and notes merged, newest first, one page at a time.
 * Both sides use (entity_type, entity_id, created_at, id) indexes.
 */
export async function listTimeline(
  db: Executor,
  entityType: string,
  entityId: number,
  opts: { before?: string | null; limit: number },
): Promise<TimelineRow[]> {
  const c = parseCursor(opts.before);
  const auditCursor = c ? sql`and (a.created_at, 'a', a.id) < (${c[0]}, ${c[1]}, ${c[2]})` : sql``;
  const noteCursor = c ? sql`and (n.created_at, 'n', n.id) < (${c[0]}, ${c[1]}, ${c[2]})` : sql``;
  const result = await sql<TimelineRow>`
    select * from (
      select 'a' as src, a.id, a.entity_type, a.action, a.changes, null as body, a.created_at, a.user_id, u.name as user_name
      from audit_entries a left join users u on u.id = a.user_id
      where a.entity_type = ${entityType} and a.entity_id = ${entityId} ${auditCursor}
      order by a.created_at desc, a.id desc limit ${sqlLimit(opts.limit)}
    )
    union all
    select * from (
      select 'n' as src, n.id, n.entity_type, 'note' as action, null as changes, n.body, n.created_at, n.user_id, u.name as user_name
      from notes n left join users u on u.id = n.user_id
      where n.entity_type = ${entityType} and n.entity_id = ${entityId} ${noteCursor}
      order by n.created_at desc, n.id desc limit ${sqlLimit(opts.limit)}
    )
    order by created_at desc, src desc, id desc
    limit ${sqlLimit(opts.limit)}`.execute(db);
  return result.rows;
}

/** Names of referenced records (users, stages, companies …) for a page of timeline entries: one query per table. */
export async function namesOf(db: Executor, table: RefTable, ids: number[]): Promise<Map<number, string>> {
  if (!ids.length) return new Map();
  const rows = await db.selectFrom(table).select(['id', 'name']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [Number(r.id), String(r.name)]));
}
