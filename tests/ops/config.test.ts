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
