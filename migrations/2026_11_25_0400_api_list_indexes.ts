import { sql, type Kysely } from 'kysely';

/**
 * The API's lists (SPEC §12) page in id order, and in order of change with `updated_since`. An
 * equality filter is read in id order only from an index on that column alone (SQLite keeps
 * each value's entries in rowid order): with the multi-column indexes the pages sort by, a
 * filter like "deals in stage 3" or a rep's own tasks sorted all their matches (33,000 and
 * 50,000 at Large volume) for every page. `updated_since` walked the whole table (90 ms for
 * tasks); with an updated_at index a page reads its own rows. These are the filters whose
 * matches grow with the table; filters that match a handful (a company's contacts) need none.
 */
const INDEXES: [name: string, table: string, column: string][] = [
  ['companies_updated', 'companies', 'updated_at'],
  ['companies_assigned', 'companies', 'assigned_to'],
  ['companies_industry', 'companies', 'industry_id'],
  ['contacts_updated', 'contacts', 'updated_at'],
  ['contacts_assigned', 'contacts', 'assigned_to'],
  ['customers_updated', 'customers', 'updated_at'],
  ['customers_assigned', 'customers', 'assigned_to'],
  ['customers_group', 'customers', 'customer_group_id'],
  ['leads_updated', 'leads', 'updated_at'],
  ['leads_assigned', 'leads', 'assigned_to'],
  ['leads_status', 'leads', 'lead_status_id'],
  ['leads_source', 'leads', 'lead_source_id'],
  ['leads_campaign', 'leads', 'campaign_id'],
  ['deals_updated', 'deals', 'updated_at'],
  ['deals_assigned', 'deals', 'assigned_to'],
  ['deals_stage', 'deals', 'stage_id'],
  ['tasks_updated', 'tasks', 'updated_at'],
  ['tasks_assigned', 'tasks', 'assigned_to'],
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, table, column] of INDEXES) await sql`create index ${sql.id(name)} on ${sql.id(table)} (${sql.id(column)})`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [name] of INDEXES) await sql`drop index if exists ${sql.id(name)}`.execute(db);
}
