import type { Task } from '../../db/schema.js';
import { canEdit, type Scope } from '../../lib/access.js';
import { ForbiddenError, ValidationError, type FieldErrors } from '../../lib/errors.js';
import { nowIso, zonedToUtc } from '../../lib/time.js';
import type { Trx } from '../../lib/writes.js';
import { record } from '../timeline/timeline.queries.js';
import { isAssignable } from '../users/users.queries.js';
import { touchDeal } from '../deals/deals.queries.js';
import * as q from './tasks.queries.js';
import { notifyAssigned } from '../notifications/notifications.queries.js';
import type { TaskInput } from './tasks.schemas.js';

/** A date without a time is due at the end of that day, in the viewer's zone. */
export const END_OF_DAY = '23:59';

export interface TaskParent {
  type: q.TaskEntity;
  id: number;
}

/** Task writes take the caller's transaction (see lib/writes). Activity on a deal resets its rotting clock. */
async function touched(trx: Trx, parent: TaskParent | null, now: string): Promise<void> {
  if (parent?.type === 'deal') await touchDeal(trx, parent.id, now);
}

export async function createTask(trx: Trx, scope: Scope, parent: TaskParent | null, input: TaskInput, values: Record<string, unknown>): Promise<number> {
  const errors: FieldErrors = {};
  if (input.assigned_to && !(await isAssignable(trx, input.assigned_to))) errors.assigned_to = 'Choose an active user.';
  if (Object.keys(errors).length) throw new ValidationError(errors, values);
  const now = nowIso();
  const due_at = input.due_date ? zonedToUtc(input.due_date, input.due_time ?? END_OF_DAY, scope.viewer.timeZone) : null;
  const id = await q.insertTask(trx, {
    title: input.title, type: input.type, description: input.description, due_at, priority: input.priority, status: 'pending', completed_at: null,
    assigned_to: input.assigned_to, entity_type: parent?.type ?? null, entity_id: parent?.id ?? null, created_by: scope.viewer.id, created_at: now, updated_at: now,
  });
  const changes: Record<string, [unknown, unknown]> = { title: [null, input.title], type: [null, input.type] };
  if (due_at) changes.due_at = [null, due_at];
  if (input.assigned_to) changes.assigned_to = [null, input.assigned_to];
  await record(trx, { entityType: 'task', entityId: id, action: 'created', userId: scope.viewer.id, changes });
  await notifyAssigned(trx, scope.viewer.id, { entityType: 'task', entityId: id, title: input.title, from: null, to: input.assigned_to });
  if (parent) await record(trx, { entityType: parent.type, entityId: parent.id, action: 'task_added', userId: scope.viewer.id, changes: { task: [null, input.title] } });
  await touched(trx, parent, now);
  return id;
}

/** The assignee, its creator, a manager or an admin may change a task; an unassigned one is anyone's. */
export function assertMayChange(scope: Scope, task: Task): void {
  if (!canEdit(scope.viewer, task.assigned_to) && task.created_by !== scope.viewer.id) {
    throw new ForbiddenError('This task is assigned to someone else. Ask them or a manager to change it.');
  }
}

/** One click: done (completed_at set), or undone back to pending (completed_at cleared). */
export async function setTaskDone(trx: Trx, scope: Scope, task: Task, done: boolean): Promise<void> {
  assertMayChange(scope, task);
  if ((task.status === 'completed') === done) return;
  const now = nowIso();
  const status = done ? 'completed' : 'pending';
  await q.updateTask(trx, task.id, { status, completed_at: done ? now : null, updated_at: now });
  await record(trx, { entityType: 'task', entityId: task.id, action: done ? 'completed' : 'reopened', userId: scope.viewer.id, changes: { status: [task.status, status] } });
  const parent = task.entity_type && task.entity_id ? { type: task.entity_type, id: task.entity_id } : null;
  if (parent) await record(trx, { entityType: parent.type, entityId: parent.id, action: done ? 'task_completed' : 'task_reopened', userId: scope.viewer.id, changes: { task: [null, task.title] } });
  if (done) await touched(trx, parent, now);
}

export async function deleteTask(trx: Trx, scope: Scope, task: Task): Promise<void> {
  assertMayChange(scope, task);
  await trx.deleteFrom('tasks').where('id', '=', task.id).execute();
  await record(trx, { entityType: 'task', entityId: task.id, action: 'deleted', userId: scope.viewer.id, changes: { title: [task.title, null] } });
  if (task.entity_type && task.entity_id) await record(trx, { entityType: task.entity_type, entityId: task.entity_id, action: 'related_deleted', userId: scope.viewer.id, changes: { task: [task.title, null] } });
}
