import t from 'tap';
import { buildTestApp, loginAs } from '../../helpers/app.js';
import { makeCompany, makeContact, makeCustomer, makeCustomerGroup, makeDeal, makeLead, makeTask, makeUser } from '../../helpers/factories.js';

/** Whatever a user types into a URL or a form, the answer is never a 500. */
t.test('junk query strings and form bodies never produce a 500', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const company = await makeCompany(app, admin, { name: 'Acme' });
  const contact = await makeContact(app, admin);
  const customer = await makeCustomer(app, admin);
  const group = await makeCustomerGroup(app, admin);
  const deal = await makeDeal(app, admin);
  const lead = await makeLead(app, admin, { contact_email: 'junk@lead.test' });
  const task = await makeTask(app, admin, { title: 'Junk-proof task' }, { type: 'deal', id: deal });
  const c = await loginAs(app, admin);
  const junk = ['', 'x', '-1', '0', '1e309', '99999999999999999999', "'; drop table deals; --", '"*(', '%00', 'a'.repeat(5000), 'NaN', '[]', 'me'];
  const lists = ['/companies', '/contacts', '/customers', '/customer-groups', '/deals', '/deals/board', '/leads', '/leads/board', '/tasks', '/tasks/mine', '/tasks/export.csv', '/', '/reports/forecast', '/reports/forecast.csv', '/reports/dynamics', '/reports/dynamics.csv', '/reports/conversion', '/reports/conversion.csv', '/reports/performance', '/reports/performance.csv', '/import', '/import/1', '/import/1/skipped.csv', '/import/1/progress', '/search', '/companies/options', '/settings/users', '/settings/directories/industries', '/settings/pipelines'];
  const keys = ['q', 'page', 'sort', 'dir', 'status', 'industry_id', 'assigned_to', 'company_id', 'customer_group_id', 'pipeline_id', 'stage_id', 'close_from', 'close_to', 'after', 'before', 'lead_status_id', 'lead_source_id', 'campaign_id', 'product_id', 'type', 'priority', 'related', 'due_from', 'due_to', 'period', 'from', 'to', 'table'];
  let checked = 0;
  for (const path of lists) {
    for (const v of junk) {
      const qs = keys.map((k) => `${k}=${encodeURIComponent(v)}`).join('&') + `&${keys[0]}=${encodeURIComponent(v)}`;
      const res = await c.get(`${path}?${qs}`);
      checked++;
      if (res.statusCode >= 500) t.fail(`${path}?… with ${JSON.stringify(v.slice(0, 20))} → ${res.statusCode}`);
    }
  }
  const posts: [string, string[]][] = [
    ['/companies', ['name', 'website', 'email', 'industry_id', 'size_id', 'assigned_to', 'is_active']],
    [`/companies/${company}`, ['name', 'version', 'industry_id', 'website']],
    ['/contacts', ['first_name', 'company_id', 'email']],
    [`/contacts/${contact}`, ['first_name', 'version']],
    ['/customers', ['name', 'email', 'customer_group_id']],
    [`/customers/${customer}`, ['name', 'version']],
    ['/customer-groups', ['name', 'code', 'discount_percent', 'priority']],
    [`/customer-groups/${group}`, ['name', 'code', 'priority', 'version']],
    ['/deals', ['title', 'value', 'pipeline_id', 'stage_id', 'contact_ids', 'expected_close_date', 'probability']],
    [`/deals/${deal}`, ['title', 'pipeline_id', 'version', 'contact_ids']],
    [`/deals/${deal}/move`, ['stage_id', 'lost_reason_id', 'board_assigned_to']],
    ['/leads', ['title', 'value', 'contact_email', 'lead_status_id', 'lead_source_id', 'campaign_id', 'product_id', 'assigned_to']],
    [`/leads/${lead}`, ['title', 'version', 'lead_status_id', 'contact_email']],
    [`/leads/${lead}/move`, ['lead_status_id', 'board_assigned_to']],
    [`/tasks/${task}`, ['title', 'type', 'priority', 'status', 'due_date', 'due_time', 'assigned_to', 'description', 'version']],
    [`/deals/${deal}/tasks`, ['title', 'type', 'priority', 'due_date', 'due_time', 'assigned_to', 'description']],
    [`/leads/${lead}/convert`, ['customer_name', 'customer_email', 'company_mode', 'company_id', 'create_deal', 'pipeline_id', 'stage_id', 'deal_value', 'expected_close_date']],
    [`/companies/${company}/notes`, ['body']],
    ['/settings/users', ['name', 'email', 'password', 'role']],
    ['/settings/directories/products', ['name', 'price_cents', 'code']],
    ['/settings/directories/industries/reorder', ['ids']],
    ['/settings/pipelines', ['name', 'is_default']],
    ['/settings/pipelines/1/stages', ['name', 'color', 'probability', 'rotting_days']],
    ['/profile', ['name', 'time_zone']],
    ['/login', ['email', 'password', 'next']],
  ];
  for (const [url, fields] of posts) {
    for (const v of junk) {
      const form: Record<string, string[]> = {};
      for (const f of fields) form[f] = [v, v];
      const res = await c.post(url, form);
      checked++;
      if (res.statusCode >= 500) t.fail(`POST ${url} with ${JSON.stringify(v.slice(0, 20))} → ${res.statusCode}: ${res.body.slice(0, 200)}`);
    }
  }
  t.ok(checked > 300, `${checked} requests, none answered 5xx`);
});
