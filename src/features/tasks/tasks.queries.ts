import { sql } from 'kysely';
import type { Task } from '../../db/schema.js';
import { visible, type Executor } from '../../lib/entities.js';
import { defineList } from '../../lib/list-query.js';

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

export async function insertTask(db: Executor, values: Omit<Task, 'id' | 'version' | 'overdue_notified_at'>): Promise<number> {
  return (await db.insertInto('tasks').values(values).returning('id').executeTakeFirstOrThrow()).id;
}

export async function updateTask(db: Executor, id: number, values: Partial<Omit<Task, 'id' | 'version'>>): Promise<void> {
  await db.updateTable('tasks').set({ ...values, version: sql<number>`version + 1` }).where('id', '=', id).execute();
}

export async function deleteTasksOf(db: Executor, entityType: string, entityId: number): Promise<void> {
  await db.deleteFrom('tasks').where('entity_type', '=', entityType as TaskEntity).where('entity_id', '=', entityId).execute();
}

/* ---------- Lists: All tasks and My tasks ---------- */

/** The list's filters as the query reads them: due days already turned into UTC instants. */
export type TaskListFilters = Partial<import('./tasks.schemas.js').TaskFilters> & { due_from_at?: string; due_before_at?: string };

/** Open tasks, as a filter on rows being walked in due order (see the list's status filter). */
const OPEN = sql<boolean>`+t.status in ('pending', 'in_progress')`;

const PRIORITY_ORDER = "case t.priority when 'high' then 0 when 'normal' then 1 else 2 end";

export const taskList = defineList({
  base: visible.tasks,
  id: 't.id',
  filter: (q, f: TaskListFilters) =>
    q
      // `+t.status`: status is read off the rows of an order walk, never through an index of its
      // own — SQLite would otherwise gather every open task of the 500,000 and sort them.
      .$if(f.status === 'open', (w) => w.where(OPEN))
      .$if(Boolean(f.status) && f.status !== 'open', (w) => w.where(sql`+t.status`, '=', f.status as Task['status']))
      .$if(Boolean(f.type), (w) => w.where('t.type', '=', f.type as Task['type']))
      .$if(Boolean(f.priority), (w) => w.where('t.priority', '=', f.priority as Task['priority']))
      .$if(f.assigned_to === 'none', (w) => w.where('t.assigned_to', 'is', null))
      .$if(typeof f.assigned_to === 'number', (w) => w.where('t.assigned_to', '=', Number(f.assigned_to)))
      .$if(f.related === 'none', (w) => w.where('t.entity_type', 'is', null))
      .$if(Boolean(f.related) && f.related !== 'none', (w) => w.where('t.entity_type', '=', f.related as TaskEntity))
      // Ranges on the sort key of the order indexes: a due range sorted by due walks tasks_due_order
      // between its bounds, sorted by priority it skip-scans tasks_priority_order's three priorities.
      .$if(Boolean(f.due_from_at || f.due_before_at), (w) => w.where('t.due_at', 'is not', null))
      .$if(Boolean(f.due_from_at), (w) => w.where(sql`coalesce(t.due_at, '9999')`, '>=', String(f.due_from_at)))
      .$if(Boolean(f.due_before_at), (w) => w.where(sql`coalesce(t.due_at, '9999')`, '<', String(f.due_before_at))),
  sorts: {
    // Undated tasks sort as '9999', after every date; the expressions are those of the
    // tasks_*_order indexes (migration 2000), so a page walks an index instead of sorting.
    due_at: { order: "coalesce(t.due_at, '9999') {dir}" },
    title: { order: 't.title collate nocase' },
    priority: { order: `${PRIORITY_ORDER} {dir}, coalesce(t.due_at, '9999')` },
    created_at: { order: 't.created_at' },
    assigned: { order: 't.assigned_to' },
  },
  defaultSort: 'due_at',
  defaultDir: 'asc',
  countWhole: false,
  rows: (db) => rowsOf(db),
});

function rowsOf(db: Executor) {
  return db
    .selectFrom('tasks as t')
    .leftJoin('users as u', 'u.id', 't.assigned_to')
    .select([
      't.id', 't.title', 't.type', 't.priority', 't.status', 't.due_at', 't.completed_at', 't.assigned_to', 't.entity_type', 't.entity_id', 't.created_at',
      'u.name as assigned_name',
      // The related record's name, one lookup per row of the page (ids-first: a page, never the table).
      sql<string | null>`case t.entity_type
        when 'deal' then (select title from deals where id = t.entity_id)
        when 'lead' then (select title from leads where id = t.entity_id)
        when 'company' then (select name from companies where id = t.entity_id)
        when 'customer' then (select name from customers where id = t.entity_id)
        when 'contact' then (select trim(coalesce(first_name, '') || ' ' || coalesce(last_name, '')) from contacts where id = t.entity_id)
      end`.as('related_name'),
    ]);
}

export type TaskRow = Awaited<ReturnType<typeof taskList.page>>['rows'][number];

/** How many tasks each My tasks section shows; one more is read to know there are more. */
export const MY_TASKS_SHOWN = 25;

/**
 * My tasks (SPEC §6), "today" being the viewer's own day: overdue, due today, upcoming (later or
 * undated), and done in the last seven days, each stopping at its limit.
 */
export async function myTasks(db: Executor, viewerId: number, bounds: { now: string; tomorrowStart: string; weekAgo: string }, limit = MY_TASKS_SHOWN + 1) {
  // Each open section is a range of tasks_assigned_order (assignee, due with undated as '9999'),
  // walked in order and read until its limit; done ones come from the partial index of done tasks.
  const due = sql<string>`coalesce(t.due_at, '9999')`;
  const open = () => rowsOf(db).where('t.assigned_to', '=', viewerId).where(OPEN).orderBy(due).orderBy('t.id').limit(limit);
  const [overdue, today, upcoming, done] = await Promise.all([
    open().where(due, '<', bounds.now).execute(),
    open().where(due, '>=', bounds.now).where(due, '<', bounds.tomorrowStart).execute(),
    open().where(due, '>=', bounds.tomorrowStart).execute(),
    rowsOf(db).where('t.assigned_to', '=', viewerId).where(sql<boolean>`t.status = 'completed'`).where('t.completed_at', '>=', bounds.weekAgo).orderBy('t.completed_at', 'desc').limit(limit).execute(),
  ]);
  return { overdue, today, upcoming, done };
}

/** A user's calendar feed: their open tasks that have a due time, soonest first (the assigned/status/due index). */
export function openDatedTasksOf(db: Executor, userId: number) {
  return rowsOf(db)
    .select('t.description')
    .where('t.assigned_to', '=', userId)
    .where('t.status', 'in', ['pending', 'in_progress'])
    .where('t.due_at', 'is not', null)
    .orderBy('t.due_at')
    .execute();
}
