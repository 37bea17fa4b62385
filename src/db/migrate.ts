import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FileMigrationProvider, Migrator, type Kysely } from 'kysely';
import type SQLite from 'better-sqlite3';
import { migrationsDir } from '../paths.js';

export function migrator(db: Kysely<any>, folder = migrationsDir): Migrator {
  return new Migrator({
    db,
    provider: new FileMigrationProvider({ fs, path, migrationFolder: folder }),
  });
}

export interface MigrateResult {
  applied: string[];
  backupFile: string | null;
}

function holdsData(sqlite: SQLite.Database): boolean {
  const row = sqlite
    .prepare("select count(*) as n from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%'")
    .get() as { n: number };
  return row.n > 0;
}

/**
 * Applies pending migrations in one transaction. When the file already holds data, a backup is
 * written beside it first. A failing migration rolls everything back and the error is thrown.
 */
export async function migrateToLatest(
  db: Kysely<any>,
  sqlite: SQLite.Database,
  opts: { folder?: string; backupDir?: string } = {},
): Promise<MigrateResult> {
  const m = migrator(db, opts.folder);
  const pending = (await m.getMigrations()).filter((x) => !x.executedAt);
  if (pending.length === 0) return { applied: [], backupFile: null };

  let backupFile: string | null = null;
  const file = sqlite.name;
  if (file && file !== ':memory:' && holdsData(sqlite)) {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    backupFile = path.join(opts.backupDir ?? path.dirname(file), `${path.basename(file)}.pre-migrate-${stamp}.bak`);
    await sqlite.backup(backupFile);
  }

  const { error, results } = await m.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    const err = error instanceof Error ? error : new Error(String(error));
    err.message = `Migration ${failed?.migrationName ?? ''} failed, nothing was applied: ${err.message}`;
    throw err;
  }
  // Fresh statistics for the tables and indexes the migrations touched.
  sqlite.pragma('optimize');
  return { applied: (results ?? []).map((r) => r.migrationName), backupFile };
}
