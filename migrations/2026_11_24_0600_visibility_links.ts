import { sql, type Kysely } from 'kysely';

/**
 * rep_visibility = own shows a rep their records and, read-only, the records theirs link to: the
 * company of their deal, contact or customer; the customer and contacts of their deal. These
 * indexes answer "what do this rep's records point at" from the index alone. They are partial
 * (only rows with a link), so the planner never prefers them for scanning a whole table.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index deals_assigned_company on deals (assigned_to, company_id) where company_id is not null`.execute(db);
  await sql`create index deals_assigned_customer on deals (assigned_to, customer_id) where customer_id is not null`.execute(db);
  await sql`create index contacts_assigned_company on contacts (assigned_to, company_id) where company_id is not null`.execute(db);
  await sql`create index customers_assigned_company on customers (assigned_to, company_id) where company_id is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of ['deals_assigned_company', 'deals_assigned_customer', 'contacts_assigned_company', 'customers_assigned_company']) {
    await sql.raw(`drop index if exists ${name}`).execute(db);
  }
}
