import { sql, type Kysely } from 'kysely';

/**
 * Tasks (SPEC §6): to-dos and activities, attached to at most one record (entity_type +
 * entity_id, as notes are: the entity registry names the kinds) or to nothing. due_at is stored
 * in UTC. Indexes serve a record's task panel, a user's open tasks by due time, and the overdue
 * job (open tasks by due time).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('tasks')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull().defaultTo('todo').check(sql`type in ('todo', 'call', 'meeting', 'email')`))
    .addColumn('description', 'text')
    .addColumn('due_at', 'text')
    .addColumn('priority', 'text', (c) => c.notNull().defaultTo('normal').check(sql`priority in ('low', 'normal', 'high')`))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status in ('pending', 'in_progress', 'completed', 'cancelled')`))
    .addColumn('completed_at', 'text')
    .addColumn('assigned_to', 'integer', (c) => c.references('users.id'))
    .addColumn('entity_type', 'text', (c) => c.check(sql`entity_type is null or entity_type in ('lead', 'deal', 'company', 'contact', 'customer')`))
    .addColumn('entity_id', 'integer')
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('tasks_entity_pair', sql`(entity_type is null) = (entity_id is null)`)
    .addCheckConstraint('tasks_completed_at', sql`(status = 'completed') = (completed_at is not null)`)
    .execute();
  await sql`create index tasks_entity on tasks (entity_type, entity_id, status, due_at)`.execute(db);
  await sql`create index tasks_assigned_due on tasks (assigned_to, status, due_at)`.execute(db);
  await sql`create index tasks_open_due on tasks (due_at) where status in ('pending', 'in_progress')`.execute(db);
  // My tasks' "done in the last seven days".
  await sql`create index tasks_assigned_done on tasks (assigned_to, completed_at) where status = 'completed'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists tasks`.execute(db);
}
