import { sql, type Kysely } from 'kysely';

/**
 * The private calendar feed (SPEC §6): a user may turn on `/calendar/<secret>.ics`. Only the
 * secret's SHA-256 is kept, as for sessions: a copy of the database does not open anyone's feed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table users add column calendar_token_hash text`.execute(db);
  await sql`create unique index users_calendar_token on users (calendar_token_hash) where calendar_token_hash is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists users_calendar_token`.execute(db);
  await sql`alter table users drop column calendar_token_hash`.execute(db);
}
