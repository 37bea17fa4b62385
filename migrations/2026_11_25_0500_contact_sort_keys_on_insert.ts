import { sql, type Kysely } from 'kysely';

/**
 * A new contact's kept sort keys (company and assignee names) were always written by a second
 * UPDATE of the row just inserted — a full row and index rewrite, 18 of an import's 66 µs a row.
 * The contact INSERT now carries them (contacts.queries insertContacts), and the triggers only
 * step in when a row arrives without them or with a stale one: same keys, written once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop trigger contacts_company_sort_ai`.execute(db);
  await sql`drop trigger contacts_assigned_sort_ai`.execute(db);
  await sql`create trigger contacts_company_sort_ai after insert on contacts
    when new.company_id is not null and new.company_sort is not (select name from companies where id = new.company_id) begin
      update contacts set company_sort = (select name from companies where id = new.company_id) where id = new.id; end`.execute(db);
  await sql`create trigger contacts_assigned_sort_ai after insert on contacts
    when new.assigned_to is not null and new.assigned_sort is not (select name from users where id = new.assigned_to) begin
      update contacts set assigned_sort = (select name from users where id = new.assigned_to) where id = new.id; end`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger contacts_company_sort_ai`.execute(db);
  await sql`drop trigger contacts_assigned_sort_ai`.execute(db);
  await sql`create trigger contacts_company_sort_ai after insert on contacts when new.company_id is not null begin
      update contacts set company_sort = (select name from companies where id = new.company_id) where id = new.id; end`.execute(db);
  await sql`create trigger contacts_assigned_sort_ai after insert on contacts when new.assigned_to is not null begin
      update contacts set assigned_sort = (select name from users where id = new.assigned_to) where id = new.id; end`.execute(db);
}
