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
import { type Database } from '../../src/db/schema.js';
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

/* ---------- schema (one file per area: tap starts a process per file) ---------- */
type Tables = Exclude<keyof Database, `${string}_fts`>;

/**
 * Every column of schema.ts, written out. TypeScript checks this object matches the Database
 * interface exactly (no column missing, none extra); the test checks the migrated file matches it.
 */
const COLUMNS: { [T in Tables]: { [C in keyof Database[T]]-?: true } } = {
  users: { id: true, name: true, email: true, password_hash: true, role: true, is_active: true, time_zone: true, list_page_size: true, totp_secret: true, totp_enabled_at: true, totp_last_step: true, calendar_token_hash: true, version: true, created_at: true, updated_at: true },
  sessions: { id: true, user_id: true, created_at: true, last_seen_at: true, expires_at: true, ip: true, user_agent: true },
  audit_entries: { id: true, entity_type: true, entity_id: true, action: true, changes: true, user_id: true, created_at: true },
  settings: { key: true, value: true, updated_at: true },
  recovery_codes: { id: true, user_id: true, code_hash: true, used_at: true, created_at: true },
  api_tokens: { id: true, user_id: true, name: true, token_hash: true, hint: true, scope: true, created_at: true, last_used_at: true, revoked_at: true },
  webhooks: { id: true, url: true, description: true, events: true, secret: true, is_active: true, created_by: true, version: true, created_at: true, updated_at: true },
  webhook_events: { id: true, msg_id: true, type: true, payload: true, created_at: true },
  webhook_deliveries: { id: true, webhook_id: true, event_id: true, status: true, attempts: true, next_attempt_at: true, last_attempt_at: true, response_code: true, response_body: true, error: true, delivered_at: true, created_at: true },
  security_events: { id: true, kind: true, user_id: true, actor_id: true, email: true, ip: true, detail: true, created_at: true },
  industries: { id: true, name: true, is_active: true, position: true, created_at: true, updated_at: true },
  company_sizes: { id: true, name: true, is_active: true, position: true, created_at: true, updated_at: true },
  lead_sources: { id: true, name: true, is_active: true, position: true, created_at: true, updated_at: true },
  lost_reasons: { id: true, name: true, is_active: true, position: true, created_at: true, updated_at: true },
  products: { id: true, name: true, is_active: true, position: true, created_at: true, updated_at: true, code: true, price_cents: true },
  campaigns: { id: true, name: true, is_active: true, position: true, created_at: true, updated_at: true, channel: true, starts_on: true, ends_on: true, budget_cents: true },
  companies: {
    id: true, name: true, website: true, phone: true, email: true, street: true, city: true, state: true, postal_code: true, country: true,
    industry_id: true, size_id: true, description: true, assigned_to: true, is_active: true, version: true, created_at: true, updated_at: true,
    industry_sort: true, assigned_sort: true,
  },
  contacts: { id: true, first_name: true, last_name: true, position: true, email: true, phone: true, company_id: true, assigned_to: true, version: true, created_at: true, updated_at: true, company_sort: true, assigned_sort: true },
  customer_groups: { id: true, name: true, code: true, description: true, discount_percent: true, priority: true, is_active: true, version: true, created_at: true, updated_at: true, customers_count: true },
  customers: { id: true, name: true, email: true, phone: true, company_id: true, customer_group_id: true, assigned_to: true, version: true, created_at: true, updated_at: true, company_sort: true, group_sort: true, assigned_sort: true },
  notes: { id: true, entity_type: true, entity_id: true, body: true, user_id: true, created_at: true, updated_at: true },
  pipelines: { id: true, name: true, description: true, is_active: true, is_default: true, position: true, version: true, created_at: true, updated_at: true },
  deal_stages: { id: true, pipeline_id: true, name: true, color: true, probability: true, rotting_days: true, is_default: true, is_won: true, is_lost: true, position: true, created_at: true, updated_at: true },
  deals: {
    id: true, title: true, description: true, value_cents: true, expected_close_date: true, probability: true, pipeline_id: true, stage_id: true,
    company_id: true, customer_id: true, assigned_to: true, actual_close_date: true, lost_reason: true, lost_reason_id: true, lead_id: true,
    stage_entered_at: true, last_activity_at: true, version: true, created_at: true, updated_at: true,
    company_sort: true, customer_sort: true, assigned_sort: true, stage_sort: true,
  },
  deal_contacts: { deal_id: true, contact_id: true },
  deal_stage_history: { id: true, deal_id: true, from_stage_id: true, to_stage_id: true, user_id: true, created_at: true, stay_seconds: true, first_entry: true },
  deal_move_days: { day: true, from_stage_id: true, to_stage_id: true, assigned_to: true, moves: true, firsts: true, stays: true, stay_seconds: true },
  deal_move_months: { month: true, from_stage_id: true, to_stage_id: true, assigned_to: true, moves: true, firsts: true, stays: true, stay_seconds: true },
  lead_move_months: { month: true, from_status_id: true, to_status_id: true, assigned_to: true, moves: true, firsts: true },
  imports: {
    id: true, entity_type: true, file_name: true, encoding: true, delimiter: true, headers: true, mapping: true, options: true, status: true, total_rows: true,
    next_row: true, created: true, updated: true, skipped: true, user_id: true, created_at: true, updated_at: true, finished_at: true,
  },
  import_rows: { import_id: true, n: true, line: true, cells: true },
  import_results: { import_id: true, n: true, outcome: true, entity_id: true, reason: true },
  import_records: { import_id: true, entity_type: true, entity_id: true, action: true, version_after: true, before: true },
  task_done_days: { day: true, assigned_to: true, tasks: true },
  lead_move_days: { day: true, from_status_id: true, to_status_id: true, assigned_to: true, moves: true, firsts: true },
  deal_stage_totals: { stage_id: true, assigned_to: true, deals: true, value_cents: true, weighted: true },
  lead_statuses: { id: true, name: true, color: true, is_default: true, is_final: true, is_conversion_target: true, position: true, created_at: true, updated_at: true },
  leads: {
    id: true, title: true, description: true, contact_name: true, contact_email: true, contact_phone: true, company_name: true, value_cents: true,
    lead_source_id: true, campaign_id: true, product_id: true, lead_status_id: true, assigned_to: true, converted_at: true, customer_id: true,
    company_id: true, deal_id: true, status_entered_at: true, version: true, created_at: true, updated_at: true,
    status_sort: true, source_sort: true, assigned_sort: true,
  },
  lead_status_totals: { lead_status_id: true, assigned_to: true, leads: true, value_cents: true },
  task_status_totals: { status: true, assigned_to: true, tasks: true },
  deal_created_days: { day: true, pipeline_id: true, assigned_to: true, deals: true },
  deal_closed_days: { day: true, stage_id: true, assigned_to: true, deals: true, value_cents: true, close_days: true },
  deal_expected_days: { day: true, stage_id: true, assigned_to: true, deals: true, value_cents: true, weighted: true },
  lead_source_totals: { lead_source_id: true, assigned_to: true, leads: true },
  notifications: { id: true, user_id: true, kind: true, entity_type: true, entity_id: true, title: true, actor_id: true, read_at: true, created_at: true },
  tasks: {
    id: true, title: true, type: true, description: true, due_at: true, priority: true, status: true, completed_at: true, assigned_to: true,
    entity_type: true, entity_id: true, created_by: true, overdue_notified_at: true, version: true, created_at: true, updated_at: true,
  },
  lead_status_history: { id: true, lead_id: true, from_status_id: true, to_status_id: true, user_id: true, created_at: true, first_entry: true },
};

t.test('the migrated database matches schema.ts, table by table and column by column', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-schema-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const { db, sqlite } = openDatabase(path.join(dir, 's.db'));
  t.teardown(() => db.destroy());
  await migrateToLatest(db, sqlite);
  const tables = (sqlite.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%' and name not like '%_fts%'").all() as { name: string }[]).map((r) => r.name).sort();
  t.same(tables, Object.keys(COLUMNS).sort(), 'the same tables');
  for (const [table, columns] of Object.entries(COLUMNS)) {
    const actual = (sqlite.prepare(`select name from pragma_table_info('${table}')`).all() as { name: string }[]).map((r) => r.name).sort();
    t.same(actual, Object.keys(columns).sort(), `${table}: the same columns`);
  }
});

/* ---------- concurrent writers ---------- */

t.test('a transaction that reads and then writes waits for another connection’s write instead of failing (BEGIN IMMEDIATE)', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-immediate-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'o.db');
  const { db, sqlite } = openDatabase(file);
  await migrateToLatest(db, sqlite);
  t.teardown(() => db.destroy());
  // Another connection in another thread (as the import and webhook workers are): told "go", it writes a setting.
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const S = require(workerData.lib);
     const c = new S(workerData.file); c.pragma('busy_timeout = 5000');
     parentPort.on('message', () => {
       c.prepare("insert into settings (key, value, updated_at) values ('worker_wrote', '1', 'now')").run();
       parentPort.postMessage('committed');
     });`,
    { eval: true, workerData: { file, lib: path.join(appRoot, 'node_modules/better-sqlite3') } },
  );
  t.teardown(() => worker.terminate());
  const committed = new Promise((r) => worker.once('message', r));
  await db.transaction().execute(async (trx) => {
    await trx.selectFrom('settings').select('key').execute();
    worker.postMessage('go');
    // A deferred transaction would let the worker commit now, and then fail on its own write
    // (SQLITE_BUSY: its snapshot is stale). An immediate one holds the lock: the worker waits.
    await Promise.race([committed, new Promise((r) => setTimeout(r, 300))]);
    await trx.insertInto('settings').values({ key: 'app_wrote', value: '1', updated_at: 'now' }).execute();
  });
  await committed;
  const keys = (await db.selectFrom('settings').select('key').where('key', 'in', ['app_wrote', 'worker_wrote']).execute()).map((r) => r.key).sort();
  t.same(keys, ['app_wrote', 'worker_wrote'], 'both writes went in, one after the other');
});

t.test('rows are objects with their columns in order, also after a schema change re-prepares a kept statement', async (t) => {
  const { db } = openDatabase(':memory:');
  t.teardown(() => db.destroy());
  await sql`create table things (id integer primary key, name text)`.execute(db);
  await sql`insert into things (name) values ('a'), ('b')`.execute(db);
  const read = () => sql<Record<string, unknown>>`select * from things order by id`.execute(db).then((r) => r.rows);
  t.same(await read(), [{ id: 1, name: 'a' }, { id: 2, name: 'b' }]);
  t.same(Object.keys((await read())[0]), ['id', 'name'], 'keys in column order');
  await sql`alter table things add column size integer default 3`.execute(db);
  t.same(await read(), [{ id: 1, name: 'a', size: 3 }, { id: 2, name: 'b', size: 3 }], 'the same SQL, re-prepared by SQLite with a new column, brings it');
  t.same((await sql<{ n: number }>`select 1 as n, 2 as n`.execute(db)).rows, [{ n: 2 }], 'a repeated name: the last column wins, as in better-sqlite3');
});
