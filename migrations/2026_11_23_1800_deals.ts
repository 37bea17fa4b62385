import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('pipelines')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1).check(sql`is_active in (0, 1)`))
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0).check(sql`is_default in (0, 1)`))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await sql`create unique index pipelines_name_unique on pipelines (lower(name))`.execute(db);
  await sql`create unique index pipelines_one_default on pipelines (is_default) where is_default = 1`.execute(db);
  await sql`create index pipelines_position on pipelines (position, id)`.execute(db);

  await db.schema
    .createTable('deal_stages')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('pipeline_id', 'integer', (c) => c.notNull().references('pipelines.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('color', 'text', (c) => c.notNull().defaultTo('#64748b'))
    .addColumn('probability', 'integer', (c) => c.notNull().defaultTo(0).check(sql`probability between 0 and 100`))
    .addColumn('rotting_days', 'integer', (c) => c.check(sql`rotting_days is null or rotting_days > 0`))
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_won', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_lost', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('deal_stages_won_or_lost', sql`not (is_won = 1 and is_lost = 1)`)
    .execute();
  await sql`create unique index deal_stages_name_unique on deal_stages (pipeline_id, lower(name))`.execute(db);
  await sql`create unique index deal_stages_one_won on deal_stages (pipeline_id) where is_won = 1`.execute(db);
  await sql`create unique index deal_stages_one_lost on deal_stages (pipeline_id) where is_lost = 1`.execute(db);
  await sql`create unique index deal_stages_one_default on deal_stages (pipeline_id) where is_default = 1`.execute(db);
  await sql`create index deal_stages_position on deal_stages (pipeline_id, position, id)`.execute(db);

  await db.schema
    .createTable('deals')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('value_cents', 'integer', (c) => c.check(sql`value_cents is null or value_cents >= 0`))
    .addColumn('expected_close_date', 'text')
    .addColumn('probability', 'integer', (c) => c.check(sql`probability is null or probability between 0 and 100`))
    .addColumn('pipeline_id', 'integer', (c) => c.notNull().references('pipelines.id'))
    .addColumn('stage_id', 'integer', (c) => c.notNull().references('deal_stages.id'))
    .addColumn('company_id', 'integer', (c) => c.references('companies.id'))
    .addColumn('customer_id', 'integer', (c) => c.references('customers.id'))
    .addColumn('assigned_to', 'integer', (c) => c.references('users.id'))
    .addColumn('actual_close_date', 'text')
    .addColumn('lost_reason', 'text')
    .addColumn('lost_reason_id', 'integer', (c) => c.references('lost_reasons.id'))
    .addColumn('lead_id', 'integer')
    .addColumn('stage_entered_at', 'text', (c) => c.notNull())
    .addColumn('last_activity_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // The board: a column's cards in order, and its header totals from a covering index.
  await sql`create index deals_board on deals (stage_id, stage_entered_at desc, id desc)`.execute(db);
  await sql`create index deals_stage_totals on deals (stage_id, value_cents, probability)`.execute(db);
  await sql`create index deals_assigned_board on deals (assigned_to, stage_id, stage_entered_at desc, id desc)`.execute(db);
  await sql`create index deals_pipeline on deals (pipeline_id, id)`.execute(db);
  await sql`create index deals_company on deals (company_id)`.execute(db);
  await sql`create index deals_customer on deals (customer_id)`.execute(db);
  await sql`create index deals_lost_reason on deals (lost_reason_id)`.execute(db);
  await sql`create index deals_lead on deals (lead_id)`.execute(db);
  await sql`create index deals_title on deals (title collate nocase, id)`.execute(db);
  await sql`create index deals_value on deals (value_cents, id)`.execute(db);
  await sql`create index deals_expected_close on deals (expected_close_date, id)`.execute(db);
  await sql`create index deals_actual_close on deals (actual_close_date, id)`.execute(db);
  await sql`create index deals_created on deals (created_at, id)`.execute(db);
  await sql.raw(`create virtual table deals_fts using fts5(title, content='deals', content_rowid='id', tokenize="unicode61 remove_diacritics 2", prefix='1 2 3')`).execute(db);
  await sql.raw(`create trigger deals_fts_ai after insert on deals begin insert into deals_fts(rowid, title) values (new.id, new.title); end`).execute(db);
  await sql.raw(`create trigger deals_fts_ad after delete on deals begin insert into deals_fts(deals_fts, rowid, title) values ('delete', old.id, old.title); end`).execute(db);
  await sql.raw(`create trigger deals_fts_au after update of title on deals begin insert into deals_fts(deals_fts, rowid, title) values ('delete', old.id, old.title); insert into deals_fts(rowid, title) values (new.id, new.title); end`).execute(db);

  await db.schema
    .createTable('deal_contacts')
    .addColumn('deal_id', 'integer', (c) => c.notNull().references('deals.id').onDelete('cascade'))
    .addColumn('contact_id', 'integer', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('deal_contacts_pk', ['deal_id', 'contact_id'])
    .execute();
  await sql`create index deal_contacts_contact on deal_contacts (contact_id, deal_id)`.execute(db);

  await db.schema
    .createTable('deal_stage_history')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('deal_id', 'integer', (c) => c.notNull().references('deals.id').onDelete('cascade'))
    .addColumn('from_stage_id', 'integer', (c) => c.references('deal_stages.id'))
    .addColumn('to_stage_id', 'integer', (c) => c.notNull().references('deal_stages.id'))
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await sql`create index deal_stage_history_deal on deal_stage_history (deal_id, id)`.execute(db);
  await sql`create index deal_stage_history_to on deal_stage_history (to_stage_id, created_at)`.execute(db);
  await sql`create index deal_stage_history_from on deal_stage_history (from_stage_id, created_at)`.execute(db);

  // Seed the "Sales" pipeline (SPEC §5).
  const now = new Date().toISOString();
  const pipeline = await db
    .insertInto('pipelines')
    .values({ name: 'Sales', description: 'New business, from first contact to signature.', is_active: 1, is_default: 1, position: 1, created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  const stages: [string, string, number, number | null, number, number, number][] = [
    ['Lead', '#94a3b8', 10, 14, 1, 0, 0],
    ['Qualified', '#60a5fa', 25, 14, 0, 0, 0],
    ['Proposal', '#a78bfa', 50, 10, 0, 0, 0],
    ['Negotiation', '#f59e0b', 75, 7, 0, 0, 0],
    ['Won', '#16a34a', 100, null, 0, 1, 0],
    ['Lost', '#dc2626', 0, null, 0, 0, 1],
  ];
  await db
    .insertInto('deal_stages')
    .values(stages.map(([name, color, probability, rotting_days, is_default, is_won, is_lost], i) => ({
      pipeline_id: pipeline.id, name, color, probability, rotting_days, is_default, is_won, is_lost, position: i + 1, created_at: now, updated_at: now,
    })))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['deal_stage_history', 'deal_contacts', 'deals_fts', 'deals', 'deal_stages', 'pipelines']) await sql.raw(`drop table if exists ${t}`).execute(db);
}
