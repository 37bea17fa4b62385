/**
 * Page benchmarks at SPEC §15 "Large" volume. Not part of npm test.
 *   npm run bench                 # seeds bench/out/large.db once (a few minutes), then measures
 *   BENCH_SIZE=0.1 npm run bench  # a tenth of Large, for a quick look
 * Reports p50/p95 per page (in-process app.inject, real SQLite, full rendering) and the
 * memory of a streamed CSV export over HTTP.
 */
import path from 'node:path';
import { runOverduePass } from '../src/features/tasks/tasks.overdue.js';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { prepareDb } from './prepare.js';
import { pages, type BenchPage } from './pages.js';

const size = Number(process.env.BENCH_SIZE ?? 1);
const dbFile = path.resolve(process.env.BENCH_DB ?? `bench/out/${size === 1 ? 'large' : `size-${size}`}.db`);
const ITER = Number(process.env.BENCH_ITER ?? 40);

const prepare = () => prepareDb(dbFile, size);

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  await prepare();
  const config = loadConfig({ ORCHARD_DB: dbFile, LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1' });
  const { db, sqlite } = openDatabase(dbFile);
  await migrateToLatest(db, sqlite);
  const app = await buildApp({ config, db, sqlite, logger: false });

  // Sign in through the form, as a user would.
  const loginPage = await app.inject('/login');
  const csrfCookie = loginPage.cookies.find((c) => c.name === '_csrf')!;
  const token = /name="_csrf" value="([^"]+)"/.exec(loginPage.body)![1];
  const login = await app.inject({
    method: 'POST', url: '/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `_csrf=${csrfCookie.value}` },
    payload: new URLSearchParams({ _csrf: token, email: 'admin@orchard.test', password: 'orchard-demo-2026' }).toString(),
  });
  const sid = login.cookies.find((c) => c.name === 'orchard_sid')!.value;
  const cookie = `orchard_sid=${sid}; _csrf=${csrfCookie.value}`;

  const counts = Object.fromEntries(
    ['companies', 'contacts', 'customers', 'deals', 'leads', 'tasks'].map((t) => {
      try {
        return [t, (sqlite.prepare(`select count(*) as n from ${t}`).get() as { n: number }).n];
      } catch {
        return [t, 0];
      }
    }),
  );
  console.log(`\nDatabase ${dbFile}: ${JSON.stringify(counts)}\n`);
  console.log('page'.padEnd(58), 'p50 ms'.padStart(8), 'p95 ms'.padStart(8), 'status'.padStart(7));

  const results: { name: string; p50: number; p95: number }[] = [];
  for (const p of await pages(sqlite) as BenchPage[]) {
    const times: number[] = [];
    let status = 0;
    for (let i = 0; i < ITER + 3; i++) {
      const t0 = performance.now();
      const res = await app.inject({ method: 'GET', url: p.url, headers: { cookie, ...(p.headers ?? {}) } });
      const ms = performance.now() - t0;
      status = res.statusCode;
      if (i >= 3) times.push(ms);
    }
    times.sort((a, b) => a - b);
    const r = { name: p.name, p50: pct(times, 50), p95: pct(times, 95) };
    results.push(r);
    console.log(p.name.padEnd(58), r.p50.toFixed(1).padStart(8), r.p95.toFixed(1).padStart(8), String(status).padStart(7));
  }

  // Writes: a lead conversion (customer + new company + deal with the lead's contact) and a lead
  // move, each on its own open lead, through the real form posts.
  const form = { 'content-type': 'application/x-www-form-urlencoded', cookie };
  // Tokens are bound to the session: take one from a signed-in page.
  const pageToken = /name="csrf-token" content="([^"]+)"/.exec((await app.inject({ url: '/', headers: { cookie } })).body)![1];
  const pipeline = (sqlite.prepare('select id from pipelines order by is_default desc, id limit 1').get() as { id: number }).id;
  const openLeads = (sqlite.prepare('select l.id from leads l join lead_statuses s on s.id = l.lead_status_id where s.is_final = 0 and l.converted_at is null order by l.id limit ?').all(2 * (ITER + 3)) as { id: number }[]).map((r) => r.id);
  const statuses = (sqlite.prepare('select id from lead_statuses where is_final = 0 order by position').all() as { id: number }[]).map((r) => r.id);
  const writes: [string, (i: number) => { url: string; body: Record<string, string> }][] = [
    ['write: convert a lead (customer + company + deal)', (i) => ({
      url: `/leads/${openLeads[i]}/convert`,
      body: { customer_name: `Bench Buyer ${i}`, customer_email: `bench-run-${Date.now()}-${i}@example.test`, company_mode: 'new', company_new_name: `Bench Co ${i}`, create_deal: '1', deal_title: `Bench deal ${i}`, deal_value: '1200', pipeline_id: String(pipeline) },
    })],
    ['write: move a lead (board)', (i) => ({ url: `/leads/${openLeads[ITER + 3 + i]}/move`, body: { lead_status_id: String(statuses[(i + 1) % statuses.length]) } })],
  ];
  for (const [name, make] of writes) {
    if (openLeads.length < 2 * (ITER + 3)) break;
    const times: number[] = [];
    let status = 0;
    for (let i = 0; i < ITER + 3; i++) {
      const { url, body } = make(i);
      const t0 = performance.now();
      const res = await app.inject({ method: 'POST', url, headers: form, payload: new URLSearchParams({ _csrf: pageToken, ...body }).toString() });
      const ms = performance.now() - t0;
      status = res.statusCode;
      if (i >= 3) times.push(ms);
    }
    times.sort((a, b) => a - b);
    const r = { name, p50: pct(times, 50), p95: pct(times, 95) };
    results.push(r);
    console.log(name.padEnd(58), r.p50.toFixed(1).padStart(8), r.p95.toFixed(1).padStart(8), String(status).padStart(7));
  }

  // The overdue job (SPEC §8, budget 50 ms a pass): the catch-up pass, then passes each with 50
  // tasks that just went overdue, then passes with nothing new — none may read all tasks.
  {
    const t0 = performance.now();
    const caughtUp = await runOverduePass(db);
    console.log(`${'overdue job: catch-up pass'.padEnd(58)} ${(performance.now() - t0).toFixed(1).padStart(8)} ms, ${caughtUp} told`);
    const times: number[] = [];
    const idle: number[] = [];
    for (let i = 0; i < 20; i++) {
      sqlite.prepare(`update tasks set due_at = ? where id in (select id from tasks where status = 'pending' and overdue_notified_at is null and due_at > ? order by due_at limit 50)`).run(new Date(Date.now() - 60_000).toISOString(), new Date().toISOString());
      let t = performance.now();
      await runOverduePass(db);
      times.push(performance.now() - t);
      t = performance.now();
      await runOverduePass(db);
      idle.push(performance.now() - t);
    }
    for (const [name, list] of [['overdue job: pass, 50 newly overdue', times], ['overdue job: pass, nothing new', idle]] as const) {
      const sorted = [...list].sort((a, b) => a - b);
      const r = { name, p50: pct(sorted, 50), p95: pct(sorted, 95) };
      results.push(r);
      console.log(name.padEnd(58), r.p50.toFixed(1).padStart(8), r.p95.toFixed(1).padStart(8));
    }
  }

  // CSV export over real HTTP: the body is read and dropped as it streams; we watch memory.
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address() as { port: number };
  for (const resource of ['contacts', 'companies']) {
    global.gc?.();
    const before = process.memoryUsage();
    let peakHeap = before.heapUsed;
    let peakRss = before.rss;
    // Collect before each sample, so the figure is memory still held, not garbage not yet freed.
    const timer = setInterval(() => {
      global.gc?.();
      const m = process.memoryUsage();
      peakHeap = Math.max(peakHeap, m.heapUsed);
      peakRss = Math.max(peakRss, m.rss);
    }, 50);
    const t0 = performance.now();
    const res = await fetch(`http://127.0.0.1:${address.port}/${resource}/export.csv`, { headers: { cookie } });
    let bytes = 0;
    let rows = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      for (const b of chunk) if (b === 10) rows++;
    }
    clearInterval(timer);
    const mb = (n: number) => (n / 1e6).toFixed(0);
    console.log(`\nexport ${resource}.csv: ${rows - 1} rows, ${(bytes / 1e6).toFixed(1)} MB in ${((performance.now() - t0) / 1000).toFixed(2)} s; live heap ${mb(before.heapUsed)} → peak ${mb(peakHeap)} MB (+${mb(peakHeap - before.heapUsed)}), RSS ${mb(before.rss)} → ${mb(peakRss)} MB`);
  }
  await app.close();
  await db.destroy();
  const slow = results.filter((r) => r.p95 > (r.name.startsWith('board') ? 100 : 50));
  // Every column of the board holds one page, while its header counts the whole column.
  console.log(slow.length ? `\nOver budget: ${slow.map((s) => s.name).join(', ')}` : '\nAll pages within budget.');
}

await main();
