import { sql, type Kysely } from 'kysely';

/**
 * Personal API tokens (SPEC §12): a name, a scope (read or write), only the SHA-256 of the secret
 * (shown once), when it was last used, and when it was revoked. A token acts as its user.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table api_tokens (
      id integer primary key autoincrement,
      user_id integer not null references users (id) on delete cascade,
      name text not null,
      token_hash text not null unique,
      hint text not null,
      scope text not null check (scope in ('read', 'write')),
      created_at text not null,
      last_used_at text,
      revoked_at text
    )`.execute(db);
  await sql`create index api_tokens_user on api_tokens (user_id, created_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists api_tokens`.execute(db);
}
