import { sql, type Kysely } from 'kysely';

/**
 * The revenue forecast report (SPEC §10) at 200,000 deals: open deals by expected close month,
 * raw and weighted, from counters kept by triggers per expected close date (''  when none),
 * stage and assignee — a few thousand rows instead of ~130,000 open deals. Keyed by stage so a
 * stage's won/lost flags are read at report time; `weighted` is Σ value × probability (percent),
 * as deal_stage_totals keeps it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table deal_expected_days (
      day text not null default '',
      stage_id integer not null,
      assigned_to integer not null default 0,
      deals integer not null default 0,
      value_cents integer not null default 0,
      weighted integer not null default 0,
      primary key (day, stage_id, assigned_to)
    ) without rowid`.execute(db);
  const add = sql.raw(`
    insert into deal_expected_days (day, stage_id, assigned_to, deals, value_cents, weighted)
    values (coalesce(new.expected_close_date, ''), new.stage_id, coalesce(new.assigned_to, 0), 1, coalesce(new.value_cents, 0), coalesce(new.value_cents, 0) * coalesce(new.probability, 0))
    on conflict (day, stage_id, assigned_to) do update set deals = deals + 1, value_cents = value_cents + excluded.value_cents, weighted = weighted + excluded.weighted;`);
  const remove = sql.raw(`
    update deal_expected_days set deals = deals - 1, value_cents = value_cents - coalesce(old.value_cents, 0), weighted = weighted - coalesce(old.value_cents, 0) * coalesce(old.probability, 0)
    where day = coalesce(old.expected_close_date, '') and stage_id = old.stage_id and assigned_to = coalesce(old.assigned_to, 0);`);
  await sql`create trigger deals_expected_days_ai after insert on deals begin ${add} end`.execute(db);
  await sql`create trigger deals_expected_days_ad after delete on deals begin ${remove} end`.execute(db);
  await sql`create trigger deals_expected_days_au after update of expected_close_date, stage_id, assigned_to, value_cents, probability on deals begin ${remove} ${add} end`.execute(db);
  await sql`
    insert into deal_expected_days (day, stage_id, assigned_to, deals, value_cents, weighted)
    select coalesce(expected_close_date, ''), stage_id, coalesce(assigned_to, 0), count(*), coalesce(sum(value_cents), 0), coalesce(sum(coalesce(value_cents, 0) * coalesce(probability, 0)), 0)
    from deals group by 1, 2, 3`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['deals_expected_days_ai', 'deals_expected_days_ad', 'deals_expected_days_au']) await sql.raw(`drop trigger if exists ${t}`).execute(db);
  await sql`drop table if exists deal_expected_days`.execute(db);
}
