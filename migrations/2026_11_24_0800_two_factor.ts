import { sql, type Kysely } from 'kysely';

/**
 * Two-factor sign-in (TOTP): a user's secret (pending until confirmed with a code), the last
 * time step used (a code works once), and one-time recovery codes stored hashed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('totp_secret', 'text').execute();
  await db.schema.alterTable('users').addColumn('totp_enabled_at', 'text').execute();
  await db.schema.alterTable('users').addColumn('totp_last_step', 'integer').execute();
  await db.schema
    .createTable('recovery_codes')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await sql`create index recovery_codes_user on recovery_codes (user_id, code_hash)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists recovery_codes`.execute(db);
  for (const c of ['totp_secret', 'totp_enabled_at', 'totp_last_step']) await sql.raw(`alter table users drop column ${c}`).execute(db);
}
