import { sql, type Kysely } from 'kysely';

/**
 * Board column headers (count, value, weighted value) kept per stage and assignee by triggers,
 * so a header reads a handful of rows instead of scanning a column of 100,000 deals. Triggers
 * keep every write path exact — forms, board, imports, API and plain SQL alike.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table deal_stage_totals (
      stage_id integer not null references deal_stages (id) on delete cascade,
      assigned_to integer not null default 0,
      deals integer not null default 0,
      value_cents integer not null default 0,
      weighted integer not null default 0,
      primary key (stage_id, assigned_to)
    ) without rowid`.execute(db);

  const add = (row: 'new') => sql.raw(`
    insert into deal_stage_totals (stage_id, assigned_to, deals, value_cents, weighted)
    values (${row}.stage_id, coalesce(${row}.assigned_to, 0), 1, coalesce(${row}.value_cents, 0), coalesce(${row}.value_cents, 0) * coalesce(${row}.probability, 0))
    on conflict (stage_id, assigned_to) do update set
      deals = deals + 1, value_cents = value_cents + excluded.value_cents, weighted = weighted + excluded.weighted;`);
  const remove = sql.raw(`
    update deal_stage_totals set
      deals = deals - 1,
      value_cents = value_cents - coalesce(old.value_cents, 0),
      weighted = weighted - coalesce(old.value_cents, 0) * coalesce(old.probability, 0)
    where stage_id = old.stage_id and assigned_to = coalesce(old.assigned_to, 0);`);

  await sql`create trigger deals_totals_ai after insert on deals begin ${add('new')} end`.execute(db);
  await sql`create trigger deals_totals_ad after delete on deals begin ${remove} end`.execute(db);
  await sql`create trigger deals_totals_au after update of stage_id, assigned_to, value_cents, probability on deals begin ${remove} ${add('new')} end`.execute(db);

  await sql`
    insert into deal_stage_totals (stage_id, assigned_to, deals, value_cents, weighted)
    select stage_id, coalesce(assigned_to, 0), count(*), coalesce(sum(value_cents), 0), coalesce(sum(value_cents * coalesce(probability, 0)), 0)
    from deals group by stage_id, coalesce(assigned_to, 0)`.execute(db);

  // Deal lists filtered by stage and a close-date range.
  await sql`create index deals_stage_expected_close on deals (stage_id, expected_close_date)`.execute(db);
  await sql`create index deals_stage_actual_close on deals (stage_id, actual_close_date)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['deals_totals_ai', 'deals_totals_ad', 'deals_totals_au']) await sql.raw(`drop trigger if exists ${t}`).execute(db);
  await sql`drop table if exists deal_stage_totals`.execute(db);
}
