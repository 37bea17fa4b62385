import { sql, type Kysely } from 'kysely';

/**
 * Leads (SPEC §4, §14): their statuses (seeded New, Contacted, Qualified, Converted, Lost), the
 * leads themselves and the history of every status change — the tables the leads feature builds
 * on. The list's filter and sort indexes follow the deals'; search gets its FTS table with the
 * leads feature.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('lead_statuses')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('color', 'text', (c) => c.notNull().defaultTo('#64748b'))
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0).check(sql`is_default in (0, 1)`))
    .addColumn('is_final', 'integer', (c) => c.notNull().defaultTo(0).check(sql`is_final in (0, 1)`))
    .addColumn('is_conversion_target', 'integer', (c) => c.notNull().defaultTo(0).check(sql`is_conversion_target in (0, 1)`))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('lead_statuses_target_is_final', sql`is_conversion_target = 0 or is_final = 1`)
    .addCheckConstraint('lead_statuses_default_not_final', sql`is_default = 0 or is_final = 0`)
    .execute();
  await sql`create unique index lead_statuses_name_unique on lead_statuses (lower(name))`.execute(db);
  await sql`create unique index lead_statuses_one_default on lead_statuses (is_default) where is_default = 1`.execute(db);
  await sql`create unique index lead_statuses_one_target on lead_statuses (is_conversion_target) where is_conversion_target = 1`.execute(db);
  await sql`create index lead_statuses_position on lead_statuses (position, id)`.execute(db);
  const now = new Date().toISOString();
  const seed: [string, string, number, number, number][] = [
    ['New', '#64748b', 1, 0, 0],
    ['Contacted', '#2e90fa', 0, 0, 0],
    ['Qualified', '#7a5af8', 0, 0, 0],
    ['Converted', '#16a34a', 0, 1, 1],
    ['Lost', '#d92d20', 0, 1, 0],
  ];
  for (const [i, [name, color, isDefault, isFinal, isTarget]] of seed.entries()) {
    await db.insertInto('lead_statuses').values({ name, color, is_default: isDefault, is_final: isFinal, is_conversion_target: isTarget, position: i + 1, created_at: now, updated_at: now }).execute();
  }

  await db.schema
    .createTable('leads')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('contact_name', 'text')
    .addColumn('contact_email', 'text')
    .addColumn('contact_phone', 'text')
    .addColumn('company_name', 'text')
    .addColumn('value_cents', 'integer', (c) => c.check(sql`value_cents is null or value_cents >= 0`))
    .addColumn('lead_source_id', 'integer', (c) => c.references('lead_sources.id'))
    .addColumn('campaign_id', 'integer', (c) => c.references('campaigns.id'))
    .addColumn('product_id', 'integer', (c) => c.references('products.id'))
    .addColumn('lead_status_id', 'integer', (c) => c.notNull().references('lead_statuses.id'))
    .addColumn('assigned_to', 'integer', (c) => c.references('users.id'))
    .addColumn('converted_at', 'text')
    .addColumn('customer_id', 'integer', (c) => c.references('customers.id'))
    .addColumn('company_id', 'integer', (c) => c.references('companies.id'))
    .addColumn('deal_id', 'integer', (c) => c.references('deals.id'))
    .addColumn('status_entered_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // Contact email is unique across leads, case-insensitively (SPEC §4).
  await sql`create unique index leads_contact_email on leads (lower(contact_email)) where contact_email is not null`.execute(db);
  // The board (a status column's cards in order) and the list's filters and sorts.
  await sql`create index leads_board on leads (lead_status_id, status_entered_at desc, id desc)`.execute(db);
  await sql`create index leads_assigned_board on leads (assigned_to, lead_status_id, status_entered_at desc, id desc)`.execute(db);
  await sql`create index leads_status_value on leads (lead_status_id, value_cents)`.execute(db);
  await sql`create index leads_source on leads (lead_source_id, id)`.execute(db);
  await sql`create index leads_campaign on leads (campaign_id, id)`.execute(db);
  await sql`create index leads_product on leads (product_id)`.execute(db);
  await sql`create index leads_customer on leads (customer_id)`.execute(db);
  await sql`create index leads_company on leads (company_id)`.execute(db);
  await sql`create index leads_deal on leads (deal_id)`.execute(db);
  await sql`create index leads_title on leads (title collate nocase, id)`.execute(db);
  await sql`create index leads_value on leads (value_cents, id)`.execute(db);
  await sql`create index leads_created on leads (created_at, id)`.execute(db);

  await db.schema
    .createTable('lead_status_history')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('lead_id', 'integer', (c) => c.notNull().references('leads.id').onDelete('cascade'))
    .addColumn('from_status_id', 'integer', (c) => c.references('lead_statuses.id'))
    .addColumn('to_status_id', 'integer', (c) => c.notNull().references('lead_statuses.id'))
    .addColumn('user_id', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await sql`create index lead_status_history_lead on lead_status_history (lead_id, created_at)`.execute(db);
  await sql`create index lead_status_history_to on lead_status_history (to_status_id, created_at)`.execute(db);
  await sql`create index lead_status_history_from on lead_status_history (from_status_id)`.execute(db);
}
