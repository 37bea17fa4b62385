// Where a page's time goes in JavaScript: `node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile.ts /` renders it 500 times in-process on the Large file (then read the .cpuprofile in Chrome DevTools).
import path from 'node:path';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
const [url = '/'] = process.argv.slice(2);
const dbFile = path.resolve('bench/out/large.db');
const config = loadConfig({ ORCHARD_DB: dbFile, LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1' });
const opened = openDatabase(dbFile);
const app = await buildApp({ config, db: opened.db, sqlite: opened.sqlite, logger: false });
const loginPage = await app.inject('/login');
const csrf = loginPage.cookies.find((c) => c.name === '_csrf')!;
const token = /name="_csrf" value="([^"]+)"/.exec(loginPage.body)![1];
const login = await app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `_csrf=${csrf.value}` }, payload: new URLSearchParams({ _csrf: token, email: 'admin@orchard.test', password: 'orchard-demo-2026' }).toString() });
const cookie = `orchard_sid=${login.cookies.find((c) => c.name === 'orchard_sid')!.value}; _csrf=${csrf.value}`;
for (let i = 0; i < 50; i++) await app.inject({ url, headers: { cookie } });
const t0 = performance.now();
for (let i = 0; i < 500; i++) await app.inject({ url, headers: { cookie } });
console.log(url, ((performance.now() - t0) / 500).toFixed(2), 'ms per request');
for (const u of ['/reports/forecast', '/reports/conversion']) {
  const t1 = performance.now();
  for (let i = 0; i < 200; i++) await app.inject({ url: u, headers: { cookie } });
  console.log(u, ((performance.now() - t1) / 200).toFixed(2), 'ms per request');
}
await app.close();
