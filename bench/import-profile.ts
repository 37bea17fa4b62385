// Where an import's time goes: `node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/import-profile.ts` (in-process, a fresh file).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { readCsv } from '../src/features/import/import.csv.js';
import { runBatch, WORKER_BATCH_BUDGET_MS, WORKER_BATCH_SIZE } from '../src/features/import/import.job.js';
import { autoMap } from '../src/features/import/import.mapping.js';
import { contactImporter } from '../src/features/import/import.importers.js';

const ROWS = Number(process.env.ROWS ?? 5000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-imp-'));
const file = path.join(dir, 'o.db');
// IMPORT_DB=bench/out/large.db: into a copy of that file instead of a fresh one.
if (process.env.IMPORT_DB) fs.copyFileSync(process.env.IMPORT_DB, file);
const { db, sqlite } = openDatabase(file);
if (process.env.CACHE_MB) sqlite.pragma(`cache_size = -${Number(process.env.CACHE_MB) * 1024}`);
await migrateToLatest(db, sqlite);
const app = await buildApp({ config: loadConfig({ ORCHARD_DB: file, LOG_LEVEL: 'silent' }), db, sqlite, logger: false });
const now = new Date().toISOString();
const user = await db.insertInto('users').values({ name: 'A', email: `a${Date.now()}@x.test`, password_hash: 'x', role: 'admin', is_active: 1, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
const lines = ['First Name,Last Name,E-mail Address,Mobile Phone,Job Title,Company'];
for (let i = 0; i < ROWS; i++) lines.push(`P${i},Importer,p.${i}@example.com,+1 555 ${i % 10000},Buyer,Hooli ${i % 50}`);
const parsed = readCsv(Buffer.from(lines.join('\n')));
const imp = await db.insertInto('imports').values({ entity_type: 'contact', file_name: 'c.csv', encoding: 'utf-8', delimiter: ',', headers: JSON.stringify(parsed.headers), mapping: JSON.stringify(autoMap(parsed.headers, contactImporter.fields)), options: '{}', total_rows: ROWS, status: 'running', user_id: user.id, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
for (let i = 0; i < ROWS; i += 200) await db.insertInto('import_rows').values(parsed.rows.slice(i, i + 200).map((r, k) => ({ import_id: imp.id, n: i + k, line: r.line, cells: JSON.stringify(r.cells) }))).execute();
const t0 = performance.now();
let batches = 0;
const times: number[] = [];
for (;;) {
  const b0 = performance.now();
  const r = await runBatch(app, imp.id, WORKER_BATCH_SIZE, WORKER_BATCH_BUDGET_MS);
  times.push(performance.now() - b0);
  batches++;
  if (r !== 'more') break;
}
const ms = performance.now() - t0;
console.log(`${ROWS} rows in ${ms.toFixed(0)} ms: ${Math.round((ROWS / ms) * 1000)} rows/s; ${batches} batches, longest ${Math.max(...times).toFixed(0)} ms`);
await app.close();
fs.rmSync(dir, { recursive: true, force: true });
