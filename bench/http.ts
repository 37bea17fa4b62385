/**
 * Real HTTP under concurrency (`npm run bench:http`): the compiled server on the Large file and
 * a bare Fastify + Eta floor (bench/floor.ts) on the same file, driven by autocannon with 10
 * connections, floor and app alternating so machine noise hits both. Prints req/s, p50, p99,
 * non-2xx, the ratio to the floor and the server's RSS; writes the table as JSON to bench/out/.
 *   BENCH_SECONDS=10 (per URL and per floor run), BENCH_CONNECTIONS=10, BENCH_ONLY=board (names)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import SQLite from 'better-sqlite3';
import { prepareDb } from './prepare.js';
import { pages, type BenchPage } from './pages.js';

const dbFile = path.resolve(process.env.BENCH_DB ?? 'bench/out/large.db');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
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
  non2xx: number;
  floor: number;
  ratio: number;
}

function run(url: string, headers: Record<string, string> = {}, seconds = SECONDS): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration: seconds, headers }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

async function main(): Promise<void> {
  await prepareDb(dbFile, 1);
  const sqlite = new SQLite(dbFile);
  // Reps see their own records (and those linked to them); admins are not affected.
  sqlite.prepare("insert into settings (key, value, updated_at) values ('rep_visibility', '\"own\"', ?) on conflict (key) do update set value = excluded.value").run(new Date().toISOString());
  const list = (await pages(sqlite)).filter((p) => !ONLY || p.name.includes(ONLY));
  sqlite.close();

  const appPort = '3701';
  const floorPort = '3702';
  const app = start(['dist/src/server.js'], { ORCHARD_DB: dbFile, PORT: appPort, HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'production' });
  const floor = start(['--import', 'tsx', 'bench/floor.ts'], { ORCHARD_DB: dbFile, PORT: floorPort });
  const stopAll = () => {
    app.kill('SIGTERM');
    floor.kill('SIGTERM');
  };
  process.on('exit', stopAll);
  const base = `http://127.0.0.1:${appPort}`;
  const startMs = await waitFor(`${base}/healthz`);
  await waitFor(`http://127.0.0.1:${floorPort}/healthz`);
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(app.pid!))), 250);

  const admin = await signIn(base, 'admin@orchard.test');
  const rep = await signIn(base, 'dana@orchard.test');
  const targets: (BenchPage & { cookie: string })[] = [
    { name: 'dashboard', url: '/', cookie: admin },
    ...list.map((p) => ({ ...p, cookie: admin })),
    { name: 'search: selective "hooli labs 12"', url: '/search?q=hooli+labs+12', cookie: admin },
    { name: 'search: broad "hooli"', url: '/search?q=hooli', cookie: admin },
    { name: 'security log', url: '/settings/security', cookie: admin },
    { name: 'own: deals list (rep)', url: '/deals', cookie: rep },
    { name: 'own: companies list (rep)', url: '/companies', cookie: rep },
    { name: 'own: contacts list (rep)', url: '/contacts', cookie: rep },
    { name: 'own: board (rep)', url: '/deals/board', cookie: rep },
  ].filter((p) => !ONLY || p.name.includes(ONLY));

  console.log(`\nHTTP bench: ${CONNECTIONS} connections, ${SECONDS} s per URL, floor alternating; server up in ${startMs} ms\n`);
  console.log('page'.padEnd(44), 'req/s'.padStart(8), 'p50'.padStart(6), 'p99'.padStart(6), 'non2xx'.padStart(7), 'floor'.padStart(7), '× floor'.padStart(8));
  const rows: Row[] = [];
  const floors: number[] = [];
  for (const target of targets) {
    await run(`${base}${target.url}`, { cookie: target.cookie, ...(target.headers ?? {}) }, 1); // warm-up
    const floorResult = await run(`http://127.0.0.1:${floorPort}/floor`);
    floors.push(floorResult.requests.average);
    const r = await run(`${base}${target.url}`, { cookie: target.cookie, ...(target.headers ?? {}) });
    const row: Row = {
      name: target.name,
      reqPerSec: r.requests.average,
      p50: r.latency.p50,
      p99: r.latency.p99,
      non2xx: r.non2xx,
      floor: floorResult.requests.average,
      ratio: r.requests.average / floorResult.requests.average,
    };
    rows.push(row);
    console.log(row.name.slice(0, 44).padEnd(44), row.reqPerSec.toFixed(0).padStart(8), String(row.p50).padStart(6), String(row.p99).padStart(6), String(row.non2xx).padStart(7), row.floor.toFixed(0).padStart(7), row.ratio.toFixed(3).padStart(8));
  }
  clearInterval(sampler);
  await new Promise((r) => setTimeout(r, 2000));
  const afterRss = rssMb(app.pid!);
  const summary = { at: new Date().toISOString(), connections: CONNECTIONS, seconds: SECONDS, startMs, floorMin: Math.min(...floors), floorMax: Math.max(...floors), peakRssMb: Math.round(peakRss), afterRssMb: Math.round(afterRss), rows };
  console.log(`\nfloor req/s min ${summary.floorMin.toFixed(0)}, max ${summary.floorMax.toFixed(0)} (machine noise); server RSS peak ${summary.peakRssMb} MB, after ${summary.afterRssMb} MB`);
  const out = path.resolve(`bench/out/http-${summary.at.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(out, JSON.stringify(summary, null, 2));
  console.log(`written to ${out}`);
  stopAll();
}

await main();
