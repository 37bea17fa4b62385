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

const TABLES = ['users', 'sessions', 'audit_entries', 'settings'];

t.test('migrations run up from empty and create the contract tables', async (t) => {
  const dir = tmpDir(t);
  const { db, sqlite } = openDatabase(path.join(dir, 'a.db'));
  t.teardown(() => db.destroy());
  const r = await migrateToLatest(db, sqlite);
  t.ok(r.applied.length >= 1);
  t.equal(r.backupFile, null, 'an empty database needs no backup');
  const names = (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db)).rows.map((x) => x.name);
  for (const table of TABLES) t.ok(names.includes(table), `${table} exists`);
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
