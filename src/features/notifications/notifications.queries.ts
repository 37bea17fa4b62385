import { sql } from 'kysely';
import type { Executor } from '../../lib/entities.js';
import type { Trx } from '../../lib/writes.js';

/**
 * Someone else assigned `userId` a record or task: one notification, written in the caller's
 * transaction with the change. Assigning yourself, or keeping the same assignee, notifies no one.
 */
export async function notifyAssigned(trx: Trx, actorId: number, change: { entityType: string; entityId: number; title: string; from: unknown; to: unknown }): Promise<void> {
  const to = typeof change.to === 'number' ? change.to : null;
  if (!to || to === actorId || to === change.from) return;
  await trx.insertInto('notifications').values({ user_id: to, kind: 'assigned', entity_type: change.entityType, entity_id: change.entityId, title: change.title || 'a record', actor_id: actorId, read_at: null, created_at: new Date().toISOString() }).execute();
}

export async function unreadCount(db: Executor, userId: number): Promise<number> {
  const r = await db.selectFrom('notifications').select(sql<number>`count(*)`.as('n')).where('user_id', '=', userId).where('read_at', 'is', null).executeTakeFirstOrThrow();
  return Number(r.n);
}

export function listNotifications(db: Executor, userId: number, limit = 100) {
  return db
    .selectFrom('notifications as n')
    .leftJoin('users as u', 'u.id', 'n.actor_id')
    .select(['n.id', 'n.kind', 'n.entity_type', 'n.entity_id', 'n.title', 'n.read_at', 'n.created_at', 'u.name as actor_name'])
    .where('n.user_id', '=', userId)
    .orderBy('n.id', 'desc')
    .limit(limit)
    .execute();
}

/** Only the viewer's own: another user's notification is not found. */
export function findOwnNotification(db: Executor, userId: number, id: number) {
  return db.selectFrom('notifications').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
}

export async function markRead(db: Executor, userId: number, id?: number): Promise<void> {
  let q = db.updateTable('notifications').set({ read_at: new Date().toISOString() }).where('user_id', '=', userId).where('read_at', 'is', null);
  if (id !== undefined) q = q.where('id', '=', id);
  await q.execute();
}
