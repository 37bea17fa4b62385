import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { sql } from 'kysely';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { appRoot, migrationsDir } from '../../src/paths.js';
import { serve } from '../../src/server.js';
import { loadConfig } from '../../src/config.js';

function tmpDir(t: { teardown: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-mig-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const TABLES = ['users', 'sessions', 'audit_entries', 'settings', 'lead_statuses', 'leads', 'lead_status_history'];

t.test('migrations run up from empty and create the contract tables', async (t) => {
  const dir = tmpDir(t);
  const { db, sqlite } = openDatabase(path.join(dir, 'a.db'));
  t.teardown(() => db.destroy());
  const r = await migrateToLatest(db, sqlite);
  t.ok(r.applied.length >= 1);
  t.equal(r.backupFile, null, 'an empty database needs no backup');
  const names = (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db)).rows.map((x) => x.name);
  for (const table of TABLES) t.ok(names.includes(table), `${table} exists`);
  const statuses = (await sql<{ name: string; is_default: number; is_final: number; is_conversion_target: number }>`select name, is_default, is_final, is_conversion_target from lead_statuses order by position`.execute(db)).rows;
  t.same(statuses.map((s) => [s.name, s.is_default, s.is_final, s.is_conversion_target]), [['New', 1, 0, 0], ['Contacted', 0, 0, 0], ['Qualified', 0, 0, 0], ['Converted', 0, 1, 1], ['Lost', 0, 1, 0]], 'lead statuses seeded (SPEC §4): New the default, Converted the conversion target');
  await sql`insert into leads (title, contact_email, lead_status_id, status_entered_at, created_at, updated_at) values ('A', 'Same@Example.test', 1, 'now', 'now', 'now')`.execute(db);
  await t.rejects(sql`insert into leads (title, contact_email, lead_status_id, status_entered_at, created_at, updated_at) values ('B', 'same@example.TEST', 1, 'now', 'now', 'now')`.execute(db), /UNIQUE/, 'a lead contact email is unique, whatever its case');
  await t.rejects(sql`update lead_statuses set is_conversion_target = 1 where name = 'Lost'`.execute(db), /UNIQUE/, 'one conversion target');
  await sql`delete from leads`.execute(db);
  const again = await migrateToLatest(db, sqlite);
  t.same(again.applied, [], 'a second run applies nothing');
  t.equal(sqlite.pragma('journal_mode', { simple: true }), 'wal');
  t.equal(sqlite.pragma('foreign_keys', { simple: true }), 1);
  t.equal(sqlite.pragma('synchronous', { simple: true }), 2, 'synchronous=FULL');
});

/** A copy of the real migrations plus one that throws; kept inside the checkout so their imports resolve. */
async function withFailingMigration(t: { teardown: (fn: () => void) => void }): Promise<string> {
  const folder = (fs.mkdirSync(path.join(appRoot, '.test-tmp'), { recursive: true }), fs.mkdtempSync(path.join(appRoot, '.test-tmp', 'mig-')));
  t.teardown(() => fs.rmSync(folder, { recursive: true, force: true }));
  for (const f of fs.readdirSync(migrationsDir)) {
    if (/\.(ts|js)$/.test(f) && !f.endsWith('.d.ts')) fs.copyFileSync(path.join(migrationsDir, f), path.join(folder, f));
  }
  const ext = fs.readdirSync(folder).some((f) => f.endsWith('.ts')) ? 'ts' : 'js';
  fs.writeFileSync(
    path.join(folder, `9999_12_31_2359_broken.${ext === 'ts' ? 'mjs' : 'js'}`),
    `export async function up(db) {
      await db.schema.createTable('half_done').addColumn('id', 'integer').execute();
      await db.insertInto('users').values({ name: 'ghost', email: 'ghost@x.test', password_hash: 'x', role: 'rep', created_at: 'now', updated_at: 'now' }).execute();
      throw new Error('boom in migration');
    }`,
  );
  return folder;
}

t.test('a migration that throws leaves the database unchanged, after a backup', async (t) => {
  const dir = tmpDir(t);
  const file = path.join(dir, 'b.db');
  const first = openDatabase(file);
  await migrateToLatest(first.db, first.sqlite);
  await first.db.insertInto('settings').values({ key: 'currency', value: '"EUR"', updated_at: 'now' }).execute();
  const before = await first.db.selectFrom('kysely_migration' as never).selectAll().execute();

  const folder = await withFailingMigration(t);
  await t.rejects(migrateToLatest(first.db, first.sqlite, { folder }), /boom in migration/);

  const tables = (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(first.db)).rows.map((x) => x.name);
  t.notOk(tables.includes('half_done'), 'the new table was rolled back');
  const ghost = await first.db.selectFrom('users').select('id').where('email', '=', 'ghost@x.test').executeTakeFirst();
  t.equal(ghost, undefined, 'rows written by the failed migration were rolled back');
  t.same(await first.db.selectFrom('kysely_migration' as never).selectAll().execute(), before, 'no migration recorded');
  const setting = await first.db.selectFrom('settings').selectAll().executeTakeFirstOrThrow();
  t.equal(setting.value, '"EUR"', 'existing data kept');
  const backups = fs.readdirSync(dir).filter((f) => f.includes('.pre-migrate-'));
  t.equal(backups.length, 1, 'a backup was written beside the database first');
  await first.db.destroy();

  await t.rejects(serve(loadConfig({ ORCHARD_DB: file, PORT: '0', LOG_LEVEL: 'silent' }), { migrationsFolder: folder }), /boom in migration/, 'the start fails with the error');
});
