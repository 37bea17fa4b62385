import { sql, type Kysely } from 'kysely';
import { addSortKeys, dropSortKeys, type SortKey } from './2026_11_24_1000_sort_keys.js';

/**
 * What the leads pages read at 100,000 leads (SPEC §15): the full-text index global search and
 * the list's search use (title, contact name, email, phone, company name); board column headers
 * (count and value per status and assignee) kept by triggers, as deal_stage_totals keeps the deals
 * board's; kept sort keys for the list's status, source and assignee columns; indexes for the
 * contact and company name sorts.
 */
const LEAD_SORT_KEYS: SortKey[] = [
  { table: 'leads', column: 'status_sort', fk: 'lead_status_id', ref: 'lead_statuses', refColumn: 'position', type: 'integer' },
  { table: 'leads', column: 'source_sort', fk: 'lead_source_id', ref: 'lead_sources', refColumn: 'name', type: 'text' },
  { table: 'leads', column: 'assigned_sort', fk: 'assigned_to', ref: 'users', refColumn: 'name', type: 'text' },
];

const FTS_COLUMNS = ['title', 'contact_name', 'contact_email', 'contact_phone', 'company_name'];

export async function up(db: Kysely<any>): Promise<void> {
  const cols = FTS_COLUMNS.join(', ');
  const of = (row: string) => FTS_COLUMNS.map((c) => `${row}.${c}`).join(', ');
  await sql.raw(`create virtual table leads_fts using fts5(${cols}, content='leads', content_rowid='id', tokenize="unicode61 remove_diacritics 2", prefix='1 2 3')`).execute(db);
  await sql.raw(`create trigger leads_fts_ai after insert on leads begin insert into leads_fts(rowid, ${cols}) values (new.id, ${of('new')}); end`).execute(db);
  await sql.raw(`create trigger leads_fts_ad after delete on leads begin insert into leads_fts(leads_fts, rowid, ${cols}) values ('delete', old.id, ${of('old')}); end`).execute(db);
  await sql.raw(`create trigger leads_fts_au after update of ${cols} on leads begin
    insert into leads_fts(leads_fts, rowid, ${cols}) values ('delete', old.id, ${of('old')});
    insert into leads_fts(rowid, ${cols}) values (new.id, ${of('new')}); end`).execute(db);
  await sql`insert into leads_fts(leads_fts) values ('rebuild')`.execute(db);

  await sql`
    create table lead_status_totals (
      lead_status_id integer not null references lead_statuses (id) on delete cascade,
      assigned_to integer not null default 0,
      leads integer not null default 0,
      value_cents integer not null default 0,
      primary key (lead_status_id, assigned_to)
    ) without rowid`.execute(db);
  const add = sql.raw(`
    insert into lead_status_totals (lead_status_id, assigned_to, leads, value_cents)
    values (new.lead_status_id, coalesce(new.assigned_to, 0), 1, coalesce(new.value_cents, 0))
    on conflict (lead_status_id, assigned_to) do update set leads = leads + 1, value_cents = value_cents + excluded.value_cents;`);
  const remove = sql.raw(`
    update lead_status_totals set leads = leads - 1, value_cents = value_cents - coalesce(old.value_cents, 0)
    where lead_status_id = old.lead_status_id and assigned_to = coalesce(old.assigned_to, 0);`);
  await sql`create trigger leads_totals_ai after insert on leads begin ${add} end`.execute(db);
  await sql`create trigger leads_totals_ad after delete on leads begin ${remove} end`.execute(db);
  await sql`create trigger leads_totals_au after update of lead_status_id, assigned_to, value_cents on leads begin ${remove} ${add} end`.execute(db);
  await sql`
    insert into lead_status_totals (lead_status_id, assigned_to, leads, value_cents)
    select lead_status_id, coalesce(assigned_to, 0), count(*), coalesce(sum(value_cents), 0) from leads group by lead_status_id, coalesce(assigned_to, 0)`.execute(db);

  await addSortKeys(db, LEAD_SORT_KEYS);
  await sql`create index leads_contact_name on leads (contact_name collate nocase, id)`.execute(db);
  await sql`create index leads_company_name on leads (company_name collate nocase, id)`.execute(db);
  await sql`create index leads_assigned_created on leads (assigned_to, created_at, id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const i of ['leads_contact_name', 'leads_company_name', 'leads_assigned_created']) await sql.raw(`drop index if exists ${i}`).execute(db);
  await dropSortKeys(db, LEAD_SORT_KEYS);
  for (const t of ['leads_totals_ai', 'leads_totals_ad', 'leads_totals_au', 'leads_fts_ai', 'leads_fts_ad', 'leads_fts_au']) await sql.raw(`drop trigger if exists ${t}`).execute(db);
  await sql`drop table if exists lead_status_totals`.execute(db);
  await sql`drop table if exists leads_fts`.execute(db);
}
