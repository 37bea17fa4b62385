import t from 'tap';
import { buildTestApp, Client, loginAs } from '../../helpers/app.js';
import { makeCompany, makeUser, PASSWORD } from '../../helpers/factories.js';

t.test('only admins reach user admin', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app, { role: 'rep' });
  const manager = await makeUser(app, { role: 'manager' });
  const admin = await makeUser(app, { role: 'admin' });
  for (const u of [rep, manager]) {
    const c = await loginAs(app, u);
    t.equal((await c.get('/settings/users')).statusCode, 403, `${u.role} gets 403 on the list`);
    t.equal((await c.post('/settings/users', { name: 'X', email: 'x@example.test', password: 'long-enough-pw', role: 'admin' })).statusCode, 403, `${u.role} cannot create`);
    t.equal((await c.post(`/settings/users/${admin.id}/deactivate`)).statusCode, 403, `${u.role} cannot deactivate`);
  }
  const c = await loginAs(app, admin);
  const list = await c.get('/settings/users');
  t.equal(list.statusCode, 200);
  t.match(list.body, rep.email);
});

t.test('creating a user: validation keeps typed values; duplicate email in another case is 422', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin', email: 'Admin.Person@Example.test' });
  const c = await loginAs(app, admin);

  const short = await c.post('/settings/users', { name: 'Sam Short', email: 'sam@example.test', password: 'short', role: 'rep' });
  t.equal(short.statusCode, 422);
  t.match(short.body, /Password must be at least 10 characters/);
  t.match(short.body, /value="Sam Short"/);
  t.match(short.body, /value="sam@example.test"/);

  const dup = await c.post('/settings/users', { name: 'Clone', email: 'admin.person@EXAMPLE.TEST', password: 'long-enough-pw', role: 'rep' });
  t.equal(dup.statusCode, 422);
  t.match(dup.body, /Another user already has this email/);

  const missing = await c.post('/settings/users', { name: '', email: 'bad', password: 'long-enough-pw', role: 'boss' });
  t.equal(missing.statusCode, 422);
  t.match(missing.body, /Name is required/);
  t.match(missing.body, /Enter a valid email address/);
  t.match(missing.body, /Choose a role/);
  const count = await app.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  t.equal(Number(count.n), 1, 'nothing written by invalid forms');

  const ok = await c.post('/settings/users', { name: 'Dana Rep', email: 'dana@example.test', password: 'long-enough-pw', role: 'rep' });
  t.equal(ok.statusCode, 303);
  const dana = await app.db.selectFrom('users').selectAll().where('email', '=', 'dana@example.test').executeTakeFirstOrThrow();
  t.equal(dana.role, 'rep');
  t.not(dana.password_hash, 'long-enough-pw');
  t.match(dana.password_hash, /^scrypt\$/);
  const audit = await app.db.selectFrom('audit_entries').selectAll().where('entity_type', '=', 'user').where('entity_id', '=', dana.id).execute();
  t.equal(audit.length, 1);
  t.equal(audit[0].action, 'created');
  t.equal(audit[0].user_id, admin.id);
  await loginAs(app, { email: 'dana@example.test', password: 'long-enough-pw' });
});

t.test('a deactivated user is signed out at once and cannot sign in; reactivation restores access', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const rep = await makeUser(app, { role: 'rep' });
  const repClient = await loginAs(app, rep);
  t.equal((await repClient.get('/')).statusCode, 200);

  const adminClient = await loginAs(app, admin);
  const res = await adminClient.post(`/settings/users/${rep.id}/deactivate`);
  t.equal(res.statusCode, 303);

  const after = await repClient.get('/');
  t.equal(after.statusCode, 303, 'the open session stops working');
  const again = await new Client(app).post('/login', { email: rep.email, password: PASSWORD });
  t.equal(again.statusCode, 401, 'cannot sign in');
  const row = await app.db.selectFrom('users').select('is_active').where('id', '=', rep.id).executeTakeFirstOrThrow();
  t.equal(row.is_active, 0);

  t.equal((await adminClient.post(`/settings/users/${rep.id}/reactivate`)).statusCode, 303);
  await loginAs(app, rep);
  const timeline = await adminClient.get(`/settings/users/${rep.id}/edit`);
  t.match(timeline.body, /deactivated this user/);
  t.match(timeline.body, /reactivated this user/);
});

t.test('the last active admin cannot be demoted or deactivated (409)', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin', name: 'Only Admin' });
  const c = await loginAs(app, admin);
  const user = await app.db.selectFrom('users').selectAll().where('id', '=', admin.id).executeTakeFirstOrThrow();

  const deactivate = await c.post(`/settings/users/${admin.id}/deactivate`);
  t.equal(deactivate.statusCode, 409);
  t.match(deactivate.body, /last active admin/);
  const demote = await c.post(`/settings/users/${admin.id}`, { name: user.name, email: user.email, role: 'rep', version: user.version });
  t.equal(demote.statusCode, 409);
  const still = await app.db.selectFrom('users').selectAll().where('id', '=', admin.id).executeTakeFirstOrThrow();
  t.equal(still.role, 'admin');
  t.equal(still.is_active, 1);

  const second = await makeUser(app, { role: 'admin' });
  t.equal((await c.post(`/settings/users/${second.id}/deactivate`)).statusCode, 303, 'with two admins one may go');
  await c.get('/settings/users');
  t.equal((await c.post(`/settings/users/${admin.id}/deactivate`)).statusCode, 409);
});

t.test('editing a user records the change on their timeline by name; stale versions conflict', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const rep = await makeUser(app, { role: 'rep', name: 'Lee Before' });
  const c = await loginAs(app, admin);
  const form = await c.get(`/settings/users/${rep.id}/edit`);
  const version = Number(/name="version" value="(\d+)"/.exec(form.body)?.[1]);
  const res = await c.post(`/settings/users/${rep.id}`, { name: 'Lee After', email: rep.email, role: 'manager', version });
  t.equal(res.statusCode, 303);
  const page = await c.get(`/settings/users/${rep.id}/edit`);
  t.match(page.body, /Name:<\/span> <span class="tl-old">Lee Before<\/span> → <span class="tl-new">Lee After<\/span>/);
  t.match(page.body, /Role:<\/span> <span class="tl-old">rep<\/span> → <span class="tl-new">manager<\/span>/);
  const stale = await c.post(`/settings/users/${rep.id}`, { name: 'Lee Stale', email: rep.email, role: 'rep', version });
  t.equal(stale.statusCode, 409);
  t.match(stale.body, /changed by someone else/);
  t.equal((await c.get('/settings/users/99999/edit')).statusCode, 404);
  t.equal((await c.get('/settings/users/abc/edit')).statusCode, 404);
});

t.test('admins reset passwords; users change their own with the current one', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const rep = await makeUser(app, { role: 'rep' });
  const repSession = await loginAs(app, rep);
  const c = await loginAs(app, admin);
  t.equal((await c.post(`/settings/users/${rep.id}/reset-password`, { password: 'short' })).statusCode, 422);
  t.equal((await c.post(`/settings/users/${rep.id}/reset-password`, { password: 'brand-new-password' })).statusCode, 303);
  t.equal((await repSession.get('/')).statusCode, 303, 'their sessions end');
  const rc = await loginAs(app, { email: rep.email, password: 'brand-new-password' });

  const wrong = await rc.post('/profile/password', { current_password: 'nope', password: 'another-new-one', password_confirm: 'another-new-one' });
  t.equal(wrong.statusCode, 422);
  t.match(wrong.body, /not your current password/);
  const mismatch = await rc.post('/profile/password', { current_password: 'brand-new-password', password: 'another-new-one', password_confirm: 'different-one!' });
  t.equal(mismatch.statusCode, 422);
  t.match(mismatch.body, /do not match/);
  const ok = await rc.post('/profile/password', { current_password: 'brand-new-password', password: 'another-new-one', password_confirm: 'another-new-one' });
  t.equal(ok.statusCode, 303);
  t.equal((await rc.get('/profile')).statusCode, 200, 'this device stays signed in');
  await loginAs(app, { email: rep.email, password: 'another-new-one' });
});

t.test('profile: name and time zone', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app, { role: 'rep' });
  const c = await loginAs(app, rep);
  const bad = await c.post('/profile', { name: '', time_zone: 'Mars/Olympus' });
  t.equal(bad.statusCode, 422);
  t.match(bad.body, /Name is required/);
  t.match(bad.body, /Choose a time zone/);
  const ok = await c.post('/profile', { name: 'Renamed Rep', time_zone: 'Europe/Berlin' });
  t.equal(ok.statusCode, 303);
  const row = await app.db.selectFrom('users').selectAll().where('id', '=', rep.id).executeTakeFirstOrThrow();
  t.equal(row.name, 'Renamed Rep');
  t.equal(row.time_zone, 'Europe/Berlin');
  const page = await c.get('/profile');
  t.match(page.body, /Renamed Rep/);
});

t.test('text with <script> renders as text', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin', name: '<script>alert(1)</script>' });
  const c = await loginAs(app, admin);
  const page = await c.get('/settings/users');
  t.notMatch(page.body, /<script>alert\(1\)<\/script>/);
  t.match(page.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
});

t.test('settings index lists the sections a role may open; admins cannot deactivate themselves', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app, { role: 'rep' });
  const manager = await makeUser(app, { role: 'manager' });
  const admin = await makeUser(app, { role: 'admin' });
  await makeUser(app, { role: 'admin' });
  t.equal((await (await loginAs(app, rep)).get('/settings')).statusCode, 403, 'reps have no settings');
  const m = await (await loginAs(app, manager)).get('/settings');
  t.equal(m.statusCode, 200);
  t.same([...m.body.matchAll(/class="panel settings-card"><strong>([^<]+)</g)].map((x) => x[1]), ['Pipelines', 'Lead statuses', 'Directories']);
  const c = await loginAs(app, admin);
  const a = await c.get('/settings');
  t.same([...a.body.matchAll(/class="panel settings-card"><strong>([^<]+)</g)].map((x) => x[1]), ['CRM', 'Users', 'Pipelines', 'Lead statuses', 'Directories', 'Webhooks', 'API tokens', 'Security log']);
  t.match(a.body, /href="\/settings" class="active"/, 'the sidebar links the index');

  const list = await c.get('/settings/users');
  t.notMatch(list.body, new RegExp(`action="/settings/users/${admin.id}/deactivate"`), 'no Deactivate on your own row');
  t.match(list.body, new RegExp(`action="/settings/users/${manager.id}/deactivate"`));
  t.notMatch((await c.get(`/settings/users/${admin.id}/edit`)).body, /Deactivate user/);
  const self = await c.post(`/settings/users/${admin.id}/deactivate`);
  t.equal(self.statusCode, 409, 'refused even when asked directly');
  t.match(self.body, /cannot deactivate yourself/);
  t.equal((await app.db.selectFrom('users').select('is_active').where('id', '=', admin.id).executeTakeFirstOrThrow()).is_active, 1);
});

t.test('rows per list page: 25, 50 or 100, kept per user, back to the list it was chosen on', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app, { role: 'rep' });
  const other = await makeUser(app, { role: 'rep' });
  for (let i = 0; i < 60; i++) await makeCompany(app, rep, { name: `Company ${String(i).padStart(2, '0')}` });
  const c = await loginAs(app, rep);
  const rows = (body: string) => (body.match(/<tr id="company-/g) ?? []).length;
  const first = await c.get('/companies?q=Company');
  t.equal(rows(first.body), 25, 'the default');
  t.match(first.body, /name="page_size"/, 'the choice sits under the list');
  const set = await c.post('/profile/page-size', { page_size: '50', return_to: '/companies?q=Company&page=2' });
  t.equal(set.statusCode, 303);
  t.equal(set.headers.location, '/companies?q=Company', 'back to the same list, first page');
  t.equal(rows((await c.get('/companies?q=Company')).body), 50);
  t.equal(rows((await c.get('/companies')).body), 50, 'every list follows the choice');
  t.equal(rows((await (await loginAs(app, other)).get('/companies')).body), 25, 'another user keeps theirs');
  t.equal((await c.post('/profile/page-size', { page_size: '7', return_to: '/companies' })).statusCode, 422, 'only 25, 50 or 100');
  t.equal((await c.post('/profile/page-size', { page_size: '100', return_to: 'https://evil.example/x' })).headers.location, '/', 'never off our origin');
  const audit = await app.db.selectFrom('audit_entries').select('changes').where('entity_type', '=', 'user').where('entity_id', '=', rep.id).orderBy('id', 'desc').executeTakeFirstOrThrow();
  t.match(audit.changes, /list_page_size/, 'the change is audited');
});
