import { sql } from 'kysely';
import type { Task } from '../../db/schema.js';
import { canEdit, type Scope } from '../../lib/access.js';
import { ConflictError, ForbiddenError, ValidationError, type FieldErrors } from '../../lib/errors.js';
import { nowIso, utcToZoned, zonedToUtc } from '../../lib/time.js';
import { staleMessage } from '../../lib/writes.js';
import { changedFields } from '../timeline/timeline.queries.js';
import type { Trx } from '../../lib/writes.js';
import { record } from '../timeline/timeline.queries.js';
import { isAssignable } from '../users/users.queries.js';
import { touchDeal } from '../deals/deals.queries.js';
import * as q from './tasks.queries.js';
import { notifyAssigned } from '../notifications/notifications.queries.js';
import type { TaskEditInput, TaskInput } from './tasks.schemas.js';

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

/** The due instant from the viewer's wall-clock day and optional time (no time: the end of that day). */
const dueAtOf = (scope: Scope, input: TaskInput) => (input.due_date ? zonedToUtc(input.due_date, input.due_time ?? END_OF_DAY, scope.viewer.timeZone) : null);

async function assertAssignable(trx: Trx, input: TaskInput, values: Record<string, unknown>, current: number | null = null): Promise<void> {
  const errors: FieldErrors = {};
  // Keeping a task with a since-deactivated assignee is allowed; handing it to one is not.
  if (input.assigned_to && input.assigned_to !== current && !(await isAssignable(trx, input.assigned_to))) errors.assigned_to = 'Choose an active user.';
  if (Object.keys(errors).length) throw new ValidationError(errors, values);
}

/** A stored task as its edit form shows it: due in the viewer's zone, no time when due at the end of a day. */
export function taskFormValues(task: Task, timeZone: string): Record<string, unknown> {
  const due = task.due_at ? utcToZoned(task.due_at, timeZone) : null;
  return {
    title: task.title, type: task.type, priority: task.priority, status: task.status, description: task.description ?? '', assigned_to: task.assigned_to ?? '',
    due_date: due?.date ?? '', due_time: due && due.time !== END_OF_DAY ? due.time : '', version: task.version,
  };
}

export async function createTask(trx: Trx, scope: Scope, parent: TaskParent | null, input: TaskInput, values: Record<string, unknown>): Promise<number> {
  await assertAssignable(trx, input, values);
  const now = nowIso();
  const due_at = dueAtOf(scope, input);
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
  // Reopened, it can go overdue again: a new episode for the overdue job.
  await q.updateTask(trx, task.id, { status, completed_at: done ? now : null, updated_at: now, ...(done ? {} : { overdue_notified_at: null }) });
  await record(trx, { entityType: 'task', entityId: task.id, action: done ? 'completed' : 'reopened', userId: scope.viewer.id, changes: { status: [task.status, status] } });
  const parent = parentOf(task);
  if (parent) await record(trx, { entityType: parent.type, entityId: parent.id, action: done ? 'task_completed' : 'task_reopened', userId: scope.viewer.id, changes: { task: [null, task.title] } });
  if (done) await touched(trx, parent, now);
}

const parentOf = (task: Task): TaskParent | null => (task.entity_type && task.entity_id ? { type: task.entity_type, id: task.entity_id } : null);

/**
 * Saves an edited task (its page or inline on a panel). Completing it this way is the same as the
 * checkbox: completed_at set, the related record's timeline told, a deal's rotting clock reset.
 */
export async function updateTask(trx: Trx, scope: Scope, task: Task, input: TaskEditInput, values: Record<string, unknown>): Promise<void> {
  assertMayChange(scope, task);
  await assertAssignable(trx, input, values, task.assigned_to);
  const now = nowIso();
  const next = {
    title: input.title, type: input.type, priority: input.priority, description: input.description, due_at: dueAtOf(scope, input),
    assigned_to: input.assigned_to, status: input.status,
    completed_at: input.status === 'completed' ? (task.completed_at ?? now) : null,
  };
  const isOpen = (st: string) => st === 'pending' || st === 'in_progress';
  // A moved due time, or a closed task opened again, starts a new overdue episode.
  const newEpisode = next.due_at !== task.due_at || (isOpen(input.status) && !isOpen(task.status));
  const changes = changedFields<Task>(task, next, ['title', 'type', 'priority', 'description', 'due_at', 'assigned_to', 'status']);
  let q = trx.updateTable('tasks').set({ ...next, ...(newEpisode ? { overdue_notified_at: null } : {}), updated_at: now, version: sql<number>`version + 1` }).where('id', '=', task.id);
  if (input.version !== undefined) q = q.where('version', '=', input.version);
  if (Number((await q.executeTakeFirst()).numUpdatedRows) !== 1) throw new ConflictError(staleMessage(task.title));
  if (!Object.keys(changes).length) return;
  await record(trx, { entityType: 'task', entityId: task.id, action: 'updated', userId: scope.viewer.id, changes });
  if (changes.assigned_to) await notifyAssigned(trx, scope.viewer.id, { entityType: 'task', entityId: task.id, title: input.title, from: task.assigned_to, to: input.assigned_to });
  const parent = parentOf(task);
  const wasDone = task.status === 'completed';
  const isDone = input.status === 'completed';
  if (parent && wasDone !== isDone) await record(trx, { entityType: parent.type, entityId: parent.id, action: isDone ? 'task_completed' : 'task_reopened', userId: scope.viewer.id, changes: { task: [null, input.title] } });
  await touched(trx, parent, now);
}

export async function deleteTask(trx: Trx, scope: Scope, task: Task): Promise<void> {
  assertMayChange(scope, task);
  await trx.deleteFrom('tasks').where('id', '=', task.id).execute();
  await record(trx, { entityType: 'task', entityId: task.id, action: 'deleted', userId: scope.viewer.id, changes: { title: [task.title, null] } });
  if (task.entity_type && task.entity_id) await record(trx, { entityType: task.entity_type, entityId: task.entity_id, action: 'related_deleted', userId: scope.viewer.id, changes: { task: [task.title, null] } });
}
