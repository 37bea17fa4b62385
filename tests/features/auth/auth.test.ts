import t from 'tap';
import { buildTestApp, Client, loginAs } from '../../helpers/app.js';
import { makeUser, PASSWORD } from '../../helpers/factories.js';
import { LoginLimiter } from '../../../src/features/auth/login-limiter.js';

t.test('login page renders with a CSRF token and a strict CSP', async (t) => {
  const { app } = await buildTestApp(t);
  const res = await app.inject('/login');
  t.equal(res.statusCode, 200);
  t.match(res.body, /name="email"/);
  t.match(res.body, /name="password"/);
  t.match(res.body, /<meta name="csrf-token" content="[^"]+"/);
  const csp = String(res.headers['content-security-policy']);
  t.match(csp, /script-src 'self'/);
  t.notMatch(csp, /script-src[^;]*unsafe-inline/);
  t.equal(res.headers['x-content-type-options'], 'nosniff');
  t.notMatch(res.body, /<script>(?!<\/script>)|<script(?![^>]*src=)[^>]*>/, 'no inline script');
});

t.test('signing in sets an HttpOnly SameSite=Lax session cookie and rotates the id', async (t) => {
  const { app } = await buildTestApp(t);
  const user = await makeUser(app, { role: 'rep' });
  const client = new Client(app);
  await client.get('/login');
  const first = await client.post('/login', { email: user.email, password: PASSWORD });
  t.equal(first.statusCode, 303);
  const header = String([first.headers['set-cookie']].flat().find((c) => String(c).startsWith('orchard_sid=')));
  t.match(header, /HttpOnly/);
  t.match(header, /SameSite=Lax/);
  const sid1 = client.cookies.get('orchard_sid');
  t.ok(sid1);
  await client.get('/login');
  const second = await client.post('/login', { email: user.email, password: PASSWORD });
  t.equal(second.statusCode, 303);
  const sid2 = client.cookies.get('orchard_sid');
  t.not(sid1, sid2, 'a new session id at each sign-in');
  const old = await app.inject({ url: '/', headers: { cookie: `orchard_sid=${sid1}` } });
  t.equal(old.statusCode, 303, 'the previous session no longer works');
  const rows = await app.db.selectFrom('sessions').selectAll().where('user_id', '=', user.id).execute();
  t.equal(rows.length, 1, 'the old session row is gone');
  t.not(rows[0].id, sid2, 'only a hash of the token is stored');
});

t.test('wrong password and unknown email get the same message', async (t) => {
  const { app } = await buildTestApp(t);
  const user = await makeUser(app);
  const client = new Client(app);
  const wrong = await client.post('/login', { email: user.email, password: 'not-the-password' });
  const unknown = await client.post('/login', { email: 'nobody@example.test', password: 'whatever-password' });
  t.equal(wrong.statusCode, 401);
  t.equal(unknown.statusCode, 401);
  const msg = (b: string) => /<p class="form-error" role="alert">([^<]*)<\/p>/.exec(b)?.[1];
  t.equal(msg(wrong.body), msg(unknown.body));
  t.match(wrong.body, new RegExp(`value="${user.email}"`), 'the email is kept');
  t.notMatch(wrong.body, /not-the-password/, 'the password is not echoed');
});

t.test('repeated failed logins are rate limited (429) per account and per IP', async (t) => {
  const { app } = await buildTestApp(t, { limiter: new LoginLimiter({ windowMs: 60_000, maxPerIp: 8, maxPerAccount: 3 }) });
  const user = await makeUser(app);
  const client = new Client(app);
  for (let i = 0; i < 3; i++) t.equal((await client.post('/login', { email: user.email, password: 'wrong-password' })).statusCode, 401);
  const blocked = await client.post('/login', { email: user.email, password: PASSWORD });
  t.equal(blocked.statusCode, 429, 'even the right password waits once the account is locked');
  t.ok(blocked.headers['retry-after']);
  t.match(blocked.body, /Too many failed sign-in attempts/);
  for (let i = 0; i < 5; i++) await client.post('/login', { email: `other${i}@example.test`, password: 'wrong-password' });
  const ipBlocked = await client.post('/login', { email: 'fresh@example.test', password: 'wrong-password' });
  t.equal(ipBlocked.statusCode, 429, 'the IP is limited across accounts');
});

t.test('logout deletes the session server-side', async (t) => {
  const { app } = await buildTestApp(t);
  const user = await makeUser(app);
  const client = await loginAs(app, user);
  const sid = client.cookies.get('orchard_sid')!;
  const res = await client.post('/logout');
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, '/login');
  const count = await app.db.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', user.id).executeTakeFirstOrThrow();
  t.equal(Number(count.n), 0);
  const replay = await app.inject({ url: '/', headers: { cookie: `orchard_sid=${sid}` } });
  t.equal(replay.statusCode, 303, 'the old cookie no longer signs in');
  t.match(String(replay.headers.location), /^\/login/);
});

t.test('a POST without a CSRF token is refused with 403 and writes nothing', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const client = await loginAs(app, admin);
  const res = await client.post('/settings/users', { name: 'Eve', email: 'eve@example.test', password: 'long-enough-pw', role: 'rep' }, { csrf: false });
  t.equal(res.statusCode, 403);
  const bad = await client.post('/settings/users', { name: 'Eve', email: 'eve@example.test', password: 'long-enough-pw', role: 'rep', _csrf: 'forged' }, { csrf: false });
  t.equal(bad.statusCode, 403);
  const eve = await app.db.selectFrom('users').select('id').where('email', '=', 'eve@example.test').executeTakeFirst();
  t.equal(eve, undefined);
  const ok = await client.post('/settings/users', { name: 'Eve', email: 'eve@example.test', password: 'long-enough-pw', role: 'rep' });
  t.equal(ok.statusCode, 303, 'with the token the same form works');
});

t.test('the htmx header carries the token too', async (t) => {
  const { app } = await buildTestApp(t);
  const user = await makeUser(app);
  const client = await loginAs(app, user);
  const res = await client.post('/logout', {}, { csrf: false, headers: { 'x-csrf-token': client.csrf } });
  t.equal(res.statusCode, 303);
});

t.test('pages need a session; next is kept but never leaves the site', async (t) => {
  const { app } = await buildTestApp(t);
  const res = await app.inject('/settings/users');
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, '/login?next=%2Fsettings%2Fusers');
  const user = await makeUser(app, { role: 'admin' });
  const client = new Client(app);
  await client.get('/login?next=/settings/users');
  const login = await client.post('/login', { email: user.email, password: PASSWORD, next: '/settings/users' });
  t.equal(login.headers.location, '/settings/users');
  await client.get('/login');
  const evil = await client.post('/login', { email: user.email, password: PASSWORD, next: '//evil.example' });
  t.equal(evil.headers.location, '/');
});

t.test('first admin from ORCHARD_ADMIN_* on an empty database', async (t) => {
  const { app } = await buildTestApp(t, { env: { ORCHARD_ADMIN_EMAIL: 'boss@example.test', ORCHARD_ADMIN_PASSWORD: 'boss-password-1' } });
  t.equal(app.setupToken, null, 'no setup link when the admin came from the environment');
  const client = await loginAs(app, { email: 'boss@example.test', password: 'boss-password-1' });
  const res = await client.get('/settings/users');
  t.equal(res.statusCode, 200);
});

t.test('without ORCHARD_ADMIN_* only the printed setup token creates the first admin', async (t) => {
  const { app } = await buildTestApp(t);
  const token = app.setupToken!;
  t.ok(token);
  t.equal((await app.inject('/setup')).statusCode, 403);
  t.equal((await app.inject('/setup?token=wrong')).statusCode, 403);
  const client = new Client(app);
  t.equal((await client.get(`/setup?token=${token}`)).statusCode, 200);
  const forged = await client.post('/setup', { token: 'wrong', name: 'Mallory', email: 'm@example.test', password: 'long-enough-pw' });
  t.equal(forged.statusCode, 403);
  const invalid = await client.post('/setup', { token, name: 'Ada', email: 'not-an-email', password: 'short' });
  t.equal(invalid.statusCode, 422);
  t.match(invalid.body, /Enter a valid email address/);
  t.match(invalid.body, /at least 10 characters/);
  t.match(invalid.body, /value="Ada"/);
  const ok = await client.post('/setup', { token, name: 'Ada', email: 'ada@example.test', password: 'long-enough-pw' });
  t.equal(ok.statusCode, 303);
  const admin = await app.db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
  t.equal(admin.role, 'admin');
  t.equal((await client.get('/settings/users')).statusCode, 200, 'signed in as the new admin');
  const again = await new Client(app).get(`/setup?token=${token}`);
  t.equal(again.statusCode, 403, 'the token works once');
});

t.test('healthz answers without a session', async (t) => {
  const { app } = await buildTestApp(t);
  const res = await app.inject('/healthz');
  t.equal(res.statusCode, 200);
  t.same(res.json(), { status: 'ok' });
});

t.test('unknown pages get a 404 page for signed-in users', async (t) => {
  const { app } = await buildTestApp(t);
  const client = await loginAs(app, await makeUser(app));
  const res = await client.get('/no-such-page');
  t.equal(res.statusCode, 404);
  t.match(res.body, /Not found/);
});
