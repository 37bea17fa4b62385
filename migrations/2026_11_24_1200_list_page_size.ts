import { sql, type Kysely } from 'kysely';

/** Each user's rows per list page (25, 50 or 100); null follows the CRM's default. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table users add column list_page_size integer`.execute(db);
}
