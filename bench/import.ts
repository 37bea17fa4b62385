/**
 * A 100,000-row contacts CSV imported over real HTTP into a copy of the Large file, while a list
 * page is measured at the same time (SPEC §9, §15): `node --import tsx bench/import.ts`
 * (after `npm run build`). Prints the upload (parse and store), the import (batches), rows per
 * second, the server's RSS growth and the list page's p50/p95 during the import.
 *   BENCH_IMPORT_ROWS=100000, BENCH_DB=bench/out/large.db, BENCH_IMPORT_RATE=20 (list requests/s; 0 = flat out)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import SQLite from 'better-sqlite3';

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);
const source = path.resolve(process.env.BENCH_DB ?? 'bench/out/large.db');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-import-bench-'));
const dbFile = path.join(dir, 'orchard.db');
fs.copyFileSync(source, dbFile);
// The copy (1.1 GB) is on disk before the clock starts: its write-back would otherwise run during the import.
const copied = fs.openSync(dbFile, 'r+');
fs.fsyncSync(copied);
fs.closeSync(copied);
const port = 3900 + Math.floor(Math.random() * 90);
const base = `http://127.0.0.1:${port}`;
const app = spawn(process.execPath, [...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_PROF] : []), '--max-semi-space-size=4', '--max-old-space-size=160', '--expose-gc', 'dist/src/server.js'], { env: { ...process.env, ORCHARD_DB: dbFile, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ORCHARD_IMPORT_MAX_MB: '100' }, stdio: ['ignore', 'ignore', 'inherit'] });
const stop = () => {
  app.kill('SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });
};
process.on('exit', stop);

const rssMb = () => {
  const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${app.pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
};

for (let t0 = Date.now(); ; ) {
  try {
    if ((await fetch(`${base}/healthz`)).ok) break;
  } catch {
    /* starting */
  }
  if (Date.now() - t0 > 60_000) throw new Error('server did not start');
  await new Promise((r) => setTimeout(r, 50));
}

const login = await fetch(`${base}/login`);
let cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
const token = /name="_csrf" value="([^"]+)"/.exec(await login.text())![1];
const signed = await fetch(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: token, email: 'admin@orchard.test', password: 'orchard-demo-2026' }) });
cookie = [cookie, ...signed.headers.getSetCookie().map((c) => c.split(';')[0])].join('; ');
const page = await (await fetch(`${base}/import`, { headers: { cookie } })).text();
const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1];

const lines = ['First Name,Last Name,E-mail Address,Mobile Phone,Job Title,Company'];
for (let i = 0; i < ROWS; i++) lines.push(`Bench${i},Importer,bench.importer.${i}@example.com,+1 555 ${String(i % 10000).padStart(4, '0')},Buyer,Hooli Labs ${i % 50}`);
const csv = lines.join('\r\n');
console.log(`CSV: ${ROWS.toLocaleString()} rows, ${(csv.length / 1e6).toFixed(1)} MB`);

// The list page measured during the import is served once before, so its own first use (templates
// compiled, statements prepared) is not counted as the import's memory.
await autocannon({ url: `${base}/contacts`, connections: 2, duration: 2, headers: { cookie } });
const rss0 = rssMb();
let peak = rss0;
const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 100);
const form = new FormData();
form.set('_csrf', csrf);
form.set('entity', 'contact');
form.set('file', new Blob([csv], { type: 'text/csv' }), 'contacts.csv');
const t0 = performance.now();
const up = await fetch(`${base}/import`, { method: 'POST', body: form, headers: { cookie }, redirect: 'manual' });
const uploaded = performance.now() - t0;
if (up.status !== 303) throw new Error(`upload: ${up.status} ${(await up.text()).slice(0, 300)}`);
const id = Number(up.headers.get('location')!.split('/').pop());
console.log(`upload, parse and store: ${(uploaded / 1000).toFixed(1)} s (RSS peak so far +${(peak - rss0).toFixed(0)} MB)`);

// Start, and measure a list page while it runs.
const db = new SQLite(dbFile, { readonly: true });
/** The server's CPU seconds (all threads) and bytes written to disk so far: what the import cost, apart from the machine's noise. */
const usage = () => {
  const stat = fs.readFileSync(`/proc/${app.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const io = /write_bytes:\s+(\d+)/.exec(fs.readFileSync(`/proc/${app.pid}/io`, 'utf8'));
  return { cpu: (Number(stat[11]) + Number(stat[12])) / 100, written: io ? Number(io[1]) : 0 };
};
const before = usage();
const started = performance.now();
const go = await fetch(`${base}/import/${id}/start`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf }), redirect: 'manual' });
if (go.status !== 303) throw new Error(`start: ${go.status}`);
let done = false;
const finished = (async () => {
  for (;;) {
    const r = db.prepare('select status, next_row, created, skipped from imports where id = ?').get(id) as { status: string; next_row: number; created: number; skipped: number };
    if (r.status !== 'running') {
      done = true;
      return { ms: performance.now() - started, ...r };
    }
    await new Promise((res) => setTimeout(res, 100));
  }
})();
// The list page under a team's use while the import runs: 20 requests a second from 2 clients
// (BENCH_IMPORT_RATE; 0 = as fast as they can, which on 2 cores takes the CPU the import needs).
const RATE = Number(process.env.BENCH_IMPORT_RATE ?? 20);
const latencies: number[] = [];
while (!done) {
  const res = await autocannon({ url: `${base}/contacts`, connections: 2, duration: 1, headers: { cookie }, ...(RATE ? { overallRate: RATE } : {}) });
  latencies.push(res.latency.p50, res.latency.p97_5 ?? res.latency.p99);
  if (done) break;
}
const r = await finished;
const after = usage();
clearInterval(sampler);
const list = await autocannon({ url: `${base}/contacts`, connections: 2, duration: 2, headers: { cookie } });
console.log(`import: ${(r.ms / 1000).toFixed(1)} s, ${Math.round((ROWS / r.ms) * 1000).toLocaleString()} rows/s — ${r.created.toLocaleString()} created, ${r.skipped.toLocaleString()} skipped (${r.status})`);
console.log(`server during the import: ${(after.cpu - before.cpu).toFixed(1)} s of CPU (all threads, the list page's too), ${((after.written - before.written) / 1048576).toFixed(0)} MB written to disk`);
console.log(`server RSS: ${rss0.toFixed(0)} MB before, ${peak.toFixed(0)} MB peak (+${(peak - rss0).toFixed(0)} MB)`);
const during = latencies.filter((_v, i) => i % 2 === 1);
console.log(`/contacts while importing (2 connections, ${RATE ? `${RATE} requests/s` : 'flat out'}, 1 s windows): p97.5 ${Math.max(...during)} ms worst window; after: p50 ${list.latency.p50} ms, p97.5 ${list.latency.p97_5} ms`);
db.close();
process.exit(0);
