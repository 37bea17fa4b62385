import t from 'tap';
import { Client, buildTestApp, loginAs } from '../../helpers/app.js';
import { PASSWORD, makeUser } from '../../helpers/factories.js';
import { LoginLimiter } from '../../../src/features/auth/login-limiter.js';
import { generateSync } from 'otplib';
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

/* ---------- two-factor (one file per area: tap starts a process per file) ---------- */
/** A code for the next 30-second step: a fresh one the server has not seen used. */
const codeAt = (secret: string, stepsAhead = 0) => generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + stepsAhead * 30 });

t.test('two-factor sign-in: set up with a code, recovery codes once, then sign-in asks for the code', async (t) => {
  const { app } = await buildTestApp(t);
  const user = await makeUser(app);
  const c = await loginAs(app, user);
  const setup = await c.get('/profile/two-factor');
  t.equal(setup.statusCode, 200);
  t.match(setup.body, /<svg/, 'the QR code is drawn by the app');
  const secret = (await app.db.selectFrom('users').select('totp_secret').where('id', '=', user.id).executeTakeFirstOrThrow()).totp_secret!;
  t.ok(secret, 'a pending secret');
  const wrong = await c.post('/profile/two-factor', { code: '000000' });
  t.equal(wrong.statusCode, 422);
  t.match(wrong.body, /does not match/);
  const on = await c.post('/profile/two-factor', { code: codeAt(secret) });
  t.equal(on.statusCode, 200);
  const codes = [...on.body.matchAll(/<li><code>([a-z0-9]{4}-[a-z0-9]{4})<\/code><\/li>/g)].map((m) => m[1]);
  t.equal(codes.length, 10, 'ten recovery codes, shown once');
  const stored = await app.db.selectFrom('recovery_codes').select('code_hash').where('user_id', '=', user.id).execute();
  t.equal(stored.length, 10);
  t.notOk(stored.some((s) => codes.includes(s.code_hash)), 'stored hashed');

  // Signing in now takes the password, then a code.
  const b = new Client(app);
  await b.get('/login');
  const pw = await b.post('/login', { email: user.email, password: PASSWORD, next: '/deals' });
  t.equal(pw.statusCode, 303);
  t.equal(pw.headers.location, '/login/two-factor?next=%2Fdeals');
  t.notOk(b.cookies.get('orchard_sid'), 'no session before the code');
  t.equal((await b.get('/companies')).statusCode, 303, 'pages still need a session');
  await b.get('/login/two-factor?next=%2Fdeals');
  const bad = await b.post('/login/two-factor', { code: '123456', next: '/deals' });
  t.equal(bad.statusCode, 401);
  t.match(bad.body, /not right/);
  // The very code used here is tried again below: computed once, so a 30 s step boundary between
  // the two posts cannot turn "the used code" into the next, unused one.
  const used = codeAt(secret, 1);
  const good = await b.post('/login/two-factor', { code: used, next: '/deals' });
  t.equal(good.statusCode, 303);
  t.equal(good.headers.location, '/deals');
  t.ok(b.cookies.get('orchard_sid'), 'signed in');

  // A recovery code works once; the same TOTP code does not work twice.
  const r = new Client(app);
  await r.get('/login');
  await r.post('/login', { email: user.email, password: PASSWORD });
  await r.get('/login/two-factor');
  t.equal((await r.post('/login/two-factor', { code: used })).statusCode, 401, 'a used code is refused');
  t.equal((await r.post('/login/two-factor', { code: codes[0].toUpperCase() })).statusCode, 303, 'a recovery code signs in');
  const again = new Client(app);
  await again.get('/login');
  await again.post('/login', { email: user.email, password: PASSWORD });
  await again.get('/login/two-factor');
  t.equal((await again.post('/login/two-factor', { code: codes[0] })).statusCode, 401, 'but only once');
  const kinds = (await app.db.selectFrom('security_events').select('kind').execute()).map((e) => e.kind as string);
  for (const k of ['two_factor_enabled', 'two_factor_failed', 'recovery_code_used']) t.ok(kinds.includes(k), `${k} in the security log`);
});

t.test('wrong codes are rate limited; a forged or expired pending step goes back to the password', async (t) => {
  const { LoginLimiter } = await import('../../../src/features/auth/login-limiter.js');
  const { app } = await buildTestApp(t, { limiter: new LoginLimiter({ windowMs: 60_000, maxPerIp: 100, maxPerAccount: 3 }) });
  const user = await makeUser(app);
  const c = await loginAs(app, user);
  await c.get('/profile/two-factor');
  const secret = (await app.db.selectFrom('users').select('totp_secret').where('id', '=', user.id).executeTakeFirstOrThrow()).totp_secret!;
  await c.post('/profile/two-factor', { code: codeAt(secret) });
  const b = new Client(app);
  await b.get('/login');
  await b.post('/login', { email: user.email, password: PASSWORD });
  await b.get('/login/two-factor');
  for (let i = 0; i < 3; i++) t.equal((await b.post('/login/two-factor', { code: `00000${i}` })).statusCode, 401);
  t.equal((await b.post('/login/two-factor', { code: codeAt(secret, 1) })).statusCode, 429, 'even the right code waits after too many wrong ones');
  const forged = new Client(app);
  await forged.get('/login');
  forged.cookies.set('orchard_2fa', `2fa.${user.id}.${Date.now() + 60_000}.${'x'.repeat(43)}`);
  const res = await forged.post('/login/two-factor', { code: codeAt(secret, 1) });
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, '/login', 'a forged pending step starts over');
});

t.test('admins can require a second factor: users without one set it up before anything else', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await loginAs(app, await makeUser(app, { role: 'admin' }));
  const rep = await loginAs(app, await makeUser(app));
  await admin.get('/settings/users');
  t.equal((await admin.post('/settings/users/two-factor', { require_two_factor: '1' })).statusCode, 303);
  const page = await rep.get('/companies');
  t.equal(page.statusCode, 303);
  t.equal(page.headers.location, '/profile/two-factor');
  t.equal((await rep.get('/profile/two-factor')).statusCode, 200, 'the setup page is reachable');
  t.equal((await rep.post('/companies', { name: 'Sneaky', is_active: '1' })).statusCode, 403, 'writes wait too');
  t.equal((await app.db.selectFrom('companies').select('id').execute()).length, 0);
  t.equal((await admin.get('/settings/users')).headers.location, '/profile/two-factor', 'the admin too, until they set it up');
  t.ok((await app.db.selectFrom('security_events').select('kind').where('kind', '=', 'two_factor_required').execute()).length);
});
