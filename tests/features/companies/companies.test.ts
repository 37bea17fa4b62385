import t from 'tap';
import { buildTestApp, loginAs } from '../../helpers/app.js';
import { makeCompany, makeContact, makeCustomer, makeUser } from '../../helpers/factories.js';
import { setSetting } from '../../../src/features/settings/settings.queries.js';
const form = (over: Record<string, string | number> = {}) => ({
  name: 'Acme Corp', website: '', phone: '', email: '', street: '', city: '', state: '', postal_code: '', country: '',
  industry_id: '', size_id: '', description: '', assigned_to: '', is_active: '1', ...over,
});

t.test('create: name required, typed values kept, nothing written on 422', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app, { role: 'rep' });
  const c = await loginAs(app, rep);
  t.equal((await c.get('/companies/new')).statusCode, 200);
  const bad = await c.post('/companies', form({ name: '  ', city: 'Lyon', email: 'not-an-email', website: 'not a site' }));
  t.equal(bad.statusCode, 422);
  t.match(bad.body, /Name is required/);
  t.match(bad.body, /Enter a valid email address/);
  t.match(bad.body, /Enter a website like example.com/);
  t.match(bad.body, /value="Lyon"/, 'typed values kept');
  t.match(bad.body, /value="not-an-email"/);
  const count = await app.db.selectFrom('companies').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  t.equal(Number(count.n), 0);
});

t.test('create: bare website stored as https://, 303 to the record, audit entry written', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app, { role: 'rep' });
  const c = await loginAs(app, rep);
  const res = await c.post('/companies', form({ name: 'Acme Corp', website: 'example.com', email: 'Sales@Acme.test', assigned_to: rep.id }));
  t.equal(res.statusCode, 303);
  const row = await app.db.selectFrom('companies').selectAll().executeTakeFirstOrThrow();
  t.equal(res.headers.location, `/companies/${row.id}`);
  t.equal(row.website, 'https://example.com');
  t.equal(row.assigned_to, rep.id);
  const audit = await app.db.selectFrom('audit_entries').selectAll().where('entity_type', '=', 'company').where('entity_id', '=', row.id).execute();
  t.equal(audit.length, 1);
  t.equal(audit[0].action, 'created');
  const page = await c.get(`/companies/${row.id}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, /Acme Corp/);
  t.match(page.body, /https:\/\/example.com/);
});

t.test('company email is unique case-insensitively', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app, { role: 'rep' });
  await makeCompany(app, rep, { name: 'First', email: 'hello@acme.test' });
  const c = await loginAs(app, rep);
  const dup = await c.post('/companies', form({ name: 'Second', email: 'HELLO@Acme.TEST' }));
  t.equal(dup.statusCode, 422);
  t.match(dup.body, /Another company already uses this email/);
  t.match(dup.body, /value="Second"/);
});

t.test('edit: the timeline shows the changed field with old and new value by name', async (t) => {
  const { app } = await buildTestApp(t);
  const dana = await makeUser(app, { role: 'manager', name: 'Dana Whitfield' });
  const lee = await makeUser(app, { role: 'rep', name: 'Lee Okafor' });
  const id = await makeCompany(app, dana, { name: 'Acme', assigned_to: dana.id });
  const software = await app.db.selectFrom('industries').select('id').where('name', '=', 'Software').executeTakeFirstOrThrow();
  const c = await loginAs(app, dana);
  const edit = await c.get(`/companies/${id}/edit`);
  const version = /name="version" value="(\d+)"/.exec(edit.body)![1];
  const res = await c.post(`/companies/${id}`, form({ name: 'Acme', industry_id: software.id, assigned_to: lee.id, version }));
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, `/companies/${id}`);
  const page = await c.get(`/companies/${id}`);
  t.match(page.body, /Industry:<\/span> <span class="tl-old">—<\/span> → <span class="tl-new">Software<\/span>/);
  t.match(page.body, /Assigned to:<\/span> <span class="tl-old">Dana Whitfield<\/span> → <span class="tl-new">Lee Okafor<\/span>/);
  const stale = await c.post(`/companies/${id}`, form({ name: 'Acme stale', version }));
  t.equal(stale.statusCode, 409, 'a stale version is refused');
  t.match(stale.body, /changed by someone else/);
});

t.test('rights: a rep cannot edit, toggle or delete another rep\'s company (403); unassigned is fine', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app, { role: 'rep' });
  const other = await makeUser(app, { role: 'rep' });
  const theirs = await makeCompany(app, other, { name: 'Theirs', assigned_to: other.id });
  const nobodys = await makeCompany(app, other, { name: 'Nobodys' });
  const c = await loginAs(app, rep);
  t.equal((await c.get(`/companies/${theirs}`)).statusCode, 200, 'visible with rep_visibility = all');
  t.equal((await c.post(`/companies/${theirs}`, form({ name: 'Hijacked' }))).statusCode, 403);
  t.equal((await c.post(`/companies/${theirs}/toggle-active`)).statusCode, 403);
  t.equal((await c.post(`/companies/${theirs}/delete`)).statusCode, 403);
  const row = await app.db.selectFrom('companies').selectAll().where('id', '=', theirs).executeTakeFirstOrThrow();
  t.equal(row.name, 'Theirs');
  t.equal(row.is_active, 1);
  t.equal((await c.post(`/companies/${nobodys}`, form({ name: 'Claimed', assigned_to: rep.id }))).statusCode, 303);
});

t.test('rep_visibility = own limits lists, details (404), search and export to own records', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app, { role: 'rep' });
  const other = await makeUser(app, { role: 'rep' });
  const mine = await makeCompany(app, rep, { name: 'Mine Industries', assigned_to: rep.id });
  const theirs = await makeCompany(app, other, { name: 'Theirs Industries', assigned_to: other.id });
  await setSetting(app.db, 'rep_visibility', 'own');
  const c = await loginAs(app, rep);
  const list = await c.get('/companies');
  t.match(list.body, /Mine Industries/);
  t.notMatch(list.body, /Theirs Industries/);
  t.equal((await c.get(`/companies/${theirs}`)).statusCode, 404);
  t.equal((await c.get(`/companies/${mine}`)).statusCode, 200);
  const search = await c.get('/companies?q=industries');
  t.notMatch(search.body, /Theirs Industries/);
  const csv = await c.get('/companies/export.csv');
  t.match(csv.body, /Mine Industries/);
  t.notMatch(csv.body, /Theirs Industries/);
  const manager = await loginAs(app, await makeUser(app, { role: 'manager' }));
  t.match((await manager.get('/companies')).body, /Theirs Industries/, 'managers see all');
});

t.test('list: search, filters, sort, pagination and the rows fragment', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app, { role: 'rep' });
  const retail = await app.db.selectFrom('industries').select('id').where('name', '=', 'Retail').executeTakeFirstOrThrow();
  await makeCompany(app, rep, { name: 'Zephyr Retail', industry_id: retail.id, phone: '+1 555 0199' });
  await makeCompany(app, rep, { name: 'Alpha Software', website: 'https://alpha.example', is_active: 0 });
  for (let i = 0; i < 30; i++) await makeCompany(app, rep, { name: `Bulk ${String(i).padStart(2, '0')}` });
  const c = await loginAs(app, rep);

  const byPhone = await c.get('/companies?q=0199');
  t.match(byPhone.body, /Zephyr Retail/);
  t.notMatch(byPhone.body, /Alpha Software/);
  const byPrefix = await c.get('/companies?q=alph');
  t.match(byPrefix.body, /Alpha Software/, 'prefix search as you type');
  const byWebsite = await c.get('/companies?q=alpha.example');
  t.match(byWebsite.body, /Alpha Software/);
  const byIndustry = await c.get(`/companies?industry_id=${retail.id}`);
  t.match(byIndustry.body, /Zephyr Retail/);
  t.notMatch(byIndustry.body, /Bulk 00/);
  const inactive = await c.get('/companies?status=inactive');
  t.match(inactive.body, /Alpha Software/);
  t.notMatch(inactive.body, /Zephyr Retail/);

  const first = await c.get('/companies');
  t.match(first.body, /1–25 of 32/);
  t.match(first.body, /Alpha Software/);
  const desc = await c.get('/companies?sort=name&dir=desc');
  t.ok(desc.body.indexOf('Zephyr Retail') < desc.body.indexOf('Bulk 29'), 'sorted descending');
  const page2 = await c.get('/companies?page=2');
  t.match(page2.body, /26–32 of 32/);

  const fragment = await c.get('/companies?q=zephyr', { 'hx-request': 'true', 'hx-target': 'companies-rows' });
  t.match(fragment.body, /^<div id="companies-rows"/);
  t.notMatch(fragment.body, /<html/);
  t.match(String(fragment.headers.vary), /HX-Target/);
  const boosted = await c.get('/companies?q=zephyr', { 'hx-request': 'true' });
  t.match(boosted.body, /<html/, 'HX-Request alone gets the full page');
  t.equal((await c.get('/companies?sort=bogus&page=-3&status=weird')).statusCode, 200, 'bad query values fall back to defaults');
  t.equal((await c.get('/companies?q=%22%2A%28')).statusCode, 200, 'FTS syntax in a search is harmless');
});

t.test('toggle active flips in place (htmx) and as a plain form', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app, { role: 'rep' });
  const id = await makeCompany(app, rep, { name: 'Flip Co' });
  const c = await loginAs(app, rep);
  const res = await c.post(`/companies/${id}/toggle-active`, {}, { headers: { 'hx-request': 'true', 'hx-target': `company-active-${id}` } });
  t.equal(res.statusCode, 200);
  t.match(res.body, new RegExp(`^<form id="company-active-${id}"`));
  t.match(res.body, /aria-checked="false"/);
  t.equal((await app.db.selectFrom('companies').select('is_active').where('id', '=', id).executeTakeFirstOrThrow()).is_active, 0);
  const plain = await c.post(`/companies/${id}/toggle-active`);
  t.equal(plain.statusCode, 303);
  t.equal((await app.db.selectFrom('companies').select('is_active').where('id', '=', id).executeTakeFirstOrThrow()).is_active, 1);
  const audit = await app.db.selectFrom('audit_entries').select('changes').where('entity_type', '=', 'company').where('entity_id', '=', id).orderBy('id').execute();
  t.equal(audit.length, 3, 'created + two toggles');
});

t.test('delete is refused while customers or contacts point to the company (409, record kept)', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app, { role: 'rep' });
  const id = await makeCompany(app, rep, { name: 'Busy Co' });
  const customer = await makeCustomer(app, rep, { name: 'Buyer', company_id: id });
  await makeCustomer(app, rep, { name: 'Buyer 2', company_id: id });
  const contact = await makeContact(app, rep, { company_id: id });
  const c = await loginAs(app, rep);
  const res = await c.post(`/companies/${id}/delete`);
  t.equal(res.statusCode, 409);
  t.match(res.body, /Busy Co has 2 customers and 1 contact. Reassign or remove them first./);
  t.ok(await app.db.selectFrom('companies').select('id').where('id', '=', id).executeTakeFirst(), 'record kept');

  await c.get(`/customers/${customer}`);
  await c.post(`/customers/${customer}/delete`);
  const other = await app.db.selectFrom('customers').select('id').where('company_id', '=', id).executeTakeFirstOrThrow();
  await c.post(`/customers/${other.id}/delete`);
  await c.post(`/contacts/${contact}/delete`);
  const ok = await c.post(`/companies/${id}/delete`);
  t.equal(ok.statusCode, 303);
  t.equal(ok.headers.location, '/companies');
  t.equal(await app.db.selectFrom('companies').select('id').where('id', '=', id).executeTakeFirst(), undefined);
  t.equal((await c.get(`/companies/${id}`)).statusCode, 404);
});

t.test('missing records are 404', async (t) => {
  const { app } = await buildTestApp(t);
  const c = await loginAs(app, await makeUser(app));
  for (const url of ['/companies/999', '/companies/abc', '/companies/999/edit', '/contacts/999', '/customers/999', '/customer-groups/999']) {
    t.equal((await c.get(url)).statusCode, 404, url);
  }
  t.equal((await c.post('/companies/999', form())).statusCode, 404);
  t.equal((await c.post('/companies/999/delete')).statusCode, 404);
});

t.test('CSV export honours the filter and quotes commas, quotes and newlines', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  await makeCompany(app, rep, { name: 'Comma, Quote " and\nNewline Ltd', city: 'Paris' });
  await makeCompany(app, rep, { name: 'Plain Co', city: 'Rome' });
  const c = await loginAs(app, rep);
  const res = await c.get('/companies/export.csv?q=newline');
  t.equal(res.statusCode, 200);
  t.match(String(res.headers['content-type']), /text\/csv/);
  t.match(String(res.headers['content-disposition']), /attachment; filename="companies.csv"/);
  t.match(res.body, /"Comma, Quote "" and\nNewline Ltd"/);
  t.notMatch(res.body, /Plain Co/, 'the filter applies');
  const lines = res.body.replace(/^\uFEFF/, '').split('\r\n');
  t.match(lines[0], /^ID,Name,Email/);
});

t.test('text with <script> renders as text on list, detail and form', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const id = await makeCompany(app, rep, { name: '<script>alert("x")</script>', description: '<img src=x onerror=alert(1)>' });
  const c = await loginAs(app, rep);
  for (const url of ['/companies', `/companies/${id}`, `/companies/${id}/edit`, '/companies?q=script']) {
    const body = (await c.get(url)).body;
    t.notMatch(body, /<script>alert/, url);
    t.notMatch(body, /<img src=x/, url);
  }
});

t.test('company selects on other forms find companies by typing', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  for (let i = 0; i < 60; i++) await makeCompany(app, rep, { name: `Aardvark ${String(i).padStart(2, '0')}` });
  const zulu = await makeCompany(app, rep, { name: 'Zulu Freight' });
  const c = await loginAs(app, rep);
  const res = await c.get('/companies/options?company_id_search=zulu');
  t.match(res.body, new RegExp(`<option value="${zulu}" >Zulu Freight</option>`));
  t.notMatch(res.body, /Aardvark/);
  const kept = await c.get(`/companies/options?company_id_search=aard&company_id=${zulu}`);
  t.match(kept.body, new RegExp(`<option value="${zulu}" selected>Zulu Freight`), 'the current choice stays');
  t.equal((kept.body.match(/<option/g) ?? []).length, 52, 'blank + 50 matches + the current one');
  const form = await c.get('/contacts/new');
  t.match(form.body, /<select id="f-company_id" name="company_id"\s+data-pick="company"/, 'forms pick a company by typing (/pick/company)');
});

t.test('CSV "Created at" is the viewer’s local time, readable by a spreadsheet', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const id = await makeCompany(app, rep, { name: 'Clocked Ltd', assigned_to: rep.id });
  await app.db.updateTable('companies').set({ created_at: '2026-11-24T23:30:00.000Z' }).where('id', '=', id).execute();
  await app.db.updateTable('users').set({ time_zone: 'Europe/Berlin' }).where('id', '=', rep.id).execute();
  const c = await loginAs(app, rep);
  const csv = (await c.get('/companies/export.csv')).body;
  t.match(csv, /Clocked Ltd[^\r\n]*,2026-11-25 00:30\r\n/, 'Berlin is an hour ahead: past midnight');
  t.notMatch(csv, /2026-11-24T23:30/, 'no raw ISO string');
});

/* ---------- contacts (one file per area: tap starts a process per file) ---------- */
const contactForm = (over: Record<string, string | number> = {}) => ({ first_name: '', last_name: '', position: '', email: '', phone: '', company_id: '', assigned_to: '', ...over });

t.test('a contact needs a first or a last name; email must be valid', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const c = await loginAs(app, rep);
  const bad = await c.post('/contacts', contactForm({ position: 'CEO', email: 'nope' }));
  t.equal(bad.statusCode, 422);
  t.match(bad.body, /Enter a first or a last name/);
  t.match(bad.body, /Enter a valid email address/);
  t.match(bad.body, /value="CEO"/);
  t.equal((await c.post('/contacts', contactForm({ last_name: 'Only' }))).statusCode, 303, 'a last name alone is enough');
  const first = await c.post('/contacts', contactForm({ first_name: 'Just' }));
  t.equal(first.statusCode, 303, 'a first name alone is enough');
  t.match(String(first.headers.location), /^\/contacts\/\d+$/);
  const badCompany = await c.post('/contacts', contactForm({ first_name: 'X', company_id: 9999 }));
  t.equal(badCompany.statusCode, 422);
  t.match(badCompany.body, /Choose a company from the list/);
});

t.test('contacts list: search and company filter; company detail lists its contacts', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const acme = await makeCompany(app, rep, { name: 'Acme' });
  await makeContact(app, rep, { first_name: 'Jane', last_name: 'Roe', email: 'jane@acme.test', company_id: acme });
  await makeContact(app, rep, { first_name: 'John', last_name: 'Smith' });
  const c = await loginAs(app, rep);
  const search = await c.get('/contacts?q=jane%40acme');
  t.match(search.body, /Jane Roe/);
  t.notMatch(search.body, /John Smith/);
  const byCompany = await c.get(`/contacts?company_id=${acme}`);
  t.match(byCompany.body, /Jane Roe/);
  t.notMatch(byCompany.body, /John Smith/);
  const none = await c.get('/contacts?company_id=none');
  t.match(none.body, /John Smith/);
  t.notMatch(none.body, /Jane Roe/);
  t.match((await c.get(`/companies/${acme}`)).body, /Jane Roe/);
  const csv = await c.get(`/contacts/export.csv?company_id=${acme}`);
  t.match(csv.body, /Jane,Roe/);
  t.notMatch(csv.body, /Smith/);
});

t.test('deleting a contact leaves a trace on its company timeline', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const acme = await makeCompany(app, rep, { name: 'Acme' });
  const id = await makeContact(app, rep, { first_name: 'Gone', last_name: 'Soon', company_id: acme });
  const c = await loginAs(app, rep);
  t.equal((await c.post(`/contacts/${id}/delete`)).statusCode, 303);
  const page = await c.get(`/companies/${acme}`);
  t.match(page.body, /removed a related record/);
  t.match(page.body, /Contact:<\/span> <span class="tl-old">Gone Soon<\/span>/);
});

t.test('a record added from another page goes back there; never to another site', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const acme = await makeCompany(app, rep, { name: 'Return Acme', assigned_to: rep.id });
  const c = await loginAs(app, rep);
  const page = await c.get(`/companies/${acme}`);
  t.match(page.body, new RegExp(`/contacts/new\\?company_id=${acme}&(amp;)?return_to=/companies/${acme}`), 'Add contact carries the way back');
  const newForm = await c.get(`/contacts/new?company_id=${acme}&return_to=/companies/${acme}`);
  t.match(newForm.body, new RegExp(`name="return_to" value="/companies/${acme}"`));
  t.match(newForm.body, new RegExp(`href="/companies/${acme}">Cancel`), 'Cancel goes back too');
  const bad = await c.post('/contacts', contactForm({ company_id: acme, return_to: `/companies/${acme}` }));
  t.equal(bad.statusCode, 422);
  t.match(bad.body, new RegExp(`name="return_to" value="/companies/${acme}"`), 'kept through a 422');
  const ok = await c.post('/contacts', contactForm({ first_name: 'Rowan', last_name: 'Back', company_id: acme, return_to: `/companies/${acme}` }));
  t.equal(ok.headers.location, `/companies/${acme}`);
  const evil = await c.post('/contacts', contactForm({ first_name: 'Eve', last_name: 'Out', return_to: '//evil.example/x' }));
  t.match(String(evil.headers.location), /^\/contacts\/\d+$/, 'an outside address is ignored');
});
