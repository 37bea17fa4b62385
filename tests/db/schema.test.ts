import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import type { Database } from '../../src/db/schema.js';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';

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
