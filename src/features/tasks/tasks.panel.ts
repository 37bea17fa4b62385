import type { Scope } from '../../lib/access.js';
import { assigneeOptions } from '../users/users.queries.js';
import * as q from './tasks.queries.js';

/** The record kinds a task can belong to (SPEC §6). */
export const TASK_PARENTS = new Set<string>(['lead', 'deal', 'company', 'contact', 'customer']);

/** What a record's task panel needs (views/partials/_tasks_panel.eta). */
export async function taskPanel(db: Parameters<typeof q.tasksOf>[0], scope: Scope, type: q.TaskEntity, id: number, path: string) {
  const [tasks, assignees] = await Promise.all([q.tasksOf(db, type, id), assigneeOptions(db)]);
  return { tasks, tasksUrl: `${path}/${id}/tasks`, taskAssignees: assignees, now: new Date().toISOString(), taskValues: { assigned_to: scope.viewer.id }, taskErrors: {} };
}

