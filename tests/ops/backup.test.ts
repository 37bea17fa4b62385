import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { freePort, waitFor } from '../helpers/http.js';
import { integrityCheck } from '../../src/db/backup.js';


t.test('orchard backup while the server serves writes a file that passes integrity_check; restore refuses while serving', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-backup-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const env = { ...process.env, ORCHARD_DB: path.join(dir, 'orchard.db'), PORT: await freePort(), HOST: '127.0.0.1', ORCHARD_ADMIN_EMAIL: 'ops@example.test', ORCHARD_ADMIN_PASSWORD: 'ops-password-1', LOG_LEVEL: 'warn' };
  const server = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
  t.teardown(() => server.kill('SIGKILL'));
  const base = `http://127.0.0.1:${env.PORT}`;
  await waitFor(`${base}/healthz`);

  // Writes in flight while the backup runs: sign-ins create session rows.
  let writing = true;
  const writes = (async () => {
    let n = 0;
    while (writing && n < 200) {
      const page = await fetch(`${base}/login`);
      const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
      await fetch(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: token, email: 'ops@example.test', password: 'ops-password-1' }) });
      n++;
    }
    return n;
  })();

  const target = path.join(dir, 'b.db');
  const backup = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'backup', target], { env, encoding: 'utf8', timeout: 60_000 });
  writing = false;
  const written = await writes;
  t.equal(backup.status, 0, backup.stderr);
  t.match(backup.stdout, /integrity: ok/);
  t.equal(integrityCheck(target), 'ok');
  t.ok(written > 0, 'the server kept serving writes');

  const restore = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'restore', target], { env, encoding: 'utf8', timeout: 60_000 });
  t.not(restore.status, 0, 'restore refuses while a server holds the file');
  t.match(restore.stderr, /Stop it first/);

  server.kill('SIGTERM');
  t.equal(await exited, 0, 'SIGTERM closes cleanly');

  const restored = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'restore', target], { env, encoding: 'utf8', timeout: 60_000 });
  t.equal(restored.status, 0, restored.stderr);
  const corrupt = path.join(dir, 'corrupt.db');
  fs.writeFileSync(corrupt, 'this is not a database');
  const bad = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'restore', corrupt], { env, encoding: 'utf8', timeout: 60_000 });
  t.not(bad.status, 0, 'a file that fails the check is refused');
});
