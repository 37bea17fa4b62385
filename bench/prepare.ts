import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { seedDemo } from '../src/seed/demo.js';
import { scaled, seedTaskVolume, seedVolume, volumeHelpers } from '../src/seed/volume.js';

/** Bumped when the seed changes shape (4: 100,000 leads; 5: 500,000 tasks): an older file is made again, or topped up. */
const SEED_VERSION = '5';

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
    const version = seededVersion(dbFile);
    if (version === SEED_VERSION) return;
    if (version === '4') {
      // Version 4 lacks only the tasks: add them rather than seeding 20 minutes again.
      const { db, sqlite } = openDatabase(dbFile);
      await migrateToLatest(db, sqlite);
      seedTaskVolume(sqlite, scaled(size), volumeHelpers(sqlite, (label, done, total) => done === total && console.log(`  seeded ${total} ${label}`)));
      sqlite.prepare("update settings set value = ? where key = 'bench_seed'").run(SEED_VERSION);
      await db.destroy();
      return;
    }
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
