import t from 'tap';
import { buildTestApp, loginAs } from '../../helpers/app.js';
import { makeCompany, makeContact, makeCustomer, makeUser, stagesOf } from '../../helpers/factories.js';
import { setSetting } from '../../../src/features/settings/settings.queries.js';

/**
 * The three leaks found in review (rep_visibility = own): option lookups that loaded the "current"
 * record unscoped, and link checks on create that accepted records the rep cannot see.
 */
t.test('a rep with own visibility cannot read or link another rep\'s company, customer or contact', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const other = await makeUser(app);
  const company = await makeCompany(app, other, { name: 'Secretco Holdings', assigned_to: other.id });
  const customer = await makeCustomer(app, other, { name: 'Hidden Buyer', assigned_to: other.id });
  const contact = await makeContact(app, other, { first_name: 'Quiet', last_name: 'Person', assigned_to: other.id });
  await setSetting(app.db, 'rep_visibility', 'own');
  const c = await loginAs(app, rep);

  const options = await c.get(`/companies/options?company_id=${company}`);
  t.equal(options.statusCode, 200);
  t.notMatch(options.body, /Secretco/, 'type-to-find does not name a company the rep cannot see');

  const parties = await c.get(`/deals/parties?customer_id=${customer}&contact_ids=${contact}`);
  t.equal(parties.statusCode, 200);
  t.notMatch(parties.body, /Hidden Buyer/, 'customer options do not name an invisible customer');
  t.notMatch(parties.body, /Quiet/, 'contact options do not name an invisible contact');

  const newDeal = await c.get(`/deals/new?company_id=${company}&customer_id=${customer}`);
  t.notMatch(newDeal.body, /Secretco|Hidden Buyer/, 'the new-deal form does not name them either');

  const { pipeline } = await stagesOf(app);
  const res = await c.post('/deals', {
    title: 'Sneaky', value: '', expected_close_date: '', probability: '', pipeline_id: pipeline.id, stage_id: '',
    company_id: company, customer_id: customer, contact_ids: [String(contact)], assigned_to: rep.id, description: '', lost_reason_id: '', lost_reason: '',
  });
  t.equal(res.statusCode, 422, 'linking invisible records is refused');
  t.match(res.body, /Choose a company from the list/);
  t.match(res.body, /Choose a customer from the list/);
  t.match(res.body, /Choose contacts from the list/);
  t.notMatch(res.body, /Secretco|Hidden Buyer|Quiet Person/, 'the 422 form does not name them');
  const deals = await app.db.selectFrom('deals').select('id').execute();
  t.equal(deals.length, 0, 'nothing written');

  const contactRes = await c.post('/contacts', { first_name: 'New', last_name: 'Person', company_id: company, assigned_to: rep.id });
  t.equal(contactRes.statusCode, 422, 'a contact cannot be linked to an invisible company');
  const customerRes = await c.post('/customers', { name: 'New Buyer', email: '', phone: '', company_id: company, customer_group_id: '', assigned_to: rep.id });
  t.equal(customerRes.statusCode, 422, 'a customer cannot be linked to an invisible company');
  t.equal((await app.db.selectFrom('contacts').select('id').execute()).length, 1);
  t.equal((await app.db.selectFrom('customers').select('id').execute()).length, 1);
});
