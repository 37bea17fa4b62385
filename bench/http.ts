/**
 * Real HTTP under concurrency (`npm run bench:http`): the compiled server on the Large file and
 * a bare Fastify + Eta floor (bench/floor.ts) on the same file, driven by autocannon with 10
 * connections, floor and app alternating so machine noise hits both. Prints req/s, p50, p99,
 * non-2xx, the ratio to the floor and the server's RSS; writes the table as JSON to bench/out/.
 *   BENCH_SECONDS=10 (per URL), BENCH_FLOOR_SECONDS=2 (the floor's share of each URL),
 *   BENCH_SLICES=4 (floor and URL take turns this many times per URL: the machine's speed drifts
 *   within seconds, and a floor measured once before the URL could catch another spell than it),
 *   BENCH_CONNECTIONS=10, BENCH_ONLY=board (names).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import SQLite from 'better-sqlite3';
import { prepareDb } from './prepare.js';
import { pages, type BenchPage } from './pages.js';
import { measureStreams } from './sse.js';
import { openDatabase } from '../src/db/database.js';
import { createApiToken } from '../src/features/api-tokens/api-tokens.queries.js';
import { cursorAfter } from '../src/features/api/api.paging.js';

const dbFile = path.resolve(process.env.BENCH_DB ?? 'bench/out/large.db');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** The floor runs before every URL, shorter: it tracks the machine's noise, it is not the subject. */
const FLOOR_SECONDS = Number(process.env.BENCH_FLOOR_SECONDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const SLICES = Math.max(1, Number(process.env.BENCH_SLICES ?? 4));
/** Seconds of load on each URL before it is measured (0: none). */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const ONLY = process.env.BENCH_ONLY ?? '';

async function waitFor(url: string): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    try {
      if ((await fetch(url)).ok) return Date.now() - t0;
    } catch {
      /* starting */
    }
    if (Date.now() - t0 > 30_000) throw new Error(`${url} did not answer`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function start(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function signIn(base: string, email: string): Promise<string> {
  const page = await fetch(`${base}/login`);
  let cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  const res = await fetch(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: token, email, password: 'orchard-demo-2026' }) });
  if (res.status !== 303) throw new Error(`sign-in as ${email} failed: ${res.status}`);
  cookie = [cookie, ...res.headers.getSetCookie().map((c) => c.split(';')[0])].join('; ');
  return cookie;
}

interface Row {
  name: string;
  reqPerSec: number;
  p50: number;
  p99: number;
  /** Answers other than 2xx, or (writes that redirect) other than 2xx/3xx; plus errors and timeouts. */
  failed: number;
  floor: number;
  ratio: number;
}

type Target = BenchPage & { cookie: string; method?: 'POST'; body?: (n: number) => string; path?: (n: number) => string; redirects?: boolean };

let sequence = 0;
/** Reads as they are; writes get a fresh body (and path: each move addresses another deal) per request. */
function run(url: string, headers: Record<string, string> = {}, seconds = SECONDS, target?: Target): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const write = target?.method ? target : null;
    const requests: autocannon.Request[] | undefined = write
      ? [{ method: 'POST', setupRequest: (req: autocannon.Request) => { const n = sequence++; return { ...req, body: write.body!(n), ...(write.path ? { path: write.path(n) } : {}) }; } }]
      : undefined;
    autocannon({ url, connections: CONNECTIONS, duration: seconds, headers, ...(requests ? { requests } : {}) }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/** A page's CSRF token (the `<meta name="csrf-token">` every page carries) for the session in `cookie`. */
async function csrfToken(base: string, cookie: string): Promise<string> {
  const html = await (await fetch(`${base}/`, { headers: { cookie } })).text();
  const token = /name="csrf-token" content="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('no csrf token on /');
  return token;
}

/** Writes: board moves between open stages (htmx, as the board sends them) and company creates. */
async function writeTargets(base: string, cookie: string, sqlite: SQLite.Database): Promise<Target[]> {
  const token = await csrfToken(base, cookie);
  const pipeline = sqlite.prepare('select id from pipelines order by is_default desc, id limit 1').get() as { id: number };
  const open = (sqlite.prepare('select id from deal_stages where pipeline_id = ? and is_won = 0 and is_lost = 0 order by position').all(pipeline.id) as { id: number }[]).map((r) => r.id);
  const deals = (sqlite.prepare(`select id from deals where stage_id in (${open.join(',')}) order by id desc limit 5000`).all() as { id: number }[]).map((r) => r.id);
  const form = { 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': token };
  // Each request moves one of 5,000 open deals to another open stage: no two connections fight over a row.
  const moveUrl = (n: number) => `/deals/${deals[n % deals.length]}/move`;
  const openStatuses = (sqlite.prepare('select id from lead_statuses where is_final = 0 order by position').all() as { id: number }[]).map((r) => r.id);
  const openLeads = (sqlite.prepare(`select id from leads where lead_status_id in (${openStatuses.join(',') || 0}) and converted_at is null order by id desc limit 40000`).all() as { id: number }[]).map((r) => r.id);
  // Moves use the first half of them, conversions the second: each conversion converts a lead once.
  const half = Math.floor(openLeads.length / 2);
  const leadMoveUrl = (n: number) => `/leads/${openLeads[n % Math.max(1, half)]}/move`;
  const convertUrl = (n: number) => `/leads/${openLeads[half + (n % Math.max(1, openLeads.length - half))]}/convert`;
  return [
    {
      name: 'write: move a lead on the board (htmx)',
      url: leadMoveUrl(0),
      cookie,
      method: 'POST',
      headers: { ...form, 'hx-request': 'true', 'hx-target': 'board' },
      body: (n) => new URLSearchParams({ _csrf: token, lead_status_id: String(openStatuses[(n + 1) % openStatuses.length]) }).toString(),
      path: leadMoveUrl,
    },
    {
      name: 'write: convert a lead (customer + company + deal)',
      url: convertUrl(0),
      cookie,
      method: 'POST',
      headers: form,
      redirects: true,
      body: (n) => new URLSearchParams({
        _csrf: token, customer_name: `Bench Buyer ${n}`, customer_email: `bench-buyer-${Date.now()}-${n}@example.test`, company_mode: 'new', company_new_name: `Bench Co ${n}`,
        create_deal: '1', deal_title: `Bench deal ${n}`, deal_value: '1200', pipeline_id: String(pipeline.id),
      }).toString(),
      path: convertUrl,
    },
    {
      name: 'write: move a deal on the board (htmx)',
      url: moveUrl(0),
      cookie,
      method: 'POST',
      headers: { ...form, 'hx-request': 'true', 'hx-target': 'board' },
      body: (n) => new URLSearchParams({ _csrf: token, stage_id: String(open[(n + 1) % open.length]) }).toString(),
      path: moveUrl,
    },
    {
      name: 'write: create a company (form post)',
      url: '/companies',
      cookie,
      method: 'POST',
      headers: form,
      redirects: true,
      body: (n) => new URLSearchParams({ _csrf: token, name: `Bench Company ${Date.now()}-${n}` }).toString(),
    },
  ];
}

/** The JSON API with personal tokens (made here, after the server's migrations): lists, a cursor page, filters, gets; a rep's own. */
async function apiTargets(sqlite: SQLite.Database): Promise<Target[]> {
  const { db } = openDatabase(dbFile);
  const idOf = (email: string) => (sqlite.prepare('select id from users where email = ?').get(email) as { id: number }).id;
  const admin = { authorization: `Bearer ${(await createApiToken(db, idOf('admin@orchard.test'), 'bench', 'read')).secret}` };
  const rep = { authorization: `Bearer ${(await createApiToken(db, idOf('dana@orchard.test'), 'bench', 'read')).secret}` };
  await db.destroy();
  const mid = (table: string) => (sqlite.prepare(`select id from ${table} order by id limit 1 offset (select count(*) / 2 from ${table})`).get() as { id: number }).id;
  // The default pipeline's first stage (tens of thousands of deals at Large): every page is full.
  // It was the newest deal's stage, which the bench's own writes moved from run to run (a stage of
  // a dozen deals on a fresh file, 34,000 after a full run's lead conversions).
  const stage = (sqlite.prepare('select s.id from deal_stages s join pipelines p on p.id = s.pipeline_id order by p.is_default desc, p.id, s.position limit 1').get() as { id: number }).id;
  return [
    { name: 'api: contacts list (50)', url: '/api/v1/contacts', cookie: '', headers: admin },
    { name: 'api: deals, a cursor page mid-table', url: `/api/v1/deals?cursor=${cursorAfter(mid('deals'))}`, cookie: '', headers: admin },
    { name: 'api: deals filtered by stage (50)', url: `/api/v1/deals?stage_id=${stage}`, cookie: '', headers: admin },
    // The largest page the API gives: four times the floor's rows, ~100 KB of JSON.
    { name: 'api: deals by stage, 200 a page', url: `/api/v1/deals?stage_id=${stage}&limit=200`, cookie: '', headers: admin },
    { name: 'api: leads updated since', url: `/api/v1/leads?updated_since=${new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)}`, cookie: '', headers: admin },
    { name: 'api: get a contact', url: `/api/v1/contacts/${mid('contacts')}`, cookie: '', headers: admin },
    { name: 'api: get a deal', url: `/api/v1/deals/${mid('deals')}`, cookie: '', headers: admin },
    { name: 'own: api contacts list (rep)', url: '/api/v1/contacts', cookie: '', headers: rep },
  ];
}

async function main(): Promise<void> {
  await prepareDb(dbFile, 1);
  const sqlite = new SQLite(dbFile);
  // Reps see their own records (and those linked to them); admins are not affected.
  sqlite.prepare("insert into settings (key, value, updated_at) values ('rep_visibility', '\"own\"', ?) on conflict (key) do update set value = excluded.value").run(new Date().toISOString());
  const list = (await pages(sqlite)).filter((p) => !ONLY || p.name.includes(ONLY));

  const appPort = '3701';
  const floorPort = '3702';
  // The app starts alone, so its time to a first /healthz is its own, not shared with the floor's start.
  // The server runs as `npm start` runs it, with the same Node flags.
  const startScript = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start;
  const nodeFlags = startScript.split(/\s+/).filter((a) => a.startsWith('--'));
  // The API's per-token limit (600 a minute by default) is raised: the bench measures speed, not the limit.
  const app = start([...nodeFlags, 'dist/src/server.js'], { ORCHARD_DB: dbFile, PORT: appPort, HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'production', ORCHARD_API_RATE_PER_MINUTE: '100000' });
  const base = `http://127.0.0.1:${appPort}`;
  const startMs = await waitFor(`${base}/healthz`);
  const floor = start(['--import', 'tsx', 'bench/floor.ts'], { ORCHARD_DB: dbFile, PORT: floorPort });
  const stopAll = () => {
    app.kill('SIGTERM');
    floor.kill('SIGTERM');
  };
  process.on('exit', stopAll);
  await waitFor(`http://127.0.0.1:${floorPort}/healthz`);
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(app.pid!))), 250);

  const admin = await signIn(base, 'admin@orchard.test');
  const rep = await signIn(base, 'dana@orchard.test');
  const targets: Target[] = [
    { name: 'dashboard', url: '/', cookie: admin },
    { name: 'dashboard: one rep', url: '/?assigned_to=3', cookie: admin },
    { name: 'own: dashboard (rep)', url: '/', cookie: rep },
    { name: 'report: revenue forecast', url: '/reports/forecast', cookie: admin },
    { name: 'report: revenue forecast CSV', url: '/reports/forecast.csv', cookie: admin },
    { name: 'report: deal dynamics, 12 months', url: '/reports/dynamics', cookie: admin },
    { name: 'report: deal dynamics, 12 months, one rep', url: '/reports/dynamics?assigned_to=3', cookie: admin },
    { name: 'report: conversion, 12 months', url: '/reports/conversion', cookie: admin },
    { name: 'report: sales performance, 12 months', url: '/reports/performance', cookie: admin },
    { name: 'report: sales performance CSV', url: '/reports/performance.csv', cookie: admin },
    { name: 'own: sales performance (rep)', url: '/reports/performance', cookie: rep },
    { name: 'import: upload page with recent imports', url: '/import', cookie: admin },
    { name: 'duplicates: contacts by name', url: '/duplicates?kind=contacts&by=name', cookie: admin },
    { name: 'duplicates: leads (100k in 180 groups)', url: '/duplicates?kind=leads', cookie: admin },
    { name: 'own: duplicates contacts (rep)', url: '/duplicates?kind=contacts&by=name', cookie: rep },
    ...list.map((p) => ({ ...p, cookie: admin })),
    { name: 'search: selective "hooli labs 12"', url: '/search?q=hooli+labs+12', cookie: admin },
    { name: 'search: broad "hooli"', url: '/search?q=hooli', cookie: admin },
    { name: 'search: broad "a" (as you type)', url: '/search?q=a', cookie: admin, headers: { 'hx-request': 'true', 'hx-target': 'global-search-results' } },
    { name: 'picker: contacts "no" (deal form)', url: '/pick/contact?q=no', cookie: admin },
    { name: 'picker: companies "hooli"', url: '/pick/company?q=hooli', cookie: admin },
    { name: 'tasks: mine', url: '/tasks/mine', cookie: admin },
    { name: 'tasks: all, open', url: '/tasks?status=open', cookie: admin },
    { name: 'notifications', url: '/notifications', cookie: admin },
    { name: 'settings index', url: '/settings', cookie: admin },
    { name: 'settings: lead statuses (with counts)', url: '/settings/lead-statuses', cookie: admin },
    { name: 'own: deals list (rep)', url: '/deals', cookie: rep },
    { name: 'own: companies list (rep)', url: '/companies', cookie: rep },
    { name: 'own: contacts list (rep)', url: '/contacts', cookie: rep },
    { name: 'own: customers list (rep)', url: '/customers', cookie: rep },
    { name: 'own: board (rep)', url: '/deals/board', cookie: rep },
    { name: 'own: leads list (rep)', url: '/leads', cookie: rep },
    { name: 'own: lead board (rep)', url: '/leads/board', cookie: rep },
    { name: 'own: search "hooli" (rep)', url: '/search?q=hooli', cookie: rep },
    { name: 'own: tasks (rep)', url: '/tasks', cookie: rep },
    { name: 'own: my tasks (rep)', url: '/tasks/mine', cookie: rep },
    { name: 'settings: CRM', url: '/settings/crm', cookie: admin },
    { name: 'settings: webhooks', url: '/settings/webhooks', cookie: admin },
    { name: 'profile: API tokens', url: '/profile/api-tokens', cookie: admin },
    { name: 'API reference page', url: '/help/api', cookie: admin },
    ...(await apiTargets(sqlite)),
    ...(await writeTargets(base, admin, sqlite)),
  ].filter((p) => !ONLY || p.name.includes(ONLY));
  const adminId = (sqlite.prepare("select id from users where email = 'admin@orchard.test'").get() as { id: number }).id;
  // A deal Dana can see whatever the visibility setting: her own.
  const sseDeal = (sqlite.prepare("select id from deals where assigned_to = (select id from users where email = 'dana@orchard.test') order by id desc limit 1").get() as { id: number }).id;
  sqlite.close();

  console.log(`\nHTTP bench: ${CONNECTIONS} connections, ${SECONDS} s per URL and ${FLOOR_SECONDS} s of floor, taking turns in ${SLICES} slices; server up in ${startMs} ms\n`);
  console.log('page'.padEnd(44), 'req/s'.padStart(8), 'p50'.padStart(6), 'p99'.padStart(6), 'failed'.padStart(7), 'floor'.padStart(7), '× floor'.padStart(8), 'RSS MB'.padStart(7));
  const rows: Row[] = [];
  const floors: number[] = [];
  for (const target of targets) {
    const headers = { cookie: target.cookie, ...(target.headers ?? {}) };
    const url = `${base}${target.url}`;
    // Warm-up, not measured: templates compile and statements prepare on first use, and V8 needs a
    // few thousand requests on a URL's path before it runs at its steady speed (a fresh server's
    // first 4,000 API requests cost about twice the CPU of the next: bench/_cpu-style /proc
    // readings). A long-running server is warm; a cold start is not what this table measures.
    // Warm until steady: at least WARMUP_SECONDS, then one more second while the last second was
    // still over 5 % faster than the one before, at most four times WARMUP_SECONDS. After the ~85
    // pages, the first API list of deals took ~3,000 requests to settle (/proc readings in rounds
    // of 1,500: 580, 373 µs of CPU per request) — more than 2 s give at its cold speed.
    if (WARMUP_SECONDS > 0) {
      let last = 0;
      for (let spent = 0; spent < WARMUP_SECONDS * 4; spent++) {
        const r = await run(url, headers, 1, target);
        const rate = r.requests.total / r.duration;
        if (spent + 1 >= WARMUP_SECONDS && rate <= last * 1.05) break;
        last = rate;
      }
    }
    // Floor and URL take turns (SLICES times); each side's rate is its requests over its seconds,
    // p50 the slices' median (weighted by requests), p99 the worst slice's.
    const floorSlices: autocannon.Result[] = [];
    const slices: autocannon.Result[] = [];
    for (let i = 0; i < SLICES; i++) {
      floorSlices.push(await run(`http://127.0.0.1:${floorPort}/floor`, {}, FLOOR_SECONDS / SLICES));
      slices.push(await run(url, headers, SECONDS / SLICES, target));
    }
    const rate = (rs: autocannon.Result[]) => rs.reduce((n, r) => n + r.requests.total, 0) / rs.reduce((n, r) => n + r.duration, 0);
    const floorRate = rate(floorSlices);
    floors.push(floorRate);
    const appRate = rate(slices);
    const byP50 = [...slices].sort((a, b) => a.latency.p50 - b.latency.p50);
    let seen = 0;
    const half = slices.reduce((n, r) => n + r.requests.total, 0) / 2;
    const p50 = byP50.find((r) => (seen += r.requests.total) >= half)?.latency.p50 ?? 0;
    const failed = slices.reduce((n, r) => n + r.requests.total - r['2xx'] - (target.redirects ? r['3xx'] : 0) + r.errors + r.timeouts, 0);
    const row: Row = {
      name: target.name,
      reqPerSec: appRate,
      p50,
      p99: Math.max(...slices.map((r) => r.latency.p99)),
      failed,
      floor: floorRate,
      ratio: appRate / floorRate,
    };
    rows.push(row);
    console.log(row.name.slice(0, 44).padEnd(44), row.reqPerSec.toFixed(0).padStart(8), String(row.p50).padStart(6), String(row.p99).padStart(6), String(row.failed).padStart(7), row.floor.toFixed(0).padStart(7), row.ratio.toFixed(3).padStart(8), rssMb(app.pid!).toFixed(0).padStart(7));
  }
  clearInterval(sampler);
  // "After": once the server has been quiet long enough to compact (server.ts compactWhenIdle).
  await new Promise((r) => setTimeout(r, 8000));
  const afterRss = rssMb(app.pid!);
  const summary = { at: new Date().toISOString(), connections: CONNECTIONS, seconds: SECONDS, floorSeconds: FLOOR_SECONDS, slices: SLICES, startMs, floorMin: Math.min(...floors), floorMax: Math.max(...floors), peakRssMb: Math.round(peakRss), afterRssMb: Math.round(afterRss), rows };
  console.log(`\nfloor req/s min ${summary.floorMin.toFixed(0)}, max ${summary.floorMax.toFixed(0)} (machine noise); server RSS peak ${summary.peakRssMb} MB, after ${summary.afterRssMb} MB`);
  const out = path.resolve(`bench/out/http-${summary.at.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(out, JSON.stringify(summary, null, 2));
  console.log(`written to ${out}`);

  // The live bell: 200 open streams, the RSS they cost, and how fast one write reaches them all.
  if (!ONLY || ONLY === 'sse') {
    const danaToken = await csrfToken(base, rep);
    const sse = await measureStreams({
      base, cookie: admin, pid: app.pid!, n: Number(process.env.BENCH_STREAMS ?? 200),
      // Dana hands the admin a task: every one of the admin's tabs hears of it.
      poke: async () => {
        const res = await fetch(`${base}/deals/${sseDeal}/tasks`, { method: 'POST', redirect: 'manual', headers: { cookie: rep, 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': danaToken }, body: new URLSearchParams({ _csrf: danaToken, title: 'Bench: a task for the admin', assigned_to: String(adminId) }) });
        if (res.status >= 400) throw new Error(`poke answered ${res.status}`);
      },
    });
    console.log(`\nSSE: ${sse.streams} open streams, server RSS ${sse.rssBeforeMb} → ${sse.rssAfterMb} MB (+${sse.growthMb} MB); one write reached every stream in ${sse.fanOutMs} ms`);
    fs.writeFileSync(out, JSON.stringify({ ...summary, sse }, null, 2));
  }
  stopAll();
}

await main();
