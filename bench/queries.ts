/**
 * Where a page's time goes in SQL (`node --import tsx bench/queries.ts /deals [email]`): renders the
 * page a few times in-process on the Large file and prints each query's median time.
 */
import path from 'node:path';
import { Kysely } from 'kysely';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import type { Database } from '../src/db/schema.js';

const [url = '/', email = 'admin@orchard.test'] = process.argv.slice(2);
const dbFile = path.resolve(process.env.BENCH_DB ?? 'bench/out/large.db');
const config = loadConfig({ ORCHARD_DB: dbFile, LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1' });
const opened = openDatabase(dbFile);
const times = new Map<string, number[]>();
let on = false;
// Simplest: wrap better-sqlite3's prepare so every statement run is timed.
const sqlite = opened.sqlite;
const origPrepare = sqlite.prepare.bind(sqlite);
(sqlite as unknown as { prepare: (s: string) => unknown }).prepare = (source: string) => {
  const stmt = origPrepare(source);
  for (const m of ['all', 'get', 'run'] as const) {
    const orig = (stmt as unknown as Record<string, (...a: unknown[]) => unknown>)[m].bind(stmt);
    (stmt as unknown as Record<string, unknown>)[m] = (...args: unknown[]) => {
      const t0 = performance.now();
      try {
        return orig(...args);
      } finally {
        if (on) {
          const k = source.replace(/\s+/g, ' ').slice(0, 400);
          times.set(k, [...(times.get(k) ?? []), performance.now() - t0]);
        }
      }
    };
  }
  return stmt;
};
const app = await buildApp({ config, db: opened.db, sqlite, logger: false });
const loginPage = await app.inject('/login');
const csrf = loginPage.cookies.find((c) => c.name === '_csrf')!;
const token = /name="_csrf" value="([^"]+)"/.exec(loginPage.body)![1];
const login = await app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `_csrf=${csrf.value}` }, payload: new URLSearchParams({ _csrf: token, email, password: 'orchard-demo-2026' }).toString() });
const cookie = `orchard_sid=${login.cookies.find((c) => c.name === 'orchard_sid')!.value}; _csrf=${csrf.value}`;
for (let i = 0; i < 3; i++) await app.inject({ url, headers: { cookie } });
on = true;
const N = 10;
let total = 0;
for (let i = 0; i < N; i++) {
  const t0 = performance.now();
  const r = await app.inject({ url, headers: { cookie } });
  total += performance.now() - t0;
  if (i === 0) console.log(`${r.statusCode} ${r.body.length} bytes`);
}
const med = (a: number[]) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
let sqlTotal = 0;
for (const [k, v] of [...times].sort((a, b) => med(b[1]) * b[1].length - med(a[1]) * a[1].length)) {
  sqlTotal += v.reduce((s, x) => s + x, 0);
  console.log(`${med(v).toFixed(3).padStart(8)} ms ×${String(v.length / N).padEnd(3)} ${k}`);
}
console.log(`page ${(total / N).toFixed(2)} ms, of which SQL ${(sqlTotal / N).toFixed(2)} ms`);
await app.close();
