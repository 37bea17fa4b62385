import t from 'tap';
import { buildTestApp, loginAs } from '../../helpers/app.js';
import { makeCompany, makeContact, makeUser } from '../../helpers/factories.js';

const form = (over: Record<string, string | number> = {}) => ({ first_name: '', last_name: '', position: '', email: '', phone: '', company_id: '', assigned_to: '', ...over });

t.test('a contact needs a first or a last name; email must be valid', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const c = await loginAs(app, rep);
  const bad = await c.post('/contacts', form({ position: 'CEO', email: 'nope' }));
  t.equal(bad.statusCode, 422);
  t.match(bad.body, /Enter a first or a last name/);
  t.match(bad.body, /Enter a valid email address/);
  t.match(bad.body, /value="CEO"/);
  t.equal((await c.post('/contacts', form({ last_name: 'Only' }))).statusCode, 303, 'a last name alone is enough');
  const first = await c.post('/contacts', form({ first_name: 'Just' }));
  t.equal(first.statusCode, 303, 'a first name alone is enough');
  t.match(String(first.headers.location), /^\/contacts\/\d+$/);
  const badCompany = await c.post('/contacts', form({ first_name: 'X', company_id: 9999 }));
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
  const bad = await c.post('/contacts', form({ company_id: acme, return_to: `/companies/${acme}` }));
  t.equal(bad.statusCode, 422);
  t.match(bad.body, new RegExp(`name="return_to" value="/companies/${acme}"`), 'kept through a 422');
  const ok = await c.post('/contacts', form({ first_name: 'Rowan', last_name: 'Back', company_id: acme, return_to: `/companies/${acme}` }));
  t.equal(ok.headers.location, `/companies/${acme}`);
  const evil = await c.post('/contacts', form({ first_name: 'Eve', last_name: 'Out', return_to: '//evil.example/x' }));
  t.match(String(evil.headers.location), /^\/contacts\/\d+$/, 'an outside address is ignored');
});
