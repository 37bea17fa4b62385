import { sql, type Kysely } from 'kysely';

/**
 * Lists under load (performance issue): a rep with `own` visibility pages their deals in each
 * list sort from an (assigned_to, sort) index instead of sorting 40,000 rows; a stage with a
 * close-date range counts and sorts by creation from the index alone (no row per match); two
 * company filters together read one index range.
 */
const INDEXES: [string, string][] = [
  ['deals_assigned_created', 'deals (assigned_to, created_at, id)'],
  ['deals_assigned_value', 'deals (assigned_to, value_cents, id)'],
  ['deals_assigned_title', 'deals (assigned_to, title collate nocase, id)'],
  ['deals_assigned_expected_close', 'deals (assigned_to, expected_close_date, id)'],
  ['deals_stage_expected_close_created', 'deals (stage_id, expected_close_date, created_at)'],
  ['deals_stage_actual_close_created', 'deals (stage_id, actual_close_date, created_at)'],
  // Companies filtered by industry and assignee together, in name order.
  ['companies_industry_assigned_name', 'companies (industry_id, assigned_to, name collate nocase, id)'],
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, on] of INDEXES) await sql.raw(`create index ${name} on ${on}`).execute(db);
  // The new (stage, date, created) indexes lead with the same columns and answer everything these did.
  await sql`drop index if exists deals_stage_expected_close`.execute(db);
  await sql`drop index if exists deals_stage_actual_close`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [name] of INDEXES) await sql.raw(`drop index if exists ${name}`).execute(db);
  await sql`create index deals_stage_expected_close on deals (stage_id, expected_close_date)`.execute(db);
  await sql`create index deals_stage_actual_close on deals (stage_id, actual_close_date)`.execute(db);
}
