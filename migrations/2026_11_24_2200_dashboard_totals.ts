import { sql, type Kysely } from 'kysely';

/**
 * The dashboard at Large (SPEC §10, §15) answers from counters that triggers keep exact, the way
 * deal_stage_totals serves the board, and from covering indexes:
 * - task_status_totals: tasks per status and assignee. Counting 500,000 tasks by status reads
 *   every index entry (~30 ms); the counters are a few dozen rows.
 * - lead_source_totals: leads per source and assignee ("leads by source"), for the same reason
 *   over 100,000 leads.
 * - deals_pipeline_created: deals created per month for one pipeline, counted in the index
 *   (deals_created and deals_assigned_created serve the unfiltered and per-rep cases).
 * - deals_closed_month: won and lost per month with their value, read from the index alone
 *   (a deal's close date, stage, value, pipeline and assignee), not from 200,000 rows.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table task_status_totals (
      status text not null,
      assigned_to integer not null default 0,
      tasks integer not null default 0,
      primary key (status, assigned_to)
    ) without rowid`.execute(db);
  const addTask = sql.raw(`
    insert into task_status_totals (status, assigned_to, tasks) values (new.status, coalesce(new.assigned_to, 0), 1)
    on conflict (status, assigned_to) do update set tasks = tasks + 1;`);
  const removeTask = sql.raw(`
    update task_status_totals set tasks = tasks - 1 where status = old.status and assigned_to = coalesce(old.assigned_to, 0);`);
  await sql`create trigger tasks_totals_ai after insert on tasks begin ${addTask} end`.execute(db);
  await sql`create trigger tasks_totals_ad after delete on tasks begin ${removeTask} end`.execute(db);
  await sql`create trigger tasks_totals_au after update of status, assigned_to on tasks begin ${removeTask} ${addTask} end`.execute(db);
  await sql`insert into task_status_totals (status, assigned_to, tasks) select status, coalesce(assigned_to, 0), count(*) from tasks group by status, coalesce(assigned_to, 0)`.execute(db);

  await sql`
    create table lead_source_totals (
      lead_source_id integer not null default 0,
      assigned_to integer not null default 0,
      leads integer not null default 0,
      primary key (lead_source_id, assigned_to)
    ) without rowid`.execute(db);
  const addLead = sql.raw(`
    insert into lead_source_totals (lead_source_id, assigned_to, leads) values (coalesce(new.lead_source_id, 0), coalesce(new.assigned_to, 0), 1)
    on conflict (lead_source_id, assigned_to) do update set leads = leads + 1;`);
  const removeLead = sql.raw(`
    update lead_source_totals set leads = leads - 1 where lead_source_id = coalesce(old.lead_source_id, 0) and assigned_to = coalesce(old.assigned_to, 0);`);
  await sql`create trigger leads_sources_ai after insert on leads begin ${addLead} end`.execute(db);
  await sql`create trigger leads_sources_ad after delete on leads begin ${removeLead} end`.execute(db);
  await sql`create trigger leads_sources_au after update of lead_source_id, assigned_to on leads begin ${removeLead} ${addLead} end`.execute(db);
  await sql`insert into lead_source_totals (lead_source_id, assigned_to, leads) select coalesce(lead_source_id, 0), coalesce(assigned_to, 0), count(*) from leads group by 1, 2`.execute(db);

  await sql`create index deals_pipeline_created on deals (pipeline_id, created_at, assigned_to)`.execute(db);
  await sql`create index deals_closed_month on deals (actual_close_date, stage_id, value_cents, pipeline_id, assigned_to) where actual_close_date is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['tasks_totals_ai', 'tasks_totals_ad', 'tasks_totals_au', 'leads_sources_ai', 'leads_sources_ad', 'leads_sources_au']) await sql.raw(`drop trigger if exists ${t}`).execute(db);
  await sql`drop table if exists task_status_totals`.execute(db);
  await sql`drop table if exists lead_source_totals`.execute(db);
  await sql`drop index if exists deals_pipeline_created`.execute(db);
  await sql`drop index if exists deals_closed_month`.execute(db);
}
