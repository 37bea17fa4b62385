/**
 * Does the webhook worker keep up with 500 events a second? `npm run bench:webhooks` (after
 * `npm run build`): the compiled server on a fresh demo file with one webhook for every event,
 * a local receiver that checks signatures (standardwebhooks), and contact creates through the API
 * as fast as 10 clients go up to BENCH_RATE (700/s; one contact.created event each) for
 * BENCH_SECONDS (20), with BENCH_HOOKS (2) webhooks subscribed to everything. Prints writes,
 * events and deliveries per second, the lag from the write to the receiver (p50, p99), and how
 * long the backlog took to drain after the writes stopped.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { Webhook } from 'standardwebhooks';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { seedDemo } from '../src/seed/demo.js';
import { createApiToken } from '../src/features/api-tokens/api-tokens.queries.js';
import { newSecret } from '../src/features/webhooks/webhooks.outbox.js';

const RATE = Number(process.env.BENCH_RATE ?? 700);
/** Subscriptions to every event: each event is that many deliveries (the writer tops out near 500 writes/s on 2 cores). */
const HOOKS = Number(process.env.BENCH_HOOKS ?? 2);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-webhooks-bench-'));
const dbFile = path.join(dir, 'orchard.db');

// The receiver: counts, checks every 50th signature, notes when each event arrived.
const secret = newSecret();
const verifier = new Webhook(secret);
const lags: number[] = [];
let received = 0;
let badSignatures = 0;
const receiver = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    received++;
    if (received % 50 === 0) {
      try {
        verifier.verify(body, req.headers as Record<string, string>);
      } catch {
        badSignatures++;
      }
    }
    lags.push(Date.now() - Date.parse((JSON.parse(body) as { timestamp: string }).timestamp));
    res.end('ok');
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

const { db, sqlite } = openDatabase(dbFile);
await migrateToLatest(db, sqlite);
await seedDemo(db);
const admin = (await db.selectFrom('users').select('id').where('email', '=', 'admin@orchard.test').executeTakeFirstOrThrow()).id;
const now = new Date().toISOString();
for (let i = 0; i < HOOKS; i++) await db.insertInto('webhooks').values({ url: `${hookUrl}/${i}`, description: 'bench', events: '["*"]', secret, is_active: 1, created_by: admin, created_at: now, updated_at: now }).execute();
const token = (await createApiToken(db, admin, 'bench', 'write')).secret;

const port = 3800 + Math.floor(Math.random() * 90);
const base = `http://127.0.0.1:${port}`;
const server = spawn(process.execPath, ['--max-semi-space-size=4', '--max-old-space-size=160', 'dist/src/server.js'], {
  env: { ...process.env, ORCHARD_DB: dbFile, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ORCHARD_WEBHOOK_ALLOW_PRIVATE: '1', ORCHARD_API_RATE_PER_MINUTE: '100000' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const stop = () => {
  server.kill('SIGTERM');
  receiver.close();
  fs.rmSync(dir, { recursive: true, force: true });
};
process.on('exit', stop);
for (let t0 = Date.now(); ; ) {
  try {
    if ((await fetch(`${base}/healthz`)).ok) break;
  } catch {
    /* starting */
  }
  if (Date.now() - t0 > 30_000) throw new Error('server did not start');
  await new Promise((r) => setTimeout(r, 50));
}

const pending = () => (sqlite.prepare("select count(*) as n from webhook_deliveries where status = 'pending'").get() as { n: number }).n;
let n = 0;
const t0 = Date.now();
const load = await autocannon({
  url: `${base}/api/v1/contacts`,
  connections: 10,
  overallRate: RATE,
  duration: SECONDS,
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, body: JSON.stringify({ first_name: 'Hook', last_name: `Bench ${n++}` }) }) }],
});
const writeSeconds = (Date.now() - t0) / 1000;
const backlogAtEnd = pending();
const receivedAtEnd = received;
const drainStart = Date.now();
while (pending() > 0 && Date.now() - drainStart < 60_000) await new Promise((r) => setTimeout(r, 50));
const drainMs = Date.now() - drainStart;
const events = (sqlite.prepare('select count(*) as n from webhook_events').get() as { n: number }).n;
const failed = (sqlite.prepare("select count(*) as n from webhook_deliveries where status != 'delivered'").get() as { n: number }).n;
lags.sort((a, b) => a - b);
const pct = (p: number) => lags[Math.min(lags.length - 1, Math.floor((lags.length * p) / 100))] ?? 0;
console.log(JSON.stringify((load as unknown as { statusCodeStats?: unknown }).statusCodeStats));
console.log(`writes: ${load['2xx']} contact creates in ${writeSeconds.toFixed(1)} s (${(load['2xx'] / writeSeconds).toFixed(0)}/s; ${load.non2xx} refused)`);
console.log(`events: ${events} made (${(events / writeSeconds).toFixed(0)}/s) for ${HOOKS} webhooks; ${receivedAtEnd} deliveries while writing (${(receivedAtEnd / writeSeconds).toFixed(0)}/s), backlog at the end ${backlogAtEnd}, drained in ${drainMs} ms`);
console.log(`lag write → receiver: p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${lags[lags.length - 1] ?? 0} ms; not delivered ${failed}; bad signatures ${badSignatures} of ${Math.floor(received / 50)} checked`);
await db.destroy();
process.exit(0);
