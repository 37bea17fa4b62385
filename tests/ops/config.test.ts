import { spawnSync } from 'node:child_process';
import t from 'tap';
import { loadConfig } from '../../src/config.js';

t.test('defaults', async (t) => {
  const c = loadConfig({});
  t.equal(c.port, 3000);
  t.match(c.dbPath, /data\/orchard\.db$/);
  t.equal(c.adminEmail, null);
});

t.test('a bad value names the variable', async (t) => {
  t.throws(() => loadConfig({ PORT: 'abc' }), /PORT/);
  t.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL/);
  t.throws(() => loadConfig({ ORCHARD_ADMIN_EMAIL: 'not-email', ORCHARD_ADMIN_PASSWORD: 'long-enough-pw' }), /ORCHARD_ADMIN_EMAIL/);
  t.throws(() => loadConfig({ ORCHARD_ADMIN_EMAIL: 'a@b.test' }), /set both ORCHARD_ADMIN_EMAIL and ORCHARD_ADMIN_PASSWORD/);
});

t.test('PORT=abc stops the server start with one line naming PORT', async (t) => {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, PORT: 'abc', ORCHARD_DB: ':memory:' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  t.not(res.status, 0);
  t.match(res.stderr, /PORT/);
  t.equal(res.stderr.trim().split('\n').length, 1, 'one line');
});

t.test('after a burst of requests the server collects its garbage once it is quiet (compactWhenIdle)', async (t) => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { openDatabase } = await import('../../src/db/database.js');
  const { migrateToLatest } = await import('../../src/db/migrate.js');
  const { buildApp } = await import('../../src/app.js');
  const { compactWhenIdle } = await import('../../src/server.js');
  const holder = globalThis as { gc?: () => void };
  const previous = holder.gc;
  let collections = 0;
  holder.gc = () => void collections++;
  t.teardown(() => void (holder.gc = previous));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-gc-'));
  const { db, sqlite } = openDatabase(path.join(dir, 'gc.db'));
  await migrateToLatest(db, sqlite);
  const app = await buildApp({ config: loadConfig({ ORCHARD_DB: path.join(dir, 'gc.db'), LOG_LEVEL: 'silent' }), db, sqlite, logger: false });
  compactWhenIdle(app, 100);
  t.teardown(async () => {
    await app.close();
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  await app.inject('/healthz');
  await new Promise((r) => setTimeout(r, 1_300));
  t.equal(collections, 1, 'one collection after the quiet period');
  await new Promise((r) => setTimeout(r, 1_200));
  t.equal(collections, 1, 'none while nothing happens');
});
