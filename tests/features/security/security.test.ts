import t from 'tap';
import { buildTestApp, Client, loginAs } from '../../helpers/app.js';
import { makeUser, PASSWORD } from '../../helpers/factories.js';
import { LoginLimiter } from '../../../src/features/auth/login-limiter.js';

t.test('the security log records sign-ins, failures, lockouts, password and role changes, for admins only', async (t) => {
  const { app } = await buildTestApp(t, { limiter: new LoginLimiter({ windowMs: 60_000, maxPerIp: 100, maxPerAccount: 3 }) });
  const admin = await makeUser(app, { role: 'admin', name: 'Ada Admin' });
  const rep = await makeUser(app, { name: 'Remy Rep' });
  const a = await loginAs(app, admin);
  const anon = new Client(app);
  await anon.get('/login');
  for (let i = 0; i < 4; i++) await anon.post('/login', { email: rep.email, password: 'wrong-password' });
  await a.get(`/settings/users/${rep.id}/edit`);
  t.equal((await a.post(`/settings/users/${rep.id}`, { name: rep.name, email: rep.email, role: 'manager', version: '1' })).statusCode, 303);
  t.equal((await a.post(`/settings/users/${rep.id}/reset-password`, { password: 'a-brand-new-password' })).statusCode, 303);
  t.equal((await a.post(`/settings/users/${rep.id}/deactivate`)).statusCode, 303);
  const r = await loginAs(app, admin);
  await r.get('/profile');
  t.equal((await r.post('/profile/password', { current_password: PASSWORD, password: 'another-password-1', password_confirm: 'another-password-1' })).statusCode, 303);

  const events = await app.db.selectFrom('security_events').select(['kind', 'user_id', 'actor_id', 'email', 'ip', 'detail']).orderBy('id').execute();
  const kinds = events.map((e) => e.kind as string);
  for (const kind of ['sign_in', 'sign_in_failed', 'locked_out', 'role_changed', 'password_reset', 'user_deactivated', 'password_changed']) t.ok(kinds.includes(kind), `${kind} recorded`);
  t.match(events.find((e) => e.kind === 'role_changed'), { user_id: rep.id, actor_id: admin.id, detail: /Sales rep → Manager/ });
  t.ok(events.every((e) => e.ip), 'each event has the client IP');

  // The password change signed the admin's other session out: read the log from this one.
  const page = await r.get('/settings/security');
  t.equal(page.statusCode, 200);
  t.match(page.body, /Sign-in failed/);
  t.match(page.body, /Role changed/);
  t.match(page.body, /Remy Rep/);
  const locked = await r.get('/settings/security?kind=locked_out');
  t.match(locked.body, /too many attempts/);
  t.notMatch(locked.body, /<td data-label="Event">Role changed/, 'the filter narrows the list');
  const manager = await loginAs(app, await makeUser(app, { role: 'manager' }));
  t.equal((await manager.get('/settings/security')).statusCode, 403, 'managers and reps cannot read it');
});

t.test('events older than 180 days are purged when the app starts', async (t) => {
  const first = await buildTestApp(t);
  await first.app.db
    .insertInto('security_events')
    .values([
      { kind: 'sign_in', user_id: null, actor_id: null, email: 'old@example.test', ip: '1.2.3.4', detail: null, created_at: '2020-01-01T00:00:00.000Z' },
      { kind: 'sign_in', user_id: null, actor_id: null, email: 'new@example.test', ip: '1.2.3.4', detail: null, created_at: new Date().toISOString() },
    ])
    .execute();
  await first.app.close();
  const { buildApp } = await import('../../../src/app.js');
  const again = await buildApp({ config: first.config, db: first.app.db, sqlite: first.app.sqlite, logger: false });
  await again.ready();
  t.same((await again.db.selectFrom('security_events').select('email').execute()).map((e) => e.email), ['new@example.test']);
  await again.close();
});
