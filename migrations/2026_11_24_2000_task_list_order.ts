import { sql, type Kysely } from 'kysely';

/**
 * All tasks at 500,000 rows (SPEC §15): each sort of the list walks an index in its order and
 * stops after a page, instead of sorting every match. Undated tasks sort as '9999' — after every
 * date — so one key serves "by due date, undated last". The open-only copy is what the sidebar's
 * "All tasks" opens; the per-assignee one serves a manager looking at one rep's tasks.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index tasks_due_order on tasks (coalesce(due_at, '9999'), id)`.execute(db);
  await sql`create index tasks_open_order on tasks (coalesce(due_at, '9999'), id) where status in ('pending', 'in_progress')`.execute(db);
  await sql`create index tasks_assigned_order on tasks (assigned_to, coalesce(due_at, '9999'), id)`.execute(db);
  await sql`create index tasks_priority_order on tasks ((case priority when 'high' then 0 when 'normal' then 1 else 2 end), coalesce(due_at, '9999'), id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of ['tasks_due_order', 'tasks_open_order', 'tasks_assigned_order', 'tasks_priority_order']) await sql`drop index if exists ${sql.id(name)}`.execute(db);
}
