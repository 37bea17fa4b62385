import t from 'tap';
import { buildTestApp, loginAs } from '../../helpers/app.js';
import { makeCompany, makeContact, makeCustomer, makeDeal, makeUser } from '../../helpers/factories.js';
import { setSetting } from '../../../src/features/settings/settings.queries.js';

t.test('global search finds companies, contacts, customers and deals, grouped, visibility applied', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const other = await makeUser(app);
  await makeCompany(app, rep, { name: 'Zenith Labs', assigned_to: rep.id });
  await makeContact(app, rep, { first_name: 'Zed', last_name: 'Zenith', assigned_to: rep.id });
  await makeCustomer(app, rep, { name: 'Zenith Retail', assigned_to: rep.id });
  const deal = await makeDeal(app, rep, { title: 'Zenith expansion' });
  await makeCompany(app, other, { name: 'Zenith Hidden', assigned_to: other.id });
  const c = await loginAs(app, rep);
  const frag = await c.get('/search?q=zeni', { 'hx-request': 'true', 'hx-target': 'global-search-results' });
  t.match(frag.body, /^<div id="global-search-results"/);
  for (const text of ['Deals', 'Companies', 'Contacts', 'Customers', 'Zenith Labs', 'Zed Zenith', 'Zenith Retail', 'Zenith expansion']) t.match(frag.body, text);
  t.match((await c.get(`/search?q=D-${deal}`)).body, /Zenith expansion/, 'deal keys are found');
  await setSetting(app.db, 'rep_visibility', 'own');
  const own = await c.get('/search?q=zenith');
  t.notMatch(own.body, /Zenith Hidden/);
  t.match(own.body, /Zenith Labs/);
  const none = await c.get('/search?q=qqqxxx');
  t.match(none.body, /Nothing matches/);
  const empty = await c.get('/search?q=', { 'hx-request': 'true', 'hx-target': 'global-search-results' });
  t.equal(empty.body.trim(), '<div id="global-search-results" class="search-results" role="region" aria-label="Search results"></div>');
});

t.test('global search shows the best few per kind and links to the rest, counting only what it shows', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const now = new Date().toISOString();
  const ins = app.sqlite.prepare('insert into companies (name, is_active, created_at, updated_at) values (?, 1, ?, ?)');
  app.sqlite.transaction(() => {
    for (let i = 0; i < 1_100; i++) ins.run(`Quasar ${String(i).padStart(4, '0')}`, now, now);
  })();
  await makeCompany(app, admin, { name: 'Pulsar One' });
  await makeCompany(app, admin, { name: 'Pulsar Two' });
  const c = await loginAs(app, admin);
  const frag = (q: string) => c.get(`/search?q=${q}`, { 'hx-request': 'true', 'hx-target': 'global-search-results' });
  const broad = (await frag('quasar')).body;
  t.equal([...broad.matchAll(/href="\/companies\/\d+"/g)].length, 5, 'five companies shown');
  t.match(broad, /href="\/companies\?q=quasar">All matching companies ›/, 'and a link to all of them');
  t.notMatch(broad, /\(\d/, 'no count over a broad term');
  const few = (await frag('pulsar')).body;
  t.match(few, /Companies <span class="muted">\(2\)<\/span>/, 'a whole result counts itself');
  t.notMatch(few, /All matching/);
});

t.test('a picker finds companies, contacts and customers as the user types, within what the viewer may see', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const other = await makeUser(app);
  const acme = await makeCompany(app, rep, { name: 'Quill Acme', assigned_to: rep.id });
  const beta = await makeCompany(app, rep, { name: 'Quill Beta', assigned_to: rep.id });
  await makeCompany(app, other, { name: 'Quill Hidden', assigned_to: other.id });
  await makeContact(app, rep, { first_name: 'Quinn', last_name: 'Atacme', company_id: acme, assigned_to: rep.id });
  await makeContact(app, rep, { first_name: 'Quinn', last_name: 'Atbeta', company_id: beta, assigned_to: rep.id });
  await makeCustomer(app, rep, { name: 'Quill Acme Retail', company_id: acme, assigned_to: rep.id });
  const c = await loginAs(app, rep);
  const json = async (url: string) => JSON.parse((await c.get(url)).body) as { value: number; label: string }[];
  t.same((await json('/pick/company?q=quill')).map((o) => o.label).sort(), ['Quill Acme', 'Quill Beta', 'Quill Hidden']);
  t.same((await json('/pick/contact?q=quinn')).map((o) => o.label).sort(), ['Quinn Atacme · Quill Acme', 'Quinn Atbeta · Quill Beta'], 'contacts name their company');
  t.same((await json(`/pick/contact?q=quinn&company_id=${acme}`)).map((o) => o.label), ['Quinn Atacme'], 'narrowed to the chosen company');
  t.same((await json('/pick/customer?q=quill')).map((o) => o.value), [await app.db.selectFrom('customers').select('id').executeTakeFirstOrThrow().then((r) => r.id)]);
  t.same(await json('/pick/company?q='), [], 'nothing typed, nothing offered');
  await setSetting(app.db, 'rep_visibility', 'own');
  t.same((await json('/pick/company?q=quill')).map((o) => o.label).sort(), ['Quill Acme', 'Quill Beta'], 'own: others’ companies are not offered');
  t.equal((await c.get('/pick/constructor?q=x')).statusCode, 404);
  t.equal((await c.get('/pick/deal?q=x')).statusCode, 404);
  t.equal((await c.get('/pick/company?q=' + encodeURIComponent('"*('))).statusCode, 200, 'any typing is safe');
});
