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
