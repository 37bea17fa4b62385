import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import t from 'tap';
import { freePort, waitFor } from '../helpers/http.js';

/**
 * kill -9 while writes are in flight: every write the server acknowledged (303) is there after a
 * restart. CRASH_ROUNDS raises the number of rounds (3 in CI).
 */
const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 3);


async function signIn(base: string): Promise<{ cookie: string; token: string }> {
  const page = await fetch(`${base}/login`);
  let cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  const res = await fetch(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: token, email: 'ops@example.test', password: 'ops-password-1' }) });
  cookie = [cookie, ...res.headers.getSetCookie().map((c) => c.split(';')[0])].join('; ');
  const home = await fetch(`${base}/companies/new`, { headers: { cookie } });
  return { cookie, token: /name="_csrf" value="([^"]+)"/.exec(await home.text())?.[1] ?? '' };
}

t.test(`kill -9 during writes loses no acknowledged write (${ROUNDS} rounds)`, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-crash-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const dbFile = path.join(dir, 'orchard.db');
  const port = await freePort();
  const env = { ...process.env, ORCHARD_DB: dbFile, PORT: port, HOST: '127.0.0.1', ORCHARD_ADMIN_EMAIL: 'ops@example.test', ORCHARD_ADMIN_PASSWORD: 'ops-password-1', LOG_LEVEL: 'warn' };
  const base = `http://127.0.0.1:${port}`;
  const acknowledged: string[] = [];
  let server: ChildProcess | null = null;
  t.teardown(() => server?.kill('SIGKILL'));

  for (let round = 0; round < ROUNDS; round++) {
    server = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { env, stdio: 'ignore' });
    const exited = new Promise((resolve) => server!.on('exit', resolve));
    await waitFor(`${base}/healthz`);
    const { cookie, token } = await signIn(base);
    let killed = false;
    const writer = async (lane: number) => {
      for (let i = 0; !killed; i++) {
        const name = `Crash ${round}-${lane}-${i}`;
        try {
          const res = await fetch(`${base}/companies`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: token, name, is_active: '1' }) });
          if (res.status === 303) acknowledged.push(name);
        } catch {
          return; // the server died under this request: not acknowledged
        }
      }
    };
    const lanes = [0, 1, 2, 3].map(writer);
    await new Promise((r) => setTimeout(r, 400 + Math.random() * 600));
    killed = true;
    server.kill('SIGKILL');
    await exited;
    await Promise.all(lanes);
  }

  // One more start: the database opens cleanly after the last crash.
  server = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { env, stdio: 'ignore' });
  await waitFor(`${base}/healthz`);
  const db = new SQLite(dbFile, { readonly: true });
  const stored = new Set((db.prepare('select name from companies').all() as { name: string }[]).map((r) => r.name));
  t.equal((db.pragma('integrity_check') as { integrity_check: string }[])[0].integrity_check, 'ok');
  db.close();
  const lost = acknowledged.filter((n) => !stored.has(n));
  t.ok(acknowledged.length > ROUNDS * 10, `${acknowledged.length} writes acknowledged over ${ROUNDS} crashes`);
  t.same(lost, [], 'no acknowledged write lost');
  server.kill('SIGTERM');
});
