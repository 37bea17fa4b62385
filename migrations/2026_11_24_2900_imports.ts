import { sql, type Kysely } from 'kysely';

/**
 * CSV imports (SPEC §9). The upload is parsed once and its rows kept (import_rows), so the
 * mapping and preview can be changed freely and the import can run — and resume after a crash —
 * in batches: each batch writes its records, their import_results and the import's counters in
 * one transaction, so the database holds whole batches only and `next_row` says where to go on.
 * import_results keeps one line per row (created / updated / skipped with its reason): rows in =
 * created + updated + skipped, the summary and the skipped-rows CSV. import_records makes an
 * import revertible.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table imports (
      id integer primary key autoincrement,
      entity_type text not null,
      file_name text not null,
      encoding text not null,
      delimiter text not null,
      headers text not null,
      mapping text not null default '[]',
      options text not null default '{}',
      status text not null default 'mapping' check (status in ('mapping', 'running', 'stopped', 'done', 'reverted')),
      total_rows integer not null default 0,
      next_row integer not null default 0,
      created integer not null default 0,
      updated integer not null default 0,
      skipped integer not null default 0,
      user_id integer references users (id) on delete set null,
      created_at text not null,
      updated_at text not null,
      finished_at text
    )`.execute(db);
  await sql`create index imports_created on imports (created_at, id)`.execute(db);
  await sql`
    create table import_rows (
      import_id integer not null references imports (id) on delete cascade,
      n integer not null,
      line integer not null,
      cells text not null,
      primary key (import_id, n)
    ) without rowid`.execute(db);
  await sql`
    create table import_results (
      import_id integer not null references imports (id) on delete cascade,
      n integer not null,
      outcome text not null check (outcome in ('created', 'updated', 'skipped')),
      entity_id integer,
      reason text,
      primary key (import_id, n)
    ) without rowid`.execute(db);
  await sql`create index import_results_outcome on import_results (import_id, outcome, n)`.execute(db);
  // What the import wrote, for revert: each record created or updated (companies made on the way
  // too), its version right after, and for an update the fields as they were before.
  await sql`
    create table import_records (
      import_id integer not null references imports (id) on delete cascade,
      entity_type text not null,
      entity_id integer not null,
      action text not null check (action in ('created', 'updated')),
      version_after integer not null,
      before text,
      primary key (import_id, entity_type, entity_id, action)
    ) without rowid`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['import_records', 'import_results', 'import_rows', 'imports']) await sql.raw(`drop table if exists ${t}`).execute(db);
}
