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

/* ---------- customer-groups (one file per area: tap starts a process per file) ---------- */
const groupForm = (over: Record<string, string | number> = {}) => ({ name: 'Wholesale', code: 'WHOLE', description: '', discount_percent: '', priority: '10', is_active: '1', ...over });

t.test('group rules: name, code unique case-insensitively, discount 0–100 with 2 decimals, priority required', async (t) => {
  const { app } = await buildTestApp(t);
  const manager = await makeUser(app, { role: 'manager' });
  await makeCustomerGroup(app, manager, { name: 'VIP', code: 'VIP' });
  const c = await loginAs(app, manager);
  const cases: [Record<string, string>, RegExp][] = [
    [{ name: '' }, /Name is required/],
    [{ code: '' }, /Code is required/],
    [{ code: 'vip' }, /Another group already uses this code/],
    [{ discount_percent: '100.01' }, /between 0 and 100/],
    [{ discount_percent: '-1' }, /from 0 to 100/],
    [{ discount_percent: '12.345' }, /at most 2 decimals/],
    [{ priority: '' }, /Priority is required/],
    [{ priority: '1.5' }, /whole number/],
  ];
  for (const [over, message] of cases) {
    const res = await c.post('/customer-groups', groupForm(over));
    t.equal(res.statusCode, 422, JSON.stringify(over));
    t.match(res.body, message);
  }
  const count = await app.db.selectFrom('customer_groups').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  t.equal(Number(count.n), 1, 'nothing written');
  const ok = await c.post('/customer-groups', groupForm({ discount_percent: '12.5' }));
  t.equal(ok.statusCode, 303);
  const row = await app.db.selectFrom('customer_groups').selectAll().where('code', '=', 'WHOLE').executeTakeFirstOrThrow();
  t.equal(row.discount_percent, 12.5);
  t.equal(row.priority, 10);
  t.equal((await c.post('/customer-groups', groupForm({ code: 'edge', discount_percent: '100' }))).statusCode, 303, '100 is allowed');
});

t.test('list shows stat cards, customer counts and filters by status; delete refused while customers are in the group', async (t) => {
  const { app } = await buildTestApp(t);
  const manager = await makeUser(app, { role: 'manager' });
  const vip = await makeCustomerGroup(app, manager, { name: 'VIP', code: 'VIP', discount_percent: 10 });
  await makeCustomerGroup(app, manager, { name: 'Dormant', code: 'OLD', is_active: 0 });
  await makeCustomer(app, manager, { name: 'A', customer_group_id: vip });
  await makeCustomer(app, manager, { name: 'B', customer_group_id: vip });
  const c = await loginAs(app, manager);
  const list = await c.get('/customer-groups');
  t.match(list.body, /Total groups<\/span><span class="stat-value">2</);
  t.match(list.body, /Active groups<\/span><span class="stat-value">1</);
  t.match(list.body, /With a discount<\/span><span class="stat-value">1</);
  t.match(list.body, /Customers in groups<\/span><span class="stat-value">2</);
  t.match(list.body, new RegExp(`customer_group_id=${vip}">2</a>`));
  const active = await c.get('/customer-groups?status=active');
  t.notMatch(active.body, /Dormant/);
  const del = await c.post(`/customer-groups/${vip}/delete`);
  t.equal(del.statusCode, 409);
  t.match(del.body, /VIP has 2 customers. Move or remove them first./);
  t.ok(await app.db.selectFrom('customer_groups').select('id').where('id', '=', vip).executeTakeFirst());
});

t.test('reps may view groups but not change them', async (t) => {
  const { app } = await buildTestApp(t);
  const manager = await makeUser(app, { role: 'manager' });
  const id = await makeCustomerGroup(app, manager, { name: 'VIP', code: 'VIP' });
  const c = await loginAs(app, await makeUser(app, { role: 'rep' }));
  t.equal((await c.get('/customer-groups')).statusCode, 200);
  t.equal((await c.get(`/customer-groups/${id}`)).statusCode, 200);
  t.equal((await c.post('/customer-groups', groupForm())).statusCode, 403);
  t.equal((await c.post(`/customer-groups/${id}/delete`)).statusCode, 403);
});

t.test('each group\'s customer count is kept exact through inserts, regrouping and deletes', async (t) => {
  const { app } = await buildTestApp(t);
  const manager = await makeUser(app, { role: 'manager' });
  const vip = await makeCustomerGroup(app, manager, { name: 'VIP', code: 'VIP' });
  const retail = await makeCustomerGroup(app, manager, { name: 'Retail', code: 'RET' });
  const a = await makeCustomer(app, manager, { name: 'A', customer_group_id: vip });
  await makeCustomer(app, manager, { name: 'B', customer_group_id: vip });
  await makeCustomer(app, manager, { name: 'C', customer_group_id: null });
  const counts = async () => Object.fromEntries((await app.db.selectFrom('customer_groups').select(['code', 'customers_count']).execute()).map((g) => [g.code, g.customers_count]));
  t.same(await counts(), { VIP: 2, RET: 0 });
  await app.db.updateTable('customers').set({ customer_group_id: retail }).where('id', '=', a).execute();
  t.same(await counts(), { VIP: 1, RET: 1 }, 'regrouped');
  await app.db.updateTable('customers').set({ customer_group_id: null }).where('id', '=', a).execute();
  t.same(await counts(), { VIP: 1, RET: 0 }, 'ungrouped');
  await app.db.deleteFrom('customers').where('name', '=', 'B').execute();
  t.same(await counts(), { VIP: 0, RET: 0 }, 'deleted');
  const c = await loginAs(app, manager);
  await makeCustomer(app, manager, { name: 'D', customer_group_id: retail });
  t.match((await c.get('/customer-groups')).body, new RegExp(`customer_group_id=${retail}">1<`), 'the list shows the kept count');
});
