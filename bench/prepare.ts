import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { seedDemo } from '../src/seed/demo.js';
import { scaled, seedVolume } from '../src/seed/volume.js';

/** The bench database: demo team and records plus SPEC §15 volume × size, made once. */
export async function prepareDb(dbFile: string, size: number): Promise<void> {
  if (fs.existsSync(dbFile)) return;
  fs.mkdirSync(path.dirname(dbFile), { recursive: true });
  const { db, sqlite } = openDatabase(dbFile);
  await migrateToLatest(db, sqlite);
  await seedDemo(db);
  const t0 = Date.now();
  seedVolume(sqlite, scaled(size), (label, done, total) => {
    if (done === total) console.log(`  seeded ${total} ${label}`);
  });
  console.log(`  seeding took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await db.destroy();
}
