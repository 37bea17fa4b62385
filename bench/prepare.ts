import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { seedDemo } from '../src/seed/demo.js';
import { scaled, seedVolume } from '../src/seed/volume.js';

/** Bumped when the seed changes shape (4: 100,000 leads): an older file is made again. */
const SEED_VERSION = '4';

function seededVersion(dbFile: string): string | null {
  try {
    const sqlite = new SQLite(dbFile, { readonly: true });
    try {
      return (sqlite.prepare("select value from settings where key = 'bench_seed'").get() as { value: string } | undefined)?.value ?? null;
    } finally {
      sqlite.close();
    }
  } catch {
    return null;
  }
}

/** The bench database: demo team and records plus SPEC §15 volume × size, made once. */
export async function prepareDb(dbFile: string, size: number): Promise<void> {
  if (fs.existsSync(dbFile)) {
    if (seededVersion(dbFile) === SEED_VERSION) return;
    console.log(`  ${dbFile} was seeded by an older bench: seeding it again`);
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(dbFile + suffix, { force: true });
  }
  fs.mkdirSync(path.dirname(dbFile), { recursive: true });
  const { db, sqlite } = openDatabase(dbFile);
  await migrateToLatest(db, sqlite);
  await seedDemo(db);
  const t0 = Date.now();
  seedVolume(sqlite, scaled(size), (label, done, total) => {
    if (done === total) console.log(`  seeded ${total} ${label}`);
  });
  sqlite.prepare("insert into settings (key, value, updated_at) values ('bench_seed', ?, ?)").run(SEED_VERSION, new Date().toISOString());
  console.log(`  seeding took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await db.destroy();
}
