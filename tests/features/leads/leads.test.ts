import t from 'tap';
import { buildTestApp, loginAs } from '../../helpers/app.js';
import { leadStatuses, makeCompany, makeCustomer, makeLead, makeUser, stagesOf } from '../../helpers/factories.js';
import { setSetting } from '../../../src/features/settings/settings.queries.js';
type App = Awaited<ReturnType<typeof buildTestApp>>['app'];

const form = (over: Record<string, string | number> = {}) => ({
  title: 'Acme website', description: '', contact_name: 'Ada Lovelace', contact_email: 'ada@acme.test', contact_phone: '+1 555 0100', company_name: 'Acme',
  value: '5,000', lead_source_id: '', campaign_id: '', product_id: '', lead_status_id: '', assigned_to: '', ...over,
});

const convertForm = (over: Record<string, string | number> = {}) => ({
  customer_name: 'Ada Lovelace', customer_email: 'ada@acme.test', customer_phone: '', company_mode: 'none', company_id: '', company_new_name: '',
  create_deal: '0', deal_title: '', deal_value: '', pipeline_id: '', stage_id: '', expected_close_date: '', ...over,
});

const history = (app: App, id: number) => app.db.selectFrom('lead_status_history').selectAll().where('lead_id', '=', id).orderBy('id').execute();
const leadRow = (app: App, id: number) => app.db.selectFrom('leads').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const count = async (app: App, table: 'customers' | 'companies' | 'deals' | 'contacts' | 'leads' | 'audit_entries') =>
  Number((await app.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
const idFrom = (location: unknown) => Number(/\/leads\/(\d+)$/.exec(String(location))![1]);

t.test('create, edit, list, detail, export, search, delete', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const status = await leadStatuses(app);
  const c = await loginAs(app, rep);
  t.equal((await c.get('/leads/new')).statusCode, 200);
  const res = await c.post('/leads', form({ assigned_to: rep.id }));
  t.equal(res.statusCode, 303);
  const id = idFrom(res.headers.location);
  const lead = await leadRow(app, id);
  t.equal(lead.lead_status_id, status('New').id, 'the default status');
  t.equal(lead.value_cents, 500_000, 'money in cents');
  const page = await c.get(`/leads/${id}`);
  t.match(page.body, new RegExp(`L-${id}`), 'the key on the detail page');
  t.match(page.body, /Ada Lovelace/);
  t.match(page.body, /created this lead/, 'the timeline');

  const list = await c.get('/leads');
  t.match(list.body, /Acme website/);
  t.match(list.body, new RegExp(`L-${id}`), 'the key in the list');
  t.match(list.body, /class="badge stage-badge" style="background: #64748b/, 'status badge in its colour');
  t.match((await c.get(`/leads?q=L-${id}`)).body, /Acme website/, 'search by key');
  t.match((await c.get('/leads?q=lovelace')).body, /Acme website/, 'search by contact name');
  t.notMatch((await c.get('/leads?q=zebra')).body, /Acme website/);
  t.match((await c.get(`/leads?lead_status_id=${status('New').id}`)).body, /Acme website/, 'filter by status');
  t.notMatch((await c.get(`/leads?lead_status_id=${status('Contacted').id}`)).body, /Acme website/);
  t.notMatch((await c.get('/leads?lead_source_id=none&campaign_id=999')).body, /Acme website/, 'filter by campaign');
  t.match((await c.get(`/leads?assigned_to=${rep.id}&lead_source_id=none&campaign_id=none`)).body, /Acme website/, 'filter by assignee, no source, no campaign');
  for (const q of ['ada@acme.test', '0100', 'acme', `L-${id}`]) t.match((await c.get(`/search?q=${encodeURIComponent(q)}`)).body, /Acme website/, `global search: ${q}`);
  const csv = await c.get('/leads/export.csv');
  t.match(csv.body, /Key,Title,Status,Contact name/);
  t.match(csv.body, new RegExp(`L-${id},Acme website,New,Ada Lovelace,ada@acme.test,'\\+1 555 0100,Acme,5000.00`), 'a phone starting with + is neutralized for spreadsheets');
  t.match((await c.get('/leads?sort=status&dir=desc')).body, /Acme website/, 'sort by status');
  t.match((await c.get('/leads?stage=open')).body, /Acme website/, 'open leads (?stage=, for links such as a report\'s)');
  t.notMatch((await c.get('/leads?stage=converted')).body, /Acme website/, 'converted leads');
  t.equal((await c.get('/leads?sort=nope&page=abc&lead_status_id=x')).statusCode, 200, 'bad query parameters do not break the list');

  const edited = await c.post(`/leads/${id}`, form({ title: 'Acme website v2', assigned_to: rep.id, lead_status_id: status('Contacted').id, version: 1 }));
  t.equal(edited.statusCode, 303);
  t.equal((await leadRow(app, id)).lead_status_id, status('Contacted').id);
  t.match((await c.get(`/leads/${id}`)).body, /moved this lead/);
  const stale = await c.post(`/leads/${id}`, form({ title: 'Old tab', version: 1 }));
  t.equal(stale.statusCode, 409, 'a stale form is refused');

  const gone = await c.post(`/leads/${id}/delete`);
  t.equal(gone.statusCode, 303);
  t.equal(await count(app, 'leads'), 0);
  t.equal((await history(app, id)).length, 0, 'history goes with the lead');
});

t.test('contact email is unique across leads, case-insensitively; 422 keeps the form; nothing written', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const c = await loginAs(app, rep);
  await makeLead(app, rep, { title: 'First', contact_email: 'Ada@Acme.test' });
  const dup = await c.post('/leads', form({ title: 'Second', contact_email: 'ada@ACME.test' }));
  t.equal(dup.statusCode, 422);
  t.match(dup.body, /Another lead already uses this email/);
  t.match(dup.body, /value="Second"/, 'what was typed is kept');
  t.equal(await count(app, 'leads'), 1, 'nothing written');
  const bad = await c.post('/leads', form({ title: '', contact_email: 'nope', value: '-3', lead_source_id: '9999' }));
  t.equal(bad.statusCode, 422);
  t.match(bad.body, /Title is required/);
  t.match(bad.body, /valid email/);
  t.match(bad.body, /Enter an amount/);
  const own = await makeLead(app, rep, { title: 'Own', contact_email: 'own@acme.test' });
  t.equal((await c.post(`/leads/${own}`, form({ title: 'Own', contact_email: 'OWN@acme.test', version: 1 }))).statusCode, 303, 'a lead keeps its own email in another case');
  t.equal((await c.post('/leads', form({ contact_email: 'fresh@acme.test', lead_source_id: '9999' }))).statusCode, 422, 'an unknown source is refused');
});

t.test('every status change appends lead_status_history in the same write: form, board move, conversion', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const status = await leadStatuses(app);
  const c = await loginAs(app, rep);
  const id = idFrom((await c.post('/leads', form({ assigned_to: rep.id }))).headers.location);
  let h = await history(app, id);
  t.same(h.map((r) => [r.from_status_id, r.to_status_id, r.user_id]), [[null, status('New').id, rep.id]], 'created: one row');

  await c.post(`/leads/${id}`, form({ assigned_to: rep.id, lead_status_id: status('Contacted').id, version: 1 }));
  const moved = await c.post(`/leads/${id}/move`, { lead_status_id: status('Qualified').id }, { headers: { 'hx-request': 'true', 'hx-target': `lead-${id}` } });
  t.equal(moved.statusCode, 200);
  t.match(moved.body, new RegExp(`hx-swap-oob="afterbegin:#status-cards-${status('Qualified').id}"`), 'the card goes to its new column');
  t.match(moved.body, new RegExp(`id="status-head-${status('Contacted').id}"[\\s\\S]*?column-count[^>]*>0<`), 'the old column head');
  t.match(moved.body, new RegExp(`id="status-head-${status('Qualified').id}"[\\s\\S]*?column-count[^>]*>1<`), 'the new column head');
  t.match(moved.body, /moved to Qualified/);
  t.equal((await c.post(`/leads/${id}/move`, { lead_status_id: status('Qualified').id })).statusCode, 303, 'same status: nothing to do');
  h = await history(app, id);
  t.equal(h.length, 3, 'form and move each add one row; staying adds none');

  const target = await c.post(`/leads/${id}/move`, { lead_status_id: status('Converted').id });
  t.equal(target.statusCode, 409, 'the conversion target is reached by converting');
  t.match(target.body, /Use Convert/);
  const viaForm = await c.post(`/leads/${id}`, form({ assigned_to: rep.id, lead_status_id: status('Converted').id, version: 3 }));
  t.equal(viaForm.statusCode, 422, 'nor by the form');
  t.equal((await history(app, id)).length, 3);

  const lost = await c.post(`/leads/${id}/move`, { lead_status_id: status('Lost').id }, { headers: { 'hx-request': 'true', 'hx-target': `lead-${id}` } });
  t.equal(lost.statusCode, 200);
  t.notMatch(lost.body, /hx-swap-oob="afterbegin/, 'a final status is not on the board: the card leaves it');
  await c.post(`/leads/${id}/move`, { lead_status_id: status('Qualified').id });
  const { pipeline } = await stagesOf(app);
  t.equal((await c.post(`/leads/${id}/convert`, convertForm({ create_deal: '1', deal_title: 'Acme deal', pipeline_id: pipeline.id }))).statusCode, 303);
  h = await history(app, id);
  t.same(h.slice(-1).map((r) => [r.from_status_id, r.to_status_id]), [[status('Qualified').id, status('Converted').id]], 'conversion adds the last row');
  t.equal(h.length, 6);
  t.equal((await c.post(`/leads/${id}/move`, { lead_status_id: status('New').id })).statusCode, 409, 'a converted lead keeps its status');
});

t.test('conversion: each company option, with and without a deal; links and timelines on every record', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const status = await leadStatuses(app);
  const { pipeline, by } = await stagesOf(app);
  const c = await loginAs(app, rep);

  // None, no deal.
  const a = await makeLead(app, rep, { title: 'Plain', contact_name: 'Pat Plain', contact_email: 'pat@plain.test' });
  t.equal((await c.get(`/leads/${a}/convert`)).statusCode, 200);
  let res = await c.post(`/leads/${a}/convert`, convertForm({ customer_name: 'Pat Plain', customer_email: 'pat@plain.test' }));
  t.equal(res.statusCode, 303);
  let lead = await leadRow(app, a);
  t.equal(lead.lead_status_id, status('Converted').id);
  t.ok(lead.converted_at);
  t.equal(lead.company_id, null);
  t.equal(lead.deal_id, null);
  const customer = await app.db.selectFrom('customers').selectAll().where('id', '=', lead.customer_id!).executeTakeFirstOrThrow();
  t.equal(customer.name, 'Pat Plain');
  t.equal(customer.assigned_to, rep.id, 'the customer goes to the lead\'s owner');
  t.match((await c.get(`/customers/${customer.id}`)).body, new RegExp(`Converted from <a href="/leads/${a}"[^>]*>L-${a}</a>`), 'the customer says where it came from');
  t.match((await c.get(`/customers/${customer.id}`)).body, /converted a lead into this customer/, 'and its timeline');

  // Existing company, with a deal: stage defaults to the pipeline's default; the lead's contact joins the deal.
  const acme = await makeCompany(app, rep, { name: 'Acme Existing' });
  const b = await makeLead(app, rep, { title: 'With deal', contact_name: 'Dee Deal', contact_email: 'dee@acme.test', value: 700_000 });
  res = await c.post(`/leads/${b}/convert`, convertForm({ customer_name: 'Dee Deal', customer_email: 'dee@acme.test', company_mode: 'existing', company_id: acme, create_deal: '1', deal_title: 'Acme rollout', deal_value: '7000', pipeline_id: pipeline.id, expected_close_date: '2027-01-31' }));
  t.equal(res.statusCode, 303);
  lead = await leadRow(app, b);
  t.equal(lead.company_id, acme);
  const deal = await app.db.selectFrom('deals').selectAll().where('id', '=', lead.deal_id!).executeTakeFirstOrThrow();
  t.equal(deal.lead_id, b, 'the deal stores lead_id');
  t.equal(deal.customer_id, lead.customer_id);
  t.equal(deal.company_id, acme);
  t.equal(deal.stage_id, by('Lead').id, 'the pipeline\'s default stage');
  t.equal(deal.value_cents, 700_000);
  t.equal(deal.expected_close_date, '2027-01-31');
  const people = await app.db.selectFrom('deal_contacts as dc').innerJoin('contacts as p', 'p.id', 'dc.contact_id').select(['p.first_name', 'p.last_name', 'p.email', 'p.company_id']).where('dc.deal_id', '=', deal.id).execute();
  t.same(people, [{ first_name: 'Dee', last_name: 'Deal', email: 'dee@acme.test', company_id: acme }], 'the lead\'s contact is a contact of the deal');
  const leadPage = (await c.get(`/leads/${b}`)).body;
  t.match(leadPage, new RegExp(`href="/customers/${lead.customer_id}"`), 'the lead links its customer');
  t.match(leadPage, new RegExp(`href="/companies/${acme}"`), 'its company');
  t.match(leadPage, new RegExp(`href="/deals/${deal.id}"`), 'and its deal');
  t.notMatch(leadPage, /href="\/leads\/\d+\/convert"/, 'and no Convert button any more');
  for (const url of [`/deals/${deal.id}`, `/companies/${acme}`]) t.match((await c.get(url)).body, new RegExp(`Converted from <a href="/leads/${b}"`), `${url} says where it came from`);
  t.match((await c.get(`/deals/${deal.id}`)).body, /Converted from/, 'the deal\'s timeline names the lead');

  // A new company, with a deal at a chosen stage.
  const d = await makeLead(app, rep, { title: 'New co', contact_name: 'Nia New' });
  res = await c.post(`/leads/${d}/convert`, convertForm({ customer_name: 'Nia New', customer_email: '', company_mode: 'new', company_new_name: 'Newco Ltd', create_deal: '1', deal_title: 'Newco deal', pipeline_id: pipeline.id, stage_id: by('Qualified').id }));
  t.equal(res.statusCode, 303);
  lead = await leadRow(app, d);
  const newco = await app.db.selectFrom('companies').selectAll().where('id', '=', lead.company_id!).executeTakeFirstOrThrow();
  t.equal(newco.name, 'Newco Ltd');
  t.equal((await app.db.selectFrom('deals').select('stage_id').where('id', '=', lead.deal_id!).executeTakeFirstOrThrow()).stage_id, by('Qualified').id);
  t.equal((await app.db.selectFrom('customers').select('company_id').where('id', '=', lead.customer_id!).executeTakeFirstOrThrow()).company_id, newco.id, 'the customer belongs to the new company');
  const entries = await app.db.selectFrom('audit_entries').select(['entity_type', 'action']).where('action', 'in', ['converted', 'lead_converted']).execute();
  t.ok(entries.filter((e) => e.entity_type === 'lead').length === 3 && entries.some((e) => e.entity_type === 'company') && entries.some((e) => e.entity_type === 'customer'), 'timeline entries on the lead, company and customer');

  // Deleting what a lead became unlinks it: the lead stays converted, its timeline says what went.
  const gone = await leadRow(app, b);
  t.equal((await c.post(`/deals/${gone.deal_id}/delete`)).statusCode, 303, 'the converted deal can be deleted');
  t.equal((await leadRow(app, b)).deal_id, null, 'and the lead no longer links it');
  t.match((await c.get(`/leads/${b}`)).body, /removed a related record/);
  t.equal((await c.post(`/customers/${gone.customer_id}/delete`)).statusCode, 303, 'the customer too, once its deal is gone');
  t.equal((await leadRow(app, b)).customer_id, null);
  t.ok((await leadRow(app, b)).converted_at, 'still converted');

  // New company, no deal.
  const e = await makeLead(app, rep, { title: 'Co only' });
  t.equal((await c.post(`/leads/${e}/convert`, convertForm({ customer_name: 'Co Only', customer_email: '', company_mode: 'new', company_new_name: 'Solo Co' }))).statusCode, 303);
  lead = await leadRow(app, e);
  t.ok(lead.company_id && !lead.deal_id);
});

t.test('conversion matching an existing customer by email updates it; second conversion 409; a failed one writes nothing', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const other = await makeUser(app);
  const c = await loginAs(app, rep);
  const existing = await makeCustomer(app, rep, { name: 'Old Name', email: 'buyer@acme.test', phone: '111' });
  const id = await makeLead(app, rep, { title: 'Returning buyer', contact_email: 'x@acme.test' });
  const before = await count(app, 'customers');
  const res = await c.post(`/leads/${id}/convert`, convertForm({ customer_name: 'New Name', customer_email: 'BUYER@acme.test', customer_phone: '222' }));
  t.equal(res.statusCode, 303);
  t.equal(await count(app, 'customers'), before, 'no second customer');
  const k = await app.db.selectFrom('customers').selectAll().where('id', '=', existing).executeTakeFirstOrThrow();
  t.equal(k.name, 'New Name', 'the existing customer is updated');
  t.equal(k.phone, '222');
  t.equal((await leadRow(app, id)).customer_id, existing);

  const again = await c.post(`/leads/${id}/convert`, convertForm({ customer_name: 'Again' }));
  t.equal(again.statusCode, 409, 'a lead converts once');
  t.match(again.body, /already converted/);
  t.match(again.body, new RegExp(`href="/customers/${existing}"`), 'with a link to what it became');
  t.equal((await c.get(`/leads/${id}/convert`)).statusCode, 409, 'the form says so too');

  // Fails after the company would have been made: the customer with this email is another rep's.
  await makeCustomer(app, other, { name: 'Theirs', email: 'theirs@acme.test', assigned_to: other.id });
  const { pipeline } = await stagesOf(app);
  const lead2 = await makeLead(app, rep, { title: 'Will fail', contact_name: 'Fay Fail', contact_email: 'fay@acme.test' });
  const counts = { customers: await count(app, 'customers'), companies: await count(app, 'companies'), deals: await count(app, 'deals'), contacts: await count(app, 'contacts'), audit: await count(app, 'audit_entries') };
  const fail = await c.post(`/leads/${lead2}/convert`, convertForm({ customer_name: 'Fay', customer_email: 'theirs@acme.test', company_mode: 'new', company_new_name: 'Failco', create_deal: '1', deal_title: 'Fail deal', pipeline_id: pipeline.id }));
  t.equal(fail.statusCode, 422);
  t.match(fail.body, /assigned to someone else/);
  t.match(fail.body, /value="Failco"/, 'the form keeps what was typed');
  t.match(fail.body, /id="f-create_deal" name="create_deal" value="1" checked/, 'the deal switch stays on');
  t.same({ customers: await count(app, 'customers'), companies: await count(app, 'companies'), deals: await count(app, 'deals'), contacts: await count(app, 'contacts'), audit: await count(app, 'audit_entries') }, counts, 'nothing written');
  const untouched = await leadRow(app, lead2);
  t.equal(untouched.converted_at, null);
  t.equal((await history(app, lead2)).length, 1);

  const invalid = await c.post(`/leads/${lead2}/convert`, convertForm({ customer_name: '', company_mode: 'existing', company_id: '', create_deal: '1', deal_title: '', deal_value: 'lots', expected_close_date: '2027-02-30' }));
  t.equal(invalid.statusCode, 422);
  t.match(invalid.body, /Customer name is required/);
  t.equal(await count(app, 'companies'), counts.companies);
  const badDeal = await c.post(`/leads/${lead2}/convert`, convertForm({ customer_name: 'Fay', customer_email: 'fay@acme.test', create_deal: '1', deal_title: 'x', pipeline_id: '99999' }));
  t.equal(badDeal.statusCode, 422, 'an unknown pipeline is a field error');
  t.match(badDeal.body, /Choose an active pipeline/);
  t.equal(await count(app, 'customers'), counts.customers, 'and the customer it would have made is rolled back');
  const invisible = await makeCompany(app, other, { name: 'Hidden Co', assigned_to: other.id });
  await setSetting(app.db, 'rep_visibility', 'own');
  const hidden = await c.post(`/leads/${lead2}/convert`, convertForm({ customer_name: 'Fay', customer_email: 'fay@acme.test', company_mode: 'existing', company_id: invisible }));
  t.equal(hidden.statusCode, 422, 'a company the rep cannot see cannot be linked');
  t.notMatch(hidden.body, /Hidden Co/);
});

t.test('rights and visibility: reps edit their own and unassigned leads; own visibility hides the rest everywhere', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const other = await makeUser(app);
  const status = await leadStatuses(app);
  const theirs = await makeLead(app, other, { title: 'Their lead', assigned_to: other.id, value: 100_000 });
  const free = await makeLead(app, other, { title: 'Free lead', assigned_to: null });
  const c = await loginAs(app, rep);
  t.equal((await c.get(`/leads/${theirs}`)).statusCode, 200, 'visibility all: they can read it');
  t.equal((await c.get(`/leads/${theirs}/edit`)).statusCode, 403);
  t.equal((await c.post(`/leads/${theirs}/move`, { lead_status_id: status('Contacted').id })).statusCode, 403);
  t.equal((await c.get(`/leads/${theirs}/convert`)).statusCode, 403);
  t.equal((await c.post(`/leads/${theirs}/convert`, convertForm())).statusCode, 403);
  t.equal((await c.post(`/leads/${theirs}/delete`)).statusCode, 403);
  t.match((await c.get('/leads/board')).body, /Their lead[\s\S]*?Assigned to User \d+: only they or a manager can move it/, 'the card is locked and says why');
  t.equal((await c.post(`/leads/${free}/move`, { lead_status_id: status('Contacted').id })).statusCode, 303, 'an unassigned lead is anyone\'s to move');
  const manager = await loginAs(app, await makeUser(app, { role: 'manager' }));
  t.equal((await manager.post(`/leads/${theirs}/move`, { lead_status_id: status('Contacted').id })).statusCode, 303, 'a manager moves anyone\'s');

  await setSetting(app.db, 'rep_visibility', 'own');
  const board = await c.get('/leads/board');
  t.notMatch(board.body, /Their lead/, 'board');
  t.match(board.body, new RegExp(`id="status-head-${status('Contacted').id}"[\\s\\S]*?column-count[^>]*>0<`), 'and its header counts only what the rep sees');
  t.notMatch((await c.get('/leads')).body, /Their lead/, 'list');
  t.notMatch((await c.get('/leads/export.csv')).body, /Their lead/, 'export');
  t.notMatch((await c.get('/search?q=their')).body, /Their lead/, 'search');
  t.equal((await c.get(`/leads/${theirs}`)).statusCode, 404, 'detail');
  t.equal((await c.get(`/leads/${theirs}/move-menu`)).statusCode, 404, 'move menu');
});

t.test('the board: non-final statuses in order, exact counts and totals over whole columns, first page, load more', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const status = await leadStatuses(app);
  await setSetting(app.db, 'kanban_page_size', 20);
  for (let i = 0; i < 25; i++) await makeLead(app, rep, { title: `Bulk ${i}`, value: 100_000 });
  await makeLead(app, rep, { title: 'Gone cold', lead_status_id: status('Lost').id });
  const c = await loginAs(app, rep);
  const board = await c.get('/leads/board');
  t.equal(board.statusCode, 200);
  const heads = [...board.body.matchAll(/<h2 id="status-title-\d+">([^<]+)</g)].map((m) => m[1]);
  t.same(heads, ['New', 'Contacted', 'Qualified'], 'one column per non-final status, in order');
  t.equal((board.body.match(/class="kanban-card lead-card/g) ?? []).length, 20, 'the first page of cards');
  t.match(board.body, new RegExp(`id="status-head-${status('New').id}"[\\s\\S]*?column-count[^>]*>25<[\\s\\S]*?column-total[^>]*>\\$25K<`), 'count and value of the whole column');
  t.notMatch(board.body, /Gone cold/);
  const more = /hx-get="(\/leads\/board\/column\/\d+\?after=[^"]+)"/.exec(board.body);
  t.ok(more, 'a load-more trigger');
  const next = await c.get(more![1].replace(/&amp;/g, '&'));
  t.equal((next.body.match(/class="kanban-card lead-card/g) ?? []).length, 5, 'the rest of the column');
  t.equal((await c.get('/leads/board/column/999999')).statusCode, 404);
  t.equal((await c.get(`/leads/board/column/${status('New').id}?after=garbage`)).statusCode, 200, 'a bad cursor starts over');
  const counter = await app.db.selectFrom('lead_status_totals').select(['leads', 'value_cents']).where('lead_status_id', '=', status('New').id).where('assigned_to', '=', rep.id).executeTakeFirstOrThrow();
  t.same(counter, { leads: 25, value_cents: 2_500_000 }, 'the kept totals match');
});

/* ---------- lead-statuses (one file per area: tap starts a process per file) ---------- */
const statusForm = (over: Record<string, string> = {}) => ({ name: '', color: '#2e90fa', ...over });

t.test('lead statuses: settings for admins and managers, one default, one conversion target, refusals that say what to do', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await loginAs(app, await makeUser(app, { role: 'rep' }));
  t.equal((await rep.get('/settings/lead-statuses')).statusCode, 403, 'reps get 403');
  t.equal((await rep.post('/settings/lead-statuses', statusForm({ name: 'Nope' }))).statusCode, 403);
  const m = await loginAs(app, await makeUser(app, { role: 'manager' }));
  const statuses = () => app.db.selectFrom('lead_statuses').selectAll().orderBy('position').execute();
  const byName = async (name: string) => (await statuses()).find((s) => s.name === name)!;

  const page = await m.get('/settings/lead-statuses');
  t.equal(page.statusCode, 200);
  for (const name of ['New', 'Contacted', 'Qualified', 'Converted', 'Lost']) t.match(page.body, name);
  t.match(page.body, /Conversion target/);

  // Names are unique whatever their case; bad input is 422 with the typed values kept.
  const dup = await m.post('/settings/lead-statuses', statusForm({ name: 'contacted' }));
  t.equal(dup.statusCode, 422);
  t.match(dup.body, /Another status already has this name/);
  const badColour = await m.post('/settings/lead-statuses', statusForm({ name: 'Nurturing', color: 'green' }));
  t.equal(badColour.statusCode, 422);
  t.match(badColour.body, /value="Nurturing"/, 'the typed name is kept');
  t.equal((await m.post('/settings/lead-statuses', statusForm({ name: 'Odd', is_default: '1', is_final: '1' }))).statusCode, 422, 'the default cannot be final');
  t.equal((await m.post('/settings/lead-statuses', statusForm({ name: 'Odd', is_conversion_target: '1' }))).statusCode, 422, 'the conversion target must be final');
  t.equal((await statuses()).length, 5, 'nothing written by a refusal');

  // A new default takes over in the same transaction; the old default cannot simply untick it.
  t.equal((await m.post('/settings/lead-statuses', statusForm({ name: 'Nurturing', is_default: '1' }))).statusCode, 303);
  t.same((await statuses()).filter((s) => s.is_default).map((s) => s.name), ['Nurturing'], 'exactly one default');
  t.equal((await byName('Nurturing')).position, 6, 'added at the end');
  const untick = await m.post(`/settings/lead-statuses/${(await byName('Nurturing')).id}`, statusForm({ name: 'Nurturing' }));
  t.equal(untick.statusCode, 409);
  t.match(untick.body, /Make another status the default first/);

  // Exactly one conversion target, taken over the same way.
  const won = await m.post('/settings/lead-statuses', statusForm({ name: 'Won over', is_final: '1', is_conversion_target: '1' }));
  t.equal(won.statusCode, 303);
  t.same((await statuses()).filter((s) => s.is_conversion_target).map((s) => s.name), ['Won over'], 'exactly one conversion target');
  const back = await m.post(`/settings/lead-statuses/${(await byName('Converted')).id}`, statusForm({ name: 'Converted', color: '#16a34a', is_final: '1', is_conversion_target: '1' }));
  t.equal(back.statusCode, 303);
  t.same((await statuses()).filter((s) => s.is_conversion_target).map((s) => s.name), ['Converted']);

  // Deleting: the default and the conversion target are refused; a status in use is refused; others go.
  const del = (name: string) => byName(name).then((s) => m.post(`/settings/lead-statuses/${s.id}/delete`));
  const d1 = await del('Nurturing');
  t.equal(d1.statusCode, 409);
  t.match(d1.body, /default status/);
  const d2 = await del('Converted');
  t.equal(d2.statusCode, 409);
  t.match(d2.body, /converted leads go/);
  const now = new Date().toISOString();
  await app.db.insertInto('leads').values({ title: 'A lead', lead_status_id: (await byName('Contacted')).id, status_entered_at: now, created_at: now, updated_at: now }).execute();
  const d3 = await del('Contacted');
  t.equal(d3.statusCode, 409);
  t.match(d3.body, /holds 1 lead\. Move it to another status first/);
  const finalFlip = await m.post(`/settings/lead-statuses/${(await byName('Contacted')).id}`, statusForm({ name: 'Contacted', is_final: '1' }));
  t.equal(finalFlip.statusCode, 409, 'a status holding leads cannot become final');
  t.match(finalFlip.body, /cannot change while leads sit in it/);
  t.equal((await byName('Contacted')).is_final, 0);
  t.equal((await del('Won over')).statusCode, 303, 'an unused status is deleted');
  t.notOk((await statuses()).some((s) => s.name === 'Won over'));

  // Reorder by drag (ids in the new order), and the trail of every change.
  const ids = (await statuses()).map((s) => s.id).reverse();
  t.equal((await m.post('/settings/lead-statuses/reorder', { ids: ids.join(',') })).statusCode, 303);
  t.same((await statuses()).map((s) => s.id), ids);
  const trail = await app.db.selectFrom('audit_entries').select(['action']).where('entity_type', '=', 'lead_status').execute();
  t.ok(trail.some((a) => a.action === 'deleted') && trail.some((a) => a.action === 'reordered') && trail.filter((a) => a.action === 'created').length === 2, 'audited');
  t.equal((await m.get('/settings/lead-statuses/99999/edit')).statusCode, 404);
  t.equal((await m.get('/settings/lead-statuses/abc/edit')).statusCode, 404);
});
