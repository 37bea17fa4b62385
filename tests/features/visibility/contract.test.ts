import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { buildTestApp, loginAs } from '../../helpers/app.js';
import { makeCompany, makeContact, makeCustomer, makeCustomerGroup, makeDeal, makeLead, makeTask, makeUser, stagesOf, type TestUser } from '../../helpers/factories.js';
import { setSetting } from '../../../src/features/settings/settings.queries.js';
import { RECORD_KINDS, type RecordType } from '../../../src/lib/entities.js';
import { addNote } from '../../../src/features/notes/notes.service.js';
import { createApiToken } from '../../../src/features/api-tokens/api-tokens.queries.js';

/**
 * The visibility contract: with rep_visibility = own, a rep reaches none of another rep's
 * records by any route. Every registered record kind needs a fixture here (the Record type makes
 * a new kind a compile error until it has one), and every route with :id must be covered or
 * listed with the reason it takes no record id.
 */
interface Fixture {
  /** A word only this record's name contains (search pages echo it, so checks use `name`). */
  marker: string;
  name: string;
  /** Creates the record, assigned to `owner`. */
  make: (app: FastifyInstance, owner: TestUser) => Promise<number>;
  /** Kinds without an owner are visible to everyone who may see the list. */
  owned: boolean;
}

const FIXTURES: Record<RecordType, Fixture> = {
  company: { owned: true, marker: 'Zyxcomp', name: 'Zyxcomp Holdings', make: (app, u) => makeCompany(app, u, { name: 'Zyxcomp Holdings', assigned_to: u.id }) },
  contact: { owned: true, marker: 'Zyxcont', name: 'Zyxcont Person', make: (app, u) => makeContact(app, u, { first_name: 'Zyxcont', last_name: 'Person', assigned_to: u.id }) },
  customer: { owned: true, marker: 'Zyxcust', name: 'Zyxcust Buyer', make: (app, u) => makeCustomer(app, u, { name: 'Zyxcust Buyer', assigned_to: u.id }) },
  deal: { owned: true, marker: 'Zyxdeal', name: 'Zyxdeal expansion', make: (app, u) => makeDeal(app, u, { title: 'Zyxdeal expansion', assigned_to: u.id }) },
  lead: { owned: true, marker: 'Zyxlead', name: 'Zyxlead inbound', make: (app, u) => makeLead(app, u, { title: 'Zyxlead inbound', contact_email: 'zyx@lead.test', assigned_to: u.id }) },
  customer_group: { owned: false, marker: 'Zyxgrp', name: 'Zyxgrp Group', make: (app, u) => makeCustomerGroup(app, u, { name: 'Zyxgrp Group' }) },
};

/** Routes with :id that take no record id of a registered kind, and why. */
const NOT_RECORD_IDS: Record<string, string> = {
  '/deals/board/column/:id': 'a stage id; the cards come from the scoped base query (checked below)',
  '/leads/board/column/:id': 'a status id; the cards come from the scoped base query (checked below)',
  '/settings/users/:id': 'users (admins only)',
  '/settings/users/:id/edit': 'users (admins only)',
  '/settings/users/:id/deactivate': 'users (admins only)',
  '/settings/users/:id/reactivate': 'users (admins only)',
  '/settings/users/:id/reset-password': 'users (admins only)',
  '/settings/api-tokens/:id/revoke': 'any user\'s API token (admins only)',
  '/api/v1/pipelines/:id': 'pipelines: everyone reads them (option lists)',
  '/api/v1/lead-statuses/:id': 'lead statuses: everyone reads them',
  '/api/v1/users/:id': 'users: everyone reads names and roles (assignee lists)',
  '/api/v1/customer-groups/:id': 'customer groups have no owner',
};
/** The API's collections and the kinds their ids are. */
const API_KINDS: Record<string, RecordType | 'note' | 'task'> = { companies: 'company', contacts: 'contact', customers: 'customer', deals: 'deal', leads: 'lead', notes: 'note', tasks: 'task' };
const isSettingsRoute = (url: string) => url.startsWith('/settings/pipelines/') || url.startsWith('/settings/directories/') || url.startsWith('/settings/lead-statuses/') || url.startsWith('/settings/webhooks/');

/** A page without its random tokens (CSRF): one of them once held "Zyx" by chance. */
const withoutTokens = (body: string) => body.replace(/[\w-]{40,}/g, '');

t.test('every registered kind and every route taking a record id: another rep\'s record is 404 or absent', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const other = await makeUser(app);
  const ids = {} as Record<RecordType, number>;
  for (const kind of RECORD_KINDS) ids[kind.type] = await FIXTURES[kind.type].make(app, other);
  const note = await app.db.transaction().execute((trx) => addNote(trx, { id: other.id, name: other.name, email: other.email, role: 'rep', timeZone: 'UTC', sessionId: '' }, 'deal', ids.deal, 'Zyxnote text'));
  const task = await makeTask(app, other, { title: 'Zyxtask call', assigned_to: other.id }, { type: 'deal', id: ids.deal });
  // Someone assigned `other` a record: their notification is theirs alone.
  const notification = Number((await app.db.insertInto('notifications').values({ user_id: other.id, kind: 'assigned', entity_type: 'deal', entity_id: ids.deal, title: 'Zyxdeal expansion', actor_id: null, read_at: null, created_at: new Date().toISOString() }).returning('id').executeTakeFirstOrThrow()).id);
  // Another rep's import (its file names people): theirs alone.
  const now = new Date().toISOString();
  const imported = Number((await app.db.insertInto('imports').values({ entity_type: 'contact', file_name: 'zyx-people.csv', encoding: 'utf-8', delimiter: ',', headers: '["Name"]', total_rows: 1, user_id: other.id, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow()).id);
  await app.db.insertInto('import_rows').values({ import_id: imported, n: 0, line: 2, cells: '["Zyxperson"]' }).execute();
  // Another rep's API token: theirs alone to revoke.
  const token = (await createApiToken(app.db, other.id, 'Zyxtoken', 'write')).id;
  await setSetting(app.db, 'rep_visibility', 'own');
  const c = await loginAs(app, rep);
  const repToken = (await createApiToken(app.db, rep.id, 'Rep token', 'write')).secret;

  for (const kind of RECORD_KINDS) {
    const { marker, name, owned: hidden } = FIXTURES[kind.type];
    const check = (body: string, what: string) => (hidden ? t.notMatch(body, name, `${kind.type}: ${what}`) : t.match(body, name, `${kind.type} (no owner): ${what}`));
    check((await c.get(kind.path)).body, 'list');
    check((await c.get(`${kind.path}?q=${marker}`)).body, 'list search');
    check((await c.get(`${kind.path}/export.csv`)).body, 'export');
    check((await c.get(`${kind.path}/export.csv?q=${marker}`)).body, 'export with search');
    if (hidden) t.equal((await c.get(`${kind.path}/${ids[kind.type]}`)).statusCode, 404, `${kind.type}: detail is 404`);
    if (hidden) t.notMatch((await c.get(`/search?q=${marker}`)).body, name, `${kind.type}: global search`);
  }
  t.notMatch((await c.get('/deals/board')).body, FIXTURES.deal.name, 'board');
  const lead = (await stagesOf(app)).by('Lead');
  t.notMatch((await c.get(`/deals/board/column/${lead.id}`)).body, FIXTURES.deal.name, 'board column load more');
  t.notMatch((await c.get('/leads/board')).body, FIXTURES.lead.name, 'lead board');
  const fresh = await app.db.selectFrom('lead_statuses').select('id').where('is_default', '=', 1).executeTakeFirstOrThrow();
  t.notMatch((await c.get(`/leads/board/column/${fresh.id}`)).body, FIXTURES.lead.name, 'lead board column load more');

  // Every route with :id, whatever its method, answers 404 for another rep's record.
  let covered = 0;
  const uncovered: string[] = [];
  for (const route of app.routeList.filter((r) => r.url.includes(':id'))) {
    const kind = RECORD_KINDS.find((k) => route.url.startsWith(`${k.path}/:id`));
    let url: string | null = null;
    if (kind && FIXTURES[kind.type].owned) url = route.url.replace(':id', String(ids[kind.type]));
    else if (route.url.startsWith('/notes/:id')) url = route.url.replace(':id', String(note));
    else if (route.url.startsWith('/tasks/:id')) url = route.url.replace(':id', String(task));
    else if (route.url.startsWith('/notifications/:id')) url = route.url.replace(':id', String(notification));
    else if (route.url.startsWith('/import/:id')) url = route.url.replace(':id', String(imported));
    else if (route.url.startsWith('/profile/api-tokens/:id')) url = route.url.replace(':id', String(token));
    const api = /^\/api\/v1\/([a-z-]+)\/:id/.exec(route.url);
    if (api && API_KINDS[api[1]]) {
      const type = API_KINDS[api[1]];
      url = route.url.replace(':id', String(type === 'note' ? note : type === 'task' ? task : ids[type]));
    }
    if (url && api) {
      const res = await app.inject({ method: route.method as 'GET', url, headers: { authorization: `Bearer ${repToken}`, 'content-type': 'application/json' }, payload: route.method === 'GET' || route.method === 'HEAD' ? undefined : '{}' });
      t.equal(res.statusCode, 404, `API ${route.method} ${route.url}`);
      t.notMatch(withoutTokens(res.body), /Zyx/, `API ${route.method} ${route.url} names nothing`);
      covered += 1;
    } else if (url) {
      const res = route.method === 'GET' ? await c.get(url) : await c.post(url, {});
      t.equal(res.statusCode, 404, `${route.method} ${route.url}`);
      t.notMatch(withoutTokens(res.body), /Zyx/, `${route.method} ${route.url} names nothing`);
      covered += 1;
    } else if (!(route.url in NOT_RECORD_IDS) && !isSettingsRoute(route.url) && !(kind && !FIXTURES[kind.type].owned)) {
      uncovered.push(`${route.method} ${route.url}`);
    }
  }
  t.same(uncovered, [], 'no route with :id is left out of the contract');
  t.ok(covered >= 25, `${covered} routes taking a record id checked`);
  t.comment(`${covered} routes taking a record id answered 404`);
});

t.test('option lists and link checks on create and update are scoped (the three leaks of review)', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const other = await makeUser(app);
  const company = await makeCompany(app, other, { name: 'Secretco Holdings', assigned_to: other.id });
  const customer = await makeCustomer(app, other, { name: 'Hidden Buyer', assigned_to: other.id });
  const contact = await makeContact(app, other, { first_name: 'Quiet', last_name: 'Person', assigned_to: other.id });
  const mine = await makeDeal(app, rep, { title: 'Mine' });
  await setSetting(app.db, 'rep_visibility', 'own');
  const c = await loginAs(app, rep);

  const options = await c.get(`/companies/options?company_id=${company}&company_id_search=secretco`);
  t.equal(options.statusCode, 200);
  t.notMatch(options.body, /Secretco/, 'type-to-find does not name a company the rep cannot see');

  const parties = await c.get(`/deals/parties?company_id=${company}&customer_id=${customer}&contact_ids=${contact}`);
  t.equal(parties.statusCode, 200);
  t.notMatch(parties.body, /Hidden Buyer/, 'customer options do not name an invisible customer');
  t.notMatch(parties.body, /Quiet/, 'contact options do not name an invisible contact');

  for (const url of [`/deals/new?company_id=${company}&customer_id=${customer}`, `/contacts/new?company_id=${company}`, `/customers/new?company_id=${company}`, `/contacts?company_id=${company}`, `/customers?company_id=${company}`]) {
    t.notMatch((await c.get(url)).body, /Secretco|Hidden Buyer/, `${url} names nothing invisible`);
  }

  const { pipeline } = await stagesOf(app);
  const dealForm = {
    title: 'Sneaky', value: '', expected_close_date: '', probability: '', pipeline_id: pipeline.id, stage_id: '',
    company_id: company, customer_id: customer, contact_ids: [String(contact)], assigned_to: rep.id, description: '', lost_reason_id: '', lost_reason: '',
  };
  const res = await c.post('/deals', dealForm);
  t.equal(res.statusCode, 422, 'linking invisible records is refused');
  t.match(res.body, /Choose a company from the list/);
  t.match(res.body, /Choose a customer from the list/);
  t.match(res.body, /Choose contacts from the list/);
  t.notMatch(res.body, /Secretco|Hidden Buyer|Quiet Person/, 'the 422 form does not name them');
  t.equal((await app.db.selectFrom('deals').select('id').execute()).length, 1, 'nothing written');

  const edit = await c.post(`/deals/${mine}`, { ...dealForm, title: 'Mine', version: 1 });
  t.equal(edit.statusCode, 422, 'an update cannot link them either');
  t.equal((await app.db.selectFrom('deals').select('company_id').where('id', '=', mine).executeTakeFirstOrThrow()).company_id, null);

  t.equal((await c.post('/contacts', { first_name: 'New', last_name: 'Person', company_id: company, assigned_to: rep.id })).statusCode, 422, 'a contact cannot be linked to an invisible company');
  t.equal((await c.post('/customers', { name: 'New Buyer', email: '', phone: '', company_id: company, customer_group_id: '', assigned_to: rep.id })).statusCode, 422, 'nor a customer');
  t.equal((await app.db.selectFrom('contacts').select('id').execute()).length, 1);
  t.equal((await app.db.selectFrom('customers').select('id').execute()).length, 1);
});

t.test('a record keeps its own link when the rep edits it, even to a record they cannot see', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const other = await makeUser(app);
  const company = await makeCompany(app, other, { name: 'Theirco', assigned_to: other.id });
  const deal = await makeDeal(app, rep, { title: 'Shared', company_id: company });
  await setSetting(app.db, 'rep_visibility', 'own');
  const c = await loginAs(app, rep);
  const form = await c.get(`/deals/${deal}/edit`);
  t.match(form.body, /<option value="\d+" selected>Theirco<\/option>/, 'the edit form shows the deal\'s own company');
  const { pipeline } = await stagesOf(app);
  const res = await c.post(`/deals/${deal}`, { title: 'Shared, renamed', value: '', expected_close_date: '', probability: '', pipeline_id: pipeline.id, stage_id: '', company_id: company, customer_id: '', assigned_to: rep.id, description: '', lost_reason_id: '', lost_reason: '', version: 1 });
  t.equal(res.statusCode, 303, 'saving keeps the link');
  t.equal((await app.db.selectFrom('deals').select('company_id').where('id', '=', deal).executeTakeFirstOrThrow()).company_id, company);
});

t.test('own visibility also shows, read-only, the records a rep\'s records link to', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const other = await makeUser(app);
  const company = await makeCompany(app, other, { name: 'Linkedco', assigned_to: other.id });
  const customer = await makeCustomer(app, other, { name: 'Linked Buyer', assigned_to: other.id, company_id: company });
  const contact = await makeContact(app, other, { first_name: 'Linda', last_name: 'Linked', assigned_to: other.id, company_id: company });
  const unlinked = await makeCompany(app, other, { name: 'Farawayco', assigned_to: other.id });
  await makeDeal(app, other, { title: 'Their deal at Linkedco', company_id: company });
  const deal = await makeDeal(app, rep, { title: 'My deal', company_id: company, customer_id: customer, contact_ids: [contact] });
  await setSetting(app.db, 'rep_visibility', 'own');
  const c = await loginAs(app, rep);
  for (const [path, id, name] of [['companies', company, 'Linkedco'], ['customers', customer, 'Linked Buyer'], ['contacts', contact, 'Linda']] as const) {
    const page = await c.get(`/${path}/${id}`);
    t.equal(page.statusCode, 200, `${path}: the record my deal links to is visible`);
    t.match(page.body, name);
    t.match((await c.get(`/${path}`)).body, name, `${path}: and listed`);
    t.equal((await c.get(`/${path}/${id}/edit`)).statusCode, 403, `${path}: read-only (edit form refused)`);
    t.equal((await c.post(`/${path}/${id}/delete`)).statusCode, 403, `${path}: read-only (delete refused)`);
  }
  t.equal((await c.get(`/companies/${unlinked}`)).statusCode, 404, 'a company nothing of mine links to stays hidden');
  const companyPage = await c.get(`/companies/${company}`);
  t.match(companyPage.body, /My deal/, 'my deal shows on the linked company');
  t.notMatch(companyPage.body, /Their deal at Linkedco/, 'their deals there do not');
  t.equal((await c.get(`/deals/${deal}`)).statusCode, 200);
});
