import t from 'tap';
import { buildTestApp, loginAs } from '../../helpers/app.js';
import { makeCustomer, makeCustomerGroup, makeUser } from '../../helpers/factories.js';

const form = (over: Record<string, string | number> = {}) => ({ name: '', email: '', phone: '', company_id: '', customer_group_id: '', assigned_to: '', ...over });

t.test('customer name required; email unique case-insensitively', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  await makeCustomer(app, rep, { name: 'First', email: 'buyer@shop.test' });
  const c = await loginAs(app, rep);
  const missing = await c.post('/customers', form({ phone: '123' }));
  t.equal(missing.statusCode, 422);
  t.match(missing.body, /Name is required/);
  t.match(missing.body, /value="123"/);
  const dup = await c.post('/customers', form({ name: 'Second', email: 'BUYER@shop.TEST' }));
  t.equal(dup.statusCode, 422);
  t.match(dup.body, /Another customer already uses this email/);
  const ok = await c.post('/customers', form({ name: 'Second', email: 'other@shop.test' }));
  t.equal(ok.statusCode, 303);
});

t.test('customer list filters by group; edit is recorded by name', async (t) => {
  const { app } = await buildTestApp(t);
  const manager = await makeUser(app, { role: 'manager' });
  const vip = await makeCustomerGroup(app, manager, { name: 'VIP', code: 'VIP' });
  const retail = await makeCustomerGroup(app, manager, { name: 'Retail', code: 'RET' });
  const id = await makeCustomer(app, manager, { name: 'Big Buyer', customer_group_id: vip });
  await makeCustomer(app, manager, { name: 'Small Buyer' });
  const c = await loginAs(app, manager);
  const list = await c.get(`/customers?customer_group_id=${vip}`);
  t.match(list.body, /Big Buyer/);
  t.notMatch(list.body, /Small Buyer/);
  const edit = await c.get(`/customers/${id}/edit`);
  const version = /name="version" value="(\d+)"/.exec(edit.body)![1];
  t.equal((await c.post(`/customers/${id}`, form({ name: 'Big Buyer', customer_group_id: retail, version }))).statusCode, 303);
  const page = await c.get(`/customers/${id}`);
  t.match(page.body, /Customer group:<\/span> <span class="tl-old">VIP<\/span> → <span class="tl-new">Retail<\/span>/);
});
