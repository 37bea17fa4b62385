import { sql, type Kysely } from 'kysely';

const now = () => new Date().toISOString();

async function directory(db: Kysely<any>, table: string, extra: (t: any) => any = (t) => t): Promise<void> {
  let t = db.schema
    .createTable(table)
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0));
  t = extra(t);
  await t
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await sql`create unique index ${sql.raw(`${table}_name_unique`)} on ${sql.table(table)} (lower(name))`.execute(db);
  await sql`create index ${sql.raw(`${table}_position`)} on ${sql.table(table)} (position, id)`.execute(db);
}

async function seed(db: Kysely<any>, table: string, names: string[]): Promise<void> {
  const ts = now();
  await db
    .insertInto(table)
    .values(names.map((name, i) => ({ name, position: i + 1, created_at: ts, updated_at: ts })))
    .execute();
}

/** External-content FTS5 index kept in step by triggers; search is by token prefix. */
async function fts(db: Kysely<any>, table: string, columns: string[]): Promise<void> {
  const cols = columns.join(', ');
  const newCols = columns.map((c) => `new.${c}`).join(', ');
  const oldCols = columns.map((c) => `old.${c}`).join(', ');
  const f = `${table}_fts`;
  await sql.raw(`create virtual table ${f} using fts5(${cols}, content='${table}', content_rowid='id', tokenize="unicode61 remove_diacritics 2", prefix='1 2 3')`).execute(db);
  await sql.raw(`create trigger ${table}_fts_ai after insert on ${table} begin insert into ${f}(rowid, ${cols}) values (new.id, ${newCols}); end`).execute(db);
  await sql.raw(`create trigger ${table}_fts_ad after delete on ${table} begin insert into ${f}(${f}, rowid, ${cols}) values ('delete', old.id, ${oldCols}); end`).execute(db);
  await sql.raw(`create trigger ${table}_fts_au after update of ${cols} on ${table} begin insert into ${f}(${f}, rowid, ${cols}) values ('delete', old.id, ${oldCols}); insert into ${f}(rowid, ${cols}) values (new.id, ${newCols}); end`).execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  await directory(db, 'industries');
  await directory(db, 'company_sizes');
  await directory(db, 'lead_sources');
  await directory(db, 'lost_reasons');
  await directory(db, 'products', (t) => t.addColumn('code', 'text').addColumn('price_cents', 'integer', (c: any) => c.check(sql`price_cents >= 0`)));
  await directory(db, 'campaigns', (t) =>
    t.addColumn('channel', 'text').addColumn('starts_on', 'text').addColumn('ends_on', 'text').addColumn('budget_cents', 'integer', (c: any) => c.check(sql`budget_cents >= 0`)),
  );
  await seed(db, 'industries', ['Software', 'Manufacturing', 'Retail', 'Healthcare', 'Finance', 'Education', 'Construction', 'Logistics', 'Hospitality', 'Media']);
  await seed(db, 'company_sizes', ['Small', 'Medium', 'Large']);
  await seed(db, 'lead_sources', ['Website', 'Referral', 'Cold call', 'Trade show', 'Social media']);
  await seed(db, 'lost_reasons', ['Price', 'Competitor', 'No budget', 'No decision', 'Timing']);

  await db.schema
    .createTable('companies')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('website', 'text')
    .addColumn('phone', 'text')
    .addColumn('email', 'text')
    .addColumn('street', 'text')
    .addColumn('city', 'text')
    .addColumn('state', 'text')
    .addColumn('postal_code', 'text')
    .addColumn('country', 'text')
    .addColumn('industry_id', 'integer', (c) => c.references('industries.id'))
    .addColumn('size_id', 'integer', (c) => c.references('company_sizes.id'))
    .addColumn('description', 'text')
    .addColumn('assigned_to', 'integer', (c) => c.references('users.id'))
    .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1).check(sql`is_active in (0, 1)`))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await sql`create unique index companies_email_unique on companies (lower(email)) where email is not null`.execute(db);
  await sql`create index companies_name on companies (name collate nocase, id)`.execute(db);
  await sql`create index companies_active_name on companies (is_active, name collate nocase, id)`.execute(db);
  await sql`create index companies_industry_name on companies (industry_id, name collate nocase, id)`.execute(db);
  await sql`create index companies_assigned_name on companies (assigned_to, name collate nocase, id)`.execute(db);
  await sql`create index companies_size on companies (size_id)`.execute(db);
  await sql`create index companies_created on companies (created_at, id)`.execute(db);
  await sql`create index companies_email on companies (email collate nocase, id)`.execute(db);
  await sql`create index companies_website on companies (website collate nocase, id)`.execute(db);
  await sql`create index companies_phone on companies (phone, id)`.execute(db);
  await fts(db, 'companies', ['name', 'email', 'phone', 'website']);

  await db.schema
    .createTable('contacts')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('first_name', 'text')
    .addColumn('last_name', 'text')
    .addColumn('position', 'text')
    .addColumn('email', 'text')
    .addColumn('phone', 'text')
    .addColumn('company_id', 'integer', (c) => c.references('companies.id'))
    .addColumn('assigned_to', 'integer', (c) => c.references('users.id'))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('contacts_name_present', sql`coalesce(first_name, last_name) is not null`)
    .execute();
  await sql`create index contacts_name on contacts (last_name collate nocase, first_name collate nocase, id)`.execute(db);
  await sql`create index contacts_first_name on contacts (first_name collate nocase, id)`.execute(db);
  await sql`create index contacts_company_name on contacts (company_id, last_name collate nocase, first_name collate nocase, id)`.execute(db);
  await sql`create index contacts_assigned_name on contacts (assigned_to, last_name collate nocase, first_name collate nocase, id)`.execute(db);
  await sql`create index contacts_email on contacts (email collate nocase, id)`.execute(db);
  await sql`create index contacts_created on contacts (created_at, id)`.execute(db);
  await fts(db, 'contacts', ['first_name', 'last_name', 'email', 'phone', 'position']);

  await db.schema
    .createTable('customer_groups')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('discount_percent', 'real', (c) => c.check(sql`discount_percent between 0 and 100`))
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1).check(sql`is_active in (0, 1)`))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await sql`create unique index customer_groups_code_unique on customer_groups (lower(code))`.execute(db);
  await sql`create index customer_groups_priority on customer_groups (priority desc, name)`.execute(db);

  await db.schema
    .createTable('customers')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('phone', 'text')
    .addColumn('company_id', 'integer', (c) => c.references('companies.id'))
    .addColumn('customer_group_id', 'integer', (c) => c.references('customer_groups.id'))
    .addColumn('assigned_to', 'integer', (c) => c.references('users.id'))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await sql`create unique index customers_email_unique on customers (lower(email)) where email is not null`.execute(db);
  await sql`create index customers_name on customers (name collate nocase, id)`.execute(db);
  await sql`create index customers_group_name on customers (customer_group_id, name collate nocase, id)`.execute(db);
  await sql`create index customers_company_name on customers (company_id, name collate nocase, id)`.execute(db);
  await sql`create index customers_assigned_name on customers (assigned_to, name collate nocase, id)`.execute(db);
  await sql`create index customers_email on customers (email collate nocase, id)`.execute(db);
  await sql`create index customers_created on customers (created_at, id)`.execute(db);
  await fts(db, 'customers', ['name', 'email', 'phone']);

  await db.schema
    .createTable('notes')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'integer', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await sql`create index notes_entity on notes (entity_type, entity_id, created_at, id)`.execute(db);
  await sql`create index audit_entries_entity_time on audit_entries (entity_type, entity_id, created_at, id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['notes', 'customers_fts', 'customers', 'customer_groups', 'contacts_fts', 'contacts', 'companies_fts', 'companies', 'campaigns', 'products', 'lost_reasons', 'lead_sources', 'company_sizes', 'industries']) {
    await sql.raw(`drop table if exists ${t}`).execute(db);
  }
  await sql`drop index if exists audit_entries_entity_time`.execute(db);
}
