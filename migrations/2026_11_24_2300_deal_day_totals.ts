import { sql, type Kysely } from 'kysely';

/**
 * "Deals by month" at 200,000 deals (SPEC §10, §15): counters kept by triggers, one row per day,
 * so six months read a few thousand small rows instead of ~90,000 deals.
 * - deal_created_days: deals created per UTC day, pipeline and assignee. The dashboard's months
 *   are in the CRM's zone; their boundaries fall inside UTC days, so the few hours on the far
 *   side of each boundary are counted from the deals' created_at index (dashboard.rules
 *   monthsFromDays) — exact in any zone, and the triggers need not know the zone.
 * - deal_closed_days: deals per close date (already the CRM's calendar day), stage and assignee
 *   with their value. Keyed by stage, not by won/lost, so a stage's flags are read when counting.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table deal_created_days (
      day text not null,
      pipeline_id integer not null,
      assigned_to integer not null default 0,
      deals integer not null default 0,
      primary key (day, pipeline_id, assigned_to)
    ) without rowid`.execute(db);
  const addCreated = sql.raw(`
    insert into deal_created_days (day, pipeline_id, assigned_to, deals) values (substr(new.created_at, 1, 10), new.pipeline_id, coalesce(new.assigned_to, 0), 1)
    on conflict (day, pipeline_id, assigned_to) do update set deals = deals + 1;`);
  const removeCreated = sql.raw(`
    update deal_created_days set deals = deals - 1 where day = substr(old.created_at, 1, 10) and pipeline_id = old.pipeline_id and assigned_to = coalesce(old.assigned_to, 0);`);
  await sql`create trigger deals_created_days_ai after insert on deals begin ${addCreated} end`.execute(db);
  await sql`create trigger deals_created_days_ad after delete on deals begin ${removeCreated} end`.execute(db);
  await sql`create trigger deals_created_days_au after update of created_at, pipeline_id, assigned_to on deals begin ${removeCreated} ${addCreated} end`.execute(db);
  await sql`insert into deal_created_days (day, pipeline_id, assigned_to, deals) select substr(created_at, 1, 10), pipeline_id, coalesce(assigned_to, 0), count(*) from deals group by 1, 2, 3`.execute(db);

  await sql`
    create table deal_closed_days (
      day text not null,
      stage_id integer not null,
      assigned_to integer not null default 0,
      deals integer not null default 0,
      value_cents integer not null default 0,
      primary key (day, stage_id, assigned_to)
    ) without rowid`.execute(db);
  const addClosed = sql.raw(`
    insert into deal_closed_days (day, stage_id, assigned_to, deals, value_cents)
    select new.actual_close_date, new.stage_id, coalesce(new.assigned_to, 0), 1, coalesce(new.value_cents, 0) where new.actual_close_date is not null
    on conflict (day, stage_id, assigned_to) do update set deals = deals + 1, value_cents = value_cents + excluded.value_cents;`);
  const removeClosed = sql.raw(`
    update deal_closed_days set deals = deals - 1, value_cents = value_cents - coalesce(old.value_cents, 0)
    where old.actual_close_date is not null and day = old.actual_close_date and stage_id = old.stage_id and assigned_to = coalesce(old.assigned_to, 0);`);
  await sql`create trigger deals_closed_days_ai after insert on deals begin ${addClosed} end`.execute(db);
  await sql`create trigger deals_closed_days_ad after delete on deals begin ${removeClosed} end`.execute(db);
  await sql`create trigger deals_closed_days_au after update of actual_close_date, stage_id, assigned_to, value_cents on deals begin ${removeClosed} ${addClosed} end`.execute(db);
  await sql`
    insert into deal_closed_days (day, stage_id, assigned_to, deals, value_cents)
    select actual_close_date, stage_id, coalesce(assigned_to, 0), count(*), coalesce(sum(value_cents), 0) from deals where actual_close_date is not null group by 1, 2, 3`.execute(db);
  // The per-deal index of migration 2200 is no longer read for the months.
  await sql`drop index if exists deals_closed_month`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['deals_created_days_ai', 'deals_created_days_ad', 'deals_created_days_au', 'deals_closed_days_ai', 'deals_closed_days_ad', 'deals_closed_days_au']) await sql.raw(`drop trigger if exists ${t}`).execute(db);
  await sql`drop table if exists deal_created_days`.execute(db);
  await sql`drop table if exists deal_closed_days`.execute(db);
  await sql`create index if not exists deals_closed_month on deals (actual_close_date, stage_id, value_cents, pipeline_id, assigned_to) where actual_close_date is not null`.execute(db);
}
