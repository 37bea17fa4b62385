import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export type Role = 'admin' | 'manager' | 'rep';

export interface UsersTable {
  id: Generated<number>;
  name: string;
  email: string;
  password_hash: string;
  role: Role;
  is_active: ColumnType<number, number | undefined, number>;
  time_zone: string | null;
  /** Rows per list page the user chose (25, 50, 100); null: the CRM default. */
  list_page_size: ColumnType<number | null, number | null | undefined, number | null>;
  /** Two-factor sign-in: the secret (pending while totp_enabled_at is null) and the last step used. */
  totp_secret: ColumnType<string | null, string | null | undefined, string | null>;
  totp_enabled_at: ColumnType<string | null, string | null | undefined, string | null>;
  totp_last_step: ColumnType<number | null, number | null | undefined, number | null>;
  /** SHA-256 of the private calendar feed's secret; null while the feed is off. */
  calendar_token_hash: ColumnType<string | null, string | null | undefined, string | null>;
  version: ColumnType<number, number | undefined, number>;
  created_at: string;
  updated_at: string;
}

export interface SessionsTable {
  id: string;
  user_id: number;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
}

export interface AuditEntriesTable {
  id: Generated<number>;
  entity_type: string;
  entity_id: number;
  action: string;
  changes: string | null;
  user_id: number | null;
  created_at: string;
}

export type SecurityEventKind =
  | 'sign_in' | 'sign_in_failed' | 'locked_out' | 'sign_out' | 'password_changed' | 'password_reset'
  | 'role_changed' | 'user_created' | 'user_deactivated' | 'user_reactivated' | 'backup'
  | 'two_factor_enabled' | 'two_factor_disabled' | 'two_factor_failed' | 'recovery_code_used' | 'two_factor_required'
  | 'api_token_created' | 'api_token_revoked';

export interface RecoveryCodesTable {
  id: Generated<number>;
  user_id: number;
  code_hash: string;
  used_at: string | null;
  created_at: string;
}

export interface SecurityEventsTable {
  id: Generated<number>;
  kind: SecurityEventKind;
  /** Whose account the event is about. */
  user_id: number | null;
  /** Who did it, when someone else acted (an admin resetting a password). */
  actor_id: number | null;
  email: string | null;
  ip: string | null;
  detail: string | null;
  created_at: string;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: string;
}

export interface Database extends CustomerDatabase, DealsDatabase, LeadsDatabase {
  users: UsersTable;
  sessions: SessionsTable;
  audit_entries: AuditEntriesTable;
  settings: SettingsTable;
  security_events: SecurityEventsTable;
  recovery_codes: RecoveryCodesTable;
  api_tokens: ApiTokensTable;
  webhooks: WebhooksTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}

export interface WebhooksTable {
  id: Generated<number>;
  url: string;
  description: string | null;
  /** JSON array of event types ("deal.won"), or ["*"] for all. */
  events: string;
  /** Standard Webhooks signing secret (whsec_…): shown once, kept to sign. */
  secret: string;
  is_active: ColumnType<number, number | undefined, number>;
  created_by: number | null;
  version: ColumnType<number, number | undefined, number>;
  created_at: string;
  updated_at: string;
}

export interface WebhookEventsTable {
  id: Generated<number>;
  /** The webhook-id header: the same on every attempt, so receivers can drop repeats. */
  msg_id: string;
  type: string;
  payload: string;
  created_at: string;
}

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  webhook_id: number;
  event_id: number;
  status: ColumnType<'pending' | 'delivered' | 'failed', 'pending' | 'delivered' | 'failed' | undefined, 'pending' | 'delivered' | 'failed'>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: string;
  last_attempt_at: string | null;
  response_code: number | null;
  response_body: string | null;
  error: string | null;
  delivered_at: string | null;
  created_at: string;
}

export type Webhook = Selectable<WebhooksTable>;
export type WebhookDelivery = Selectable<WebhookDeliveriesTable>;

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  token_hash: string;
  /** The secret's last characters, to tell tokens apart; never enough to use one. */
  hint: string;
  scope: 'read' | 'write';
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type Session = Selectable<SessionsTable>;
export type AuditEntry = Selectable<AuditEntriesTable>;
export type SecurityEvent = Selectable<SecurityEventsTable>;

export interface DirectoryColumns {
  id: Generated<number>;
  name: string;
  is_active: ColumnType<number, number | undefined, number>;
  position: ColumnType<number, number | undefined, number>;
  created_at: string;
  updated_at: string;
}

export interface ProductsTable extends DirectoryColumns {
  code: string | null;
  price_cents: number | null;
}

export interface CampaignsTable extends DirectoryColumns {
  channel: string | null;
  starts_on: string | null;
  ends_on: string | null;
  budget_cents: number | null;
}

export interface CompaniesTable {
  id: Generated<number>;
  name: string;
  website: string | null;
  phone: string | null;
  email: string | null;
  street: string | null;
  city: string | null;
  state: string | null;
  postal_code: string | null;
  country: string | null;
  industry_id: number | null;
  size_id: number | null;
  description: string | null;
  assigned_to: number | null;
  /** Kept copies of linked names for sorting (migration 2026_11_24_1000_sort_keys); triggers write them. */
  industry_sort: Generated<string | null>;
  assigned_sort: Generated<string | null>;
  is_active: ColumnType<number, number | undefined, number>;
  version: ColumnType<number, number | undefined, number>;
  created_at: string;
  updated_at: string;
}

export interface ContactsTable {
  id: Generated<number>;
  first_name: string | null;
  last_name: string | null;
  position: string | null;
  email: string | null;
  phone: string | null;
  company_id: number | null;
  assigned_to: number | null;
  /** Kept sort keys (migration 2026_11_24_1000_sort_keys). */
  company_sort: Generated<string | null>;
  assigned_sort: Generated<string | null>;
  version: ColumnType<number, number | undefined, number>;
  created_at: string;
  updated_at: string;
}

export interface CustomerGroupsTable {
  id: Generated<number>;
  name: string;
  code: string;
  description: string | null;
  discount_percent: number | null;
  priority: number;
  is_active: ColumnType<number, number | undefined, number>;
  version: ColumnType<number, number | undefined, number>;
  created_at: string;
  updated_at: string;
  /** Kept by triggers on customers (migration 2026_11_24_1100_group_counts). */
  customers_count: Generated<number>;
}

export interface CustomersTable {
  id: Generated<number>;
  name: string;
  email: string | null;
  phone: string | null;
  company_id: number | null;
  customer_group_id: number | null;
  assigned_to: number | null;
  /** Kept sort keys (migration 2026_11_24_1000_sort_keys). */
  company_sort: Generated<string | null>;
  group_sort: Generated<string | null>;
  assigned_sort: Generated<string | null>;
  version: ColumnType<number, number | undefined, number>;
  created_at: string;
  updated_at: string;
}

export interface NotesTable {
  id: Generated<number>;
  entity_type: string;
  entity_id: number;
  body: string;
  user_id: number | null;
  created_at: string;
  updated_at: string;
}

export interface FtsTable {
  rowid: number;
}

export interface CustomerDatabase {
  industries: DirectoryColumns;
  company_sizes: DirectoryColumns;
  lead_sources: DirectoryColumns;
  lost_reasons: DirectoryColumns;
  products: ProductsTable;
  campaigns: CampaignsTable;
  companies: CompaniesTable;
  contacts: ContactsTable;
  customer_groups: CustomerGroupsTable;
  customers: CustomersTable;
  notes: NotesTable;
  companies_fts: FtsTable;
  contacts_fts: FtsTable;
  customers_fts: FtsTable;
}

export type Company = Selectable<CompaniesTable>;
export type Contact = Selectable<ContactsTable>;
export type Customer = Selectable<CustomersTable>;
export type CustomerGroup = Selectable<CustomerGroupsTable>;
export type Note = Selectable<NotesTable>;

export interface PipelinesTable {
  id: Generated<number>;
  name: string;
  description: string | null;
  is_active: ColumnType<number, number | undefined, number>;
  is_default: ColumnType<number, number | undefined, number>;
  position: ColumnType<number, number | undefined, number>;
  version: ColumnType<number, number | undefined, number>;
  created_at: string;
  updated_at: string;
}

export interface DealStagesTable {
  id: Generated<number>;
  pipeline_id: number;
  name: string;
  color: string;
  probability: number;
  rotting_days: number | null;
  is_default: ColumnType<number, number | undefined, number>;
  is_won: ColumnType<number, number | undefined, number>;
  is_lost: ColumnType<number, number | undefined, number>;
  position: ColumnType<number, number | undefined, number>;
  created_at: string;
  updated_at: string;
}

export interface DealsTable {
  id: Generated<number>;
  title: string;
  description: string | null;
  value_cents: number | null;
  expected_close_date: string | null;
  probability: number | null;
  pipeline_id: number;
  stage_id: number;
  company_id: number | null;
  customer_id: number | null;
  assigned_to: number | null;
  /** Kept sort keys (migration 2026_11_24_1000_sort_keys). */
  company_sort: Generated<string | null>;
  customer_sort: Generated<string | null>;
  assigned_sort: Generated<string | null>;
  stage_sort: Generated<number | null>;
  actual_close_date: string | null;
  lost_reason: string | null;
  lost_reason_id: number | null;
  lead_id: number | null;
  stage_entered_at: string;
  last_activity_at: string;
  version: ColumnType<number, number | undefined, number>;
  created_at: string;
  updated_at: string;
}

export interface DealContactsTable {
  deal_id: number;
  contact_id: number;
}

export interface DealStageHistoryTable {
  id: Generated<number>;
  deal_id: number;
  from_stage_id: number | null;
  to_stage_id: number;
  user_id: number | null;
  created_at: string;
  /** Set by trigger (migration 2600): seconds the deal sat in from_stage; null for its first row. */
  stay_seconds: Generated<number | null>;
  /** Set by trigger: 1 when the deal had never been in to_stage before. */
  first_entry: Generated<number>;
}

export interface DealsDatabase {
  pipelines: PipelinesTable;
  deal_stages: DealStagesTable;
  deals: DealsTable;
  deal_contacts: DealContactsTable;
  deal_stage_history: DealStageHistoryTable;
  deals_fts: FtsTable;
  deal_stage_totals: DealStageTotalsTable;
}

export type Pipeline = Selectable<PipelinesTable>;
export type DealStage = Selectable<DealStagesTable>;
export type Deal = Selectable<DealsTable>;

export interface DealStageTotalsTable {
  stage_id: number;
  assigned_to: number;
  deals: number;
  value_cents: number;
  weighted: number;
}

/** Lead statuses (SPEC §4): one default, final ones end the lead; one final is the conversion target. */
export interface LeadStatusesTable {
  id: Generated<number>;
  name: string;
  color: string;
  is_default: ColumnType<number, number | undefined, number>;
  is_final: ColumnType<number, number | undefined, number>;
  is_conversion_target: ColumnType<number, number | undefined, number>;
  position: ColumnType<number, number | undefined, number>;
  created_at: string;
  updated_at: string;
}

export interface LeadsTable {
  id: Generated<number>;
  title: string;
  description: string | null;
  contact_name: string | null;
  contact_email: string | null;
  contact_phone: string | null;
  company_name: string | null;
  value_cents: number | null;
  lead_source_id: number | null;
  campaign_id: number | null;
  product_id: number | null;
  lead_status_id: number;
  assigned_to: number | null;
  /** Set once, by conversion, with links to what the lead became. */
  converted_at: ColumnType<string | null, string | null | undefined, string | null>;
  customer_id: ColumnType<number | null, number | null | undefined, number | null>;
  company_id: ColumnType<number | null, number | null | undefined, number | null>;
  deal_id: ColumnType<number | null, number | null | undefined, number | null>;
  status_entered_at: string;
  version: ColumnType<number, number | undefined, number>;
  created_at: string;
  updated_at: string;
  /** Kept sort keys (migration 2026_11_24_1400_leads_search); triggers write them. */
  status_sort: Generated<number | null>;
  source_sort: Generated<string | null>;
  assigned_sort: Generated<string | null>;
}

/** Board headers per status and assignee, kept exact by triggers (migration 2026_11_24_1400). */
/** Deals created per UTC day, pipeline and assignee (0: unassigned), kept by triggers (migration 2300). */
export interface DealCreatedDaysTable {
  day: string;
  pipeline_id: number;
  assigned_to: number;
  deals: number;
}

/** Deals per close date, stage and assignee with their value, kept by triggers (migration 2300). */
export interface DealClosedDaysTable {
  day: string;
  stage_id: number;
  assigned_to: number;
  deals: number;
  value_cents: number;
  /** Σ days from creation (UTC date) to the close date (migration 2600). */
  close_days: number;
}

/** Deals per expected close date ('' when none), stage and assignee: value and Σ value × probability (migration 2400). */
export interface DealExpectedDaysTable {
  day: string;
  stage_id: number;
  assigned_to: number;
  deals: number;
  value_cents: number;
  weighted: number;
}

/** Tasks per status and assignee (0: unassigned), kept by triggers (migration 2200) for the dashboard. */
export interface TaskStatusTotalsTable {
  status: TaskStatus;
  assigned_to: number;
  tasks: number;
}

/** Leads per source (0: none) and assignee (0: unassigned), kept by triggers (migration 2200). */
export interface LeadSourceTotalsTable {
  lead_source_id: number;
  assigned_to: number;
  leads: number;
}

export interface LeadStatusTotalsTable {
  lead_status_id: number;
  assigned_to: number;
  leads: number;
  value_cents: number;
}

export interface LeadStatusHistoryTable {
  id: Generated<number>;
  lead_id: number;
  from_status_id: number | null;
  to_status_id: number;
  user_id: number | null;
  created_at: string;
  /** Set by trigger (migration 2600): 1 when the lead had never had to_status before. */
  first_entry: Generated<number>;
}

/** Moves per UTC day, from → to (0: created there) and the record's current assignee (migration 2600). */
export interface DealMoveDaysTable {
  day: string;
  from_stage_id: number;
  to_stage_id: number;
  assigned_to: number;
  moves: number;
  /** Moves that were the deal's first time in to_stage. */
  firsts: number;
  /** Moves with a known stay in from_stage, and those stays summed in seconds. */
  stays: number;
  stay_seconds: number;
}

/** The move counters rolled up per UTC month ("2026-03"), kept by triggers on the day counters (migration 2800). */
export type DealMoveMonthsTable = Omit<DealMoveDaysTable, 'day'> & { month: string };
export type LeadMoveMonthsTable = Omit<LeadMoveDaysTable, 'day'> & { month: string };

export type ImportStatus = 'mapping' | 'running' | 'stopped' | 'done' | 'reverted';

/** A CSV import (migration 2900): its file's shape, the mapping and options chosen, where it is. */
export interface ImportsTable {
  id: Generated<number>;
  entity_type: string;
  file_name: string;
  encoding: string;
  delimiter: string;
  /** JSON: the header cells. */
  headers: string;
  /** JSON: field key per column ('' = ignored). */
  mapping: Generated<string>;
  /** JSON: { duplicates: 'skip' | 'update' | 'create', unknownValues: 'create' | 'empty' }. */
  options: Generated<string>;
  status: Generated<ImportStatus>;
  total_rows: Generated<number>;
  next_row: Generated<number>;
  created: Generated<number>;
  updated: Generated<number>;
  skipped: Generated<number>;
  user_id: number | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface ImportRowsTable {
  import_id: number;
  /** 0-based position among the data rows. */
  n: number;
  /** Line number in the file (the header is line 1). */
  line: number;
  /** JSON: the row's cells. */
  cells: string;
}

export interface ImportResultsTable {
  import_id: number;
  n: number;
  outcome: 'created' | 'updated' | 'skipped';
  entity_id: number | null;
  reason: string | null;
}

/** A record an import created or updated (migration 2900), for revert. */
export interface ImportRecordsTable {
  import_id: number;
  entity_type: string;
  entity_id: number;
  action: 'created' | 'updated';
  version_after: number;
  /** JSON: for an update, the fields as they were before it. */
  before: string | null;
}

/** Tasks completed per UTC day and assignee (0: unassigned), kept by triggers (migration 2700). */
export interface TaskDoneDaysTable {
  day: string;
  assigned_to: number;
  tasks: number;
}

export interface LeadMoveDaysTable {
  day: string;
  from_status_id: number;
  to_status_id: number;
  assigned_to: number;
  moves: number;
  firsts: number;
}

export interface LeadsDatabase {
  lead_statuses: LeadStatusesTable;
  leads: LeadsTable;
  lead_status_history: LeadStatusHistoryTable;
  lead_status_totals: LeadStatusTotalsTable;
  task_status_totals: TaskStatusTotalsTable;
  deal_created_days: DealCreatedDaysTable;
  deal_closed_days: DealClosedDaysTable;
  deal_expected_days: DealExpectedDaysTable;
  deal_move_days: DealMoveDaysTable;
  lead_move_days: LeadMoveDaysTable;
  task_done_days: TaskDoneDaysTable;
  deal_move_months: DealMoveMonthsTable;
  imports: ImportsTable;
  import_rows: ImportRowsTable;
  import_results: ImportResultsTable;
  import_records: ImportRecordsTable;
  lead_move_months: LeadMoveMonthsTable;
  lead_source_totals: LeadSourceTotalsTable;
  tasks: TasksTable;
  notifications: NotificationsTable;
}

export type TaskType = 'todo' | 'call' | 'meeting' | 'email';
export type TaskPriority = 'low' | 'normal' | 'high';
export type TaskStatus = 'pending' | 'in_progress' | 'completed' | 'cancelled';

/** Tasks (SPEC §6): attached to at most one record (entity_type + entity_id) or to nothing. */
export interface TasksTable {
  id: Generated<number>;
  title: string;
  type: TaskType;
  description: string | null;
  /** UTC ISO time; shown in the viewer's time zone. */
  due_at: string | null;
  priority: TaskPriority;
  status: TaskStatus;
  completed_at: string | null;
  assigned_to: number | null;
  entity_type: 'lead' | 'deal' | 'company' | 'contact' | 'customer' | null;
  entity_id: number | null;
  created_by: number | null;
  /** The overdue job told the assignee (once per overdue episode); cleared when the due time moves or it reopens. */
  overdue_notified_at: ColumnType<string | null, string | null | undefined, string | null>;
  version: ColumnType<number, number | undefined, number>;
  created_at: string;
  updated_at: string;
}

export type Task = Selectable<TasksTable>;

/** In-app notifications (SPEC §8). */
export interface NotificationsTable {
  id: Generated<number>;
  user_id: number;
  kind: 'assigned' | 'task_overdue';
  entity_type: string;
  entity_id: number;
  /** The record's name when it happened. */
  title: string;
  actor_id: number | null;
  read_at: string | null;
  created_at: string;
}

export type Notification = Selectable<NotificationsTable>;

export type LeadStatus = Selectable<LeadStatusesTable>;
export type Lead = Selectable<LeadsTable>;
