// The floor under an import: plain prepared INSERTs into contacts (its indexes, FTS and sort
// triggers) with and without two audit rows each, on a fresh migrated file:
//   node --import tsx bench/raw-insert.ts   (about 15,000 rows/s on the 2-core machine, Nov 2026)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-raw-'));
const file = path.join(dir, 'o.db');
const { db, sqlite } = openDatabase(file);
await migrateToLatest(db, sqlite);
const N = 20000;
const now = new Date().toISOString();
const ins = sqlite.prepare('insert into contacts (first_name, last_name, position, email, phone, company_id, assigned_to, created_at, updated_at) values (?, ?, ?, ?, ?, null, null, ?, ?)');
const aud = sqlite.prepare("insert into audit_entries (entity_type, entity_id, action, changes, user_id, created_at) values ('contact', ?, 'created', ?, null, ?)");
let t0 = performance.now();
sqlite.transaction(() => { for (let i = 0; i < N; i++) ins.run(`P${i}`, 'Importer', 'Buyer', `p.${i}@example.com`, `+1 555 ${i}`, now, now); })();
console.log('contacts only', Math.round(N / (performance.now() - t0) * 1000), 'rows/s');
t0 = performance.now();
sqlite.transaction(() => { for (let i = 0; i < N; i++) { const r = ins.run(`Q${i}`, 'Importer', 'Buyer', `q.${i}@example.com`, `+1 555 ${i}`, now, now); aud.run(r.lastInsertRowid, JSON.stringify({ first_name: [null, 'Q'], last_name: [null, 'Importer'], email: [null, 'q@example.com'] }), now); aud.run(r.lastInsertRowid, '{"file":[null,"c.csv"]}', now); } })();
console.log('contacts + 2 audit', Math.round(N / (performance.now() - t0) * 1000), 'rows/s');
fs.rmSync(dir, { recursive: true, force: true });
