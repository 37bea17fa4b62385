import { sql, type Kysely } from 'kysely';

/**
 * The overdue job (SPEC §8): a task's overdue episode is notified once. `overdue_notified_at`
 * marks it done; moving the due time or reopening the task clears it (a new episode). The
 * partial index holds only open tasks not yet notified, so each minute's pass reads the few
 * that just went overdue — never all 500,000 tasks.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table tasks add column overdue_notified_at text`.execute(db);
  // Tasks already overdue when this arrives were overdue before anyone could be told: count them as told.
  await sql`update tasks set overdue_notified_at = ${new Date().toISOString()} where status in ('pending', 'in_progress') and due_at < ${new Date().toISOString()}`.execute(db);
  // A rep with `own` visibility lists the tasks assigned to them or that they created: the OR reads two indexes.
  await sql`create index tasks_created_by on tasks (created_by, due_at)`.execute(db);
  await sql`create index tasks_overdue_watch on tasks (due_at) where status in ('pending', 'in_progress') and overdue_notified_at is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists tasks_overdue_watch`.execute(db);
  await sql`drop index if exists tasks_created_by`.execute(db);
  await sql`alter table tasks drop column overdue_notified_at`.execute(db);
}
