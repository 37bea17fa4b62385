import { sql, type Kysely } from 'kysely';

/**
 * The customer groups list showed each group's customer count by counting its customers on
 * every view (~6,000 index entries per group at Large volume). The count is now kept on the
 * group by triggers on every write path (insert, delete, regroup).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table customer_groups add column customers_count integer not null default 0`.execute(db);
  await sql`update customer_groups set customers_count = (select count(*) from customers where customer_group_id = customer_groups.id)`.execute(db);
  await sql`create trigger customers_group_count_ai after insert on customers when new.customer_group_id is not null begin
    update customer_groups set customers_count = customers_count + 1 where id = new.customer_group_id; end`.execute(db);
  await sql`create trigger customers_group_count_ad after delete on customers when old.customer_group_id is not null begin
    update customer_groups set customers_count = customers_count - 1 where id = old.customer_group_id; end`.execute(db);
  await sql`create trigger customers_group_count_au after update of customer_group_id on customers
    when old.customer_group_id is not new.customer_group_id begin
    update customer_groups set customers_count = customers_count - 1 where id = old.customer_group_id;
    update customer_groups set customers_count = customers_count + 1 where id = new.customer_group_id; end`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['customers_group_count_ai', 'customers_group_count_ad', 'customers_group_count_au']) await sql.raw(`drop trigger if exists ${t}`).execute(db);
  await sql`alter table customer_groups drop column customers_count`.execute(db);
}
