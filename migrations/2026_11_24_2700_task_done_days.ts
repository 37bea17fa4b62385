import { sql, type Kysely } from 'kysely';

/**
 * "Tasks completed in the period" per rep (sales performance, SPEC §10): at Large a year holds
 * ~160,000 completed tasks, and counting them in the (assigned_to, completed_at) index took
 * 13–50 ms a request. Kept per UTC day and assignee instead; the few hours at each end of a
 * period in the CRM's zone are counted from that index (reports.rules periodSums).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table task_done_days (
      day text not null,
      assigned_to integer not null default 0,
      tasks integer not null default 0,
      primary key (day, assigned_to)
    ) without rowid`.execute(db);
  const add = sql.raw(`
    insert into task_done_days (day, assigned_to, tasks) select substr(new.completed_at, 1, 10), coalesce(new.assigned_to, 0), 1 where new.completed_at is not null
    on conflict (day, assigned_to) do update set tasks = tasks + 1;`);
  const remove = sql.raw(`
    update task_done_days set tasks = tasks - 1 where old.completed_at is not null and day = substr(old.completed_at, 1, 10) and assigned_to = coalesce(old.assigned_to, 0);`);
  await sql`create trigger tasks_done_days_ai after insert on tasks begin ${add} end`.execute(db);
  await sql`create trigger tasks_done_days_ad after delete on tasks begin ${remove} end`.execute(db);
  await sql`create trigger tasks_done_days_au after update of completed_at, assigned_to on tasks begin ${remove} ${add} end`.execute(db);
  await sql`insert into task_done_days (day, assigned_to, tasks) select substr(completed_at, 1, 10), coalesce(assigned_to, 0), count(*) from tasks where completed_at is not null group by 1, 2`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['tasks_done_days_ai', 'tasks_done_days_ad', 'tasks_done_days_au']) await sql.raw(`drop trigger if exists ${t}`).execute(db);
  await sql`drop table if exists task_done_days`.execute(db);
}
