import { sql, type Kysely } from 'kysely';

/**
 * The dashboard filtered to one rep (or a rep's own): their newest companies and customers are
 * read in (assignee, created) order and stop at five, instead of sorting all of theirs; their
 * companies and active companies are counted in one covering index.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index customers_assigned_created on customers (assigned_to, created_at, id)`.execute(db);
  await sql`create index companies_assigned_created on companies (assigned_to, created_at, id)`.execute(db);
  await sql`create index companies_assigned_active on companies (assigned_to, is_active)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const i of ['customers_assigned_created', 'companies_assigned_created', 'companies_assigned_active']) await sql.raw(`drop index if exists ${i}`).execute(db);
}
