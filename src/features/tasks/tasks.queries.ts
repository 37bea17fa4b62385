import { sql } from 'kysely';
import type { Task } from '../../db/schema.js';
import type { Executor } from '../../lib/entities.js';

export type TaskEntity = NonNullable<Task['entity_type']>;

/** A record's task panel: open tasks by due time (undated last), then the recently done. */
export async function tasksOf(db: Executor, entityType: TaskEntity, entityId: number) {
  const base = db
    .selectFrom('tasks as t')
    .leftJoin('users as u', 'u.id', 't.assigned_to')
    .select(['t.id', 't.title', 't.type', 't.priority', 't.status', 't.due_at', 't.completed_at', 't.assigned_to', 't.description', 'u.name as assigned_name'])
    .where('t.entity_type', '=', entityType)
    .where('t.entity_id', '=', entityId);
  const [open, done] = await Promise.all([
    base.where('t.status', 'in', ['pending', 'in_progress']).orderBy(sql`t.due_at is null`).orderBy('t.due_at').orderBy('t.id').limit(50).execute(),
    base.where('t.status', '=', 'completed').orderBy('t.completed_at', 'desc').limit(5).execute(),
  ]);
  return { open, done };
}

export type PanelTask = Awaited<ReturnType<typeof tasksOf>>['open'][number];

export function findTask(db: Executor, id: number): Promise<Task | undefined> {
  return db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertTask(db: Executor, values: Omit<Task, 'id' | 'version'>): Promise<number> {
  return (await db.insertInto('tasks').values(values).returning('id').executeTakeFirstOrThrow()).id;
}

export async function updateTask(db: Executor, id: number, values: Partial<Omit<Task, 'id' | 'version'>>): Promise<void> {
  await db.updateTable('tasks').set({ ...values, version: sql<number>`version + 1` }).where('id', '=', id).execute();
}

export async function deleteTasksOf(db: Executor, entityType: string, entityId: number): Promise<void> {
  await db.deleteFrom('tasks').where('entity_type', '=', entityType as TaskEntity).where('entity_id', '=', entityId).execute();
}
