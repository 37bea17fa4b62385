import t from 'tap';
import { buildTestApp, loginAs } from '../../helpers/app.js';
import { makeCompany, makeContact, makeDeal, makeLead, makeUser, stagesOf, type TestUser } from '../../helpers/factories.js';
import { createApiToken } from '../../../src/features/api-tokens/api-tokens.queries.js';
import { setSetting } from '../../../src/features/settings/settings.queries.js';
import type { FastifyInstance } from 'fastify';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { buildApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { openDatabase } from '../../../src/db/database.js';
import { keysetPage } from '../../../src/lib/list-query.js';
import SwaggerParser from '@apidevtools/swagger-parser';
import createClient from 'openapi-fetch';
import type { paths } from '../../helpers/orchard-api.js';
import { generateTypes, TYPES_FILE } from '../../helpers/generate-api-types.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

async function tokenFor(app: FastifyInstance, user: TestUser, scope: 'read' | 'write' = 'write') {
  const { secret } = await createApiToken(app.db, user.id, `${user.email} ${scope}`, scope);
  return (method: Method, url: string, body?: unknown) =>
    app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${secret}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, payload: body === undefined ? undefined : JSON.stringify(body) });
}

const json = (r: { body: string }) => JSON.parse(r.body) as Record<string, unknown> & { data?: Record<string, unknown>[]; next_cursor?: string | null; errors?: Record<string, string> };

t.test('CRUD for every collection with a read-write token: create 201, get, list, change, delete 204 — through the pages’ schemas and services', async (t) => {
  const { app } = await buildTestApp(t);
  const manager = await makeUser(app, { role: 'manager', name: 'Mia Manager', email: 'mia@orchard.test' });
  const api = await tokenFor(app, manager);
  const { pipeline, by } = await stagesOf(app);
  const company = await makeCompany(app, manager, { name: 'Hooli' });

  const cases: { name: string; create: Record<string, unknown>; change: Record<string, unknown>; check: (rec: Record<string, unknown>) => void }[] = [
    { name: 'companies', create: { name: 'Initech', website: 'initech.example', is_active: true }, change: { city: 'Austin' }, check: (r) => t.match(r, { name: 'Initech', website: 'https://initech.example', city: 'Austin', is_active: 1 }) },
    { name: 'contacts', create: { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', company_id: company }, change: { position: 'CTO' }, check: (r) => t.match(r, { first_name: 'Ada', email: 'ada@example.com', company_id: company, position: 'CTO', assigned_to: manager.id }) },
    { name: 'customers', create: { name: 'Bob Buyer', email: 'bob@example.com' }, change: { phone: '+1 555 0100' }, check: (r) => t.match(r, { name: 'Bob Buyer', phone: '+1 555 0100' }) },
    { name: 'customer-groups', create: { name: 'Gold', code: 'GOLD', priority: 5, discount_percent: 10 }, change: { priority: 7 }, check: (r) => t.match(r, { code: 'GOLD', priority: 7, discount_percent: 10 }) },
    { name: 'leads', create: { title: 'Website enquiry', contact_email: 'lead@example.com', value: 1200.5 }, change: { contact_name: 'Lee' }, check: (r) => t.match(r, { title: 'Website enquiry', value_cents: 120050, value: 1200.5, contact_name: 'Lee' }) },
    { name: 'deals', create: { title: 'Big deal', pipeline_id: pipeline.id, value: 5000, company_id: company }, change: { probability: 40 }, check: (r) => t.match(r, { title: 'Big deal', value_cents: 500000, stage_id: by('Lead').id, probability: 40, contact_ids: [] }) },
    { name: 'tasks', create: { title: 'Call Ada', type: 'call', due_date: '2026-12-01', due_time: '10:00' }, change: { status: 'completed' }, check: (r) => t.match(r, { title: 'Call Ada', type: 'call', status: 'completed', due_at: '2026-12-01T10:00:00.000Z' }) },
    { name: 'notes', create: { entity_type: 'company', entity_id: company, body: 'Met at the fair' }, change: { body: 'Met at the fair in Berlin' }, check: (r) => t.match(r, { entity_type: 'company', entity_id: company, body: 'Met at the fair in Berlin' }) },
  ];
  for (const c of cases) {
    const made = await api('POST', `/${c.name}`, c.create);
    t.equal(made.statusCode, 201, `${c.name}: created`);
    const rec = json(made);
    t.equal(made.headers.location, `/api/v1/${c.name}/${rec.id}`);
    const changed = await api('PATCH', `/${c.name}/${rec.id}`, c.change);
    t.equal(changed.statusCode, 200, `${c.name}: changed (${changed.body.slice(0, 200)})`);
    c.check(json(changed));
    const got = await api('GET', `/${c.name}/${rec.id}`);
    t.same(json(got), json(changed), `${c.name}: get answers the record as the change did`);
    t.notOk(Object.keys(json(got)).some((k) => k.endsWith('_sort') || k.startsWith('dup_')), 'no internal columns');
    const listed = await api('GET', `/${c.name}${c.name === 'notes' ? `?entity_type=company&entity_id=${company}` : ''}`);
    t.ok(json(listed).data!.some((r) => r.id === rec.id), `${c.name}: listed`);
    const audit = await app.db.selectFrom('audit_entries').select('action').where('entity_type', '=', c.name === 'customer-groups' ? 'customer_group' : c.name.replace(/ies$/, 'y').replace(/s$/, '')).where('entity_id', '=', rec.id as number).execute();
    t.ok(audit.some((a) => a.action === 'created'), `${c.name}: the create is on the audit trail`);
    t.equal((await api('DELETE', `/${c.name}/${rec.id}`)).statusCode, 204, `${c.name}: deleted`);
    t.equal((await api('GET', `/${c.name}/${rec.id}`)).statusCode, 404);
  }

  // Read-only collections: pipelines with their stages, lead statuses, users (no secrets).
  const pipelines = json(await api('GET', '/pipelines')).data!;
  t.match(pipelines.find((p) => p.id === pipeline.id), { name: 'Sales', stages: [{ name: 'Lead' }] });
  t.ok(json(await api('GET', '/lead-statuses')).data!.length >= 3);
  const users = json(await api('GET', '/users')).data!;
  t.match(users[0], { id: manager.id, email: 'mia@orchard.test', role: 'manager' });
  t.notOk('password_hash' in users[0], 'no password hash');
  t.equal((await api('POST', '/pipelines', { name: 'x' })).statusCode, 404, 'no writes where the API has none');
  t.equal((await api('DELETE', '/users/1')).statusCode, 404);
});

t.test('deals move and leads convert through their services; version conflicts 409; field errors 422 as problem+json', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app, { email: 'rita@orchard.test' });
  const api = await tokenFor(app, rep);
  const { by } = await stagesOf(app);
  const dealId = await makeDeal(app, rep, { title: 'Moving deal' });

  const won = await api('POST', `/deals/${dealId}/move`, { stage_id: by('Won').id });
  t.equal(won.statusCode, 200);
  t.match(json(won), { stage_id: by('Won').id, probability: 100, actual_close_date: /^\d{4}-\d{2}-\d{2}$/ }, 'won: the stage rules ran');
  t.ok(await app.db.selectFrom('deal_stage_history').select('id').where('deal_id', '=', dealId).executeTakeFirst(), 'stage history written');
  const lost = await api('POST', `/deals/${dealId}/move`, { stage_id: by('Lost').id, lost_reason_id: 999 });
  t.equal(lost.statusCode, 422, 'an unknown lost reason: 422');
  t.match(json(lost), { status: 422, errors: { lost_reason_id: 'Choose an active lost reason.' } });
  t.match(json(await api('POST', `/deals/${dealId}/move`, { stage_id: by('Lost').id, lost_reason: 'Budget cut' })), { stage_id: by('Lost').id, lost_reason: 'Budget cut', probability: 0 });
  t.equal((await api('POST', `/deals/${dealId}/move`, { stage_id: 'x' })).statusCode, 422);

  // Versions: a change with the version read goes through; with a stale one, 409.
  const v = json(await api('GET', `/deals/${dealId}`)).version as number;
  t.equal((await api('PATCH', `/deals/${dealId}`, { title: 'Renamed', version: v })).statusCode, 200);
  const stale = await api('PATCH', `/deals/${dealId}`, { title: 'Again', version: v });
  t.equal(stale.statusCode, 409);
  t.match(stale.headers['content-type'], /^application\/problem\+json/);
  t.match(json(stale), { type: 'about:blank', status: 409, title: 'Cannot do that', detail: /changed by someone else/ });

  const bad = await api('POST', '/contacts', { email: 'not an email' });
  t.equal(bad.statusCode, 422);
  t.match(json(bad), { status: 422, errors: { first_name: 'Enter a first or a last name.', email: /email/i } });
  t.equal((await app.db.selectFrom('contacts').select('id').execute()).length, 0, 'nothing written');
  const malformed = await app.inject({ method: 'POST', url: '/api/v1/contacts', headers: { authorization: (await tokenHeader(app, rep)), 'content-type': 'application/json' }, payload: '{"first_name": ' });
  t.equal(malformed.statusCode, 400, 'unreadable JSON: 400');
  t.match(malformed.headers['content-type'], /problem\+json/);
  t.equal((await api('POST', '/contacts', [1, 2])).statusCode, 422, 'an array body: field errors, not a 500');
  t.equal((await api('PATCH', `/contacts/abc`, {})).statusCode, 404);

  // Convert: defaults from the lead, a customer and a deal made; a second convert 409.
  const leadId = await makeLead(app, rep, { title: 'Acme rollout', contact_name: 'Wile E.', contact_email: 'wile@acme.example', value: 900 });
  const conv = await api('POST', `/leads/${leadId}/convert`, {});
  t.equal(conv.statusCode, 200, conv.body.slice(0, 300));
  const c = json(conv);
  t.match(c, { customer_created: true, lead: { id: leadId, converted_at: /\d/ } });
  t.ok(c.deal_id, 'a deal made');
  t.match(json(await api('GET', `/customers/${c.customer_id}`)), { name: 'Wile E.', email: 'wile@acme.example' });
  t.match(json(await api('GET', `/deals/${c.deal_id}`)), { title: 'Acme rollout', value_cents: 900, assigned_to: rep.id });
  const again = await api('POST', `/leads/${leadId}/convert`, {});
  t.equal(again.statusCode, 409);
  t.match(json(again), { detail: /already converted/ });
});

async function tokenHeader(app: FastifyInstance, user: TestUser) {
  return `Bearer ${(await createApiToken(app.db, user.id, 'raw', 'write')).secret}`;
}

t.test('visibility and scope: 404 for what a rep cannot see, read-only tokens refused, managers-only collections; cursor pages stable under inserts; filters and updated_since', async (t) => {
  const { app } = await buildTestApp(t);
  const rita = await makeUser(app, { email: 'rita@orchard.test' });
  const sam = await makeUser(app, { email: 'sam@orchard.test' });
  await setSetting(app.db, 'rep_visibility', 'own');
  const ritas = await makeContact(app, rita, { first_name: 'Rita’s', last_name: 'Contact', assigned_to: rita.id });
  const sams = await makeContact(app, sam, { first_name: 'Sam’s', last_name: 'Contact', assigned_to: sam.id });
  const api = await tokenFor(app, rita);
  t.equal((await api('GET', `/contacts/${ritas}`)).statusCode, 200);
  for (const [m, body] of [['GET'], ['PATCH', { position: 'x' }], ['DELETE']] as [Method, unknown?][]) {
    const r = await api(m, `/contacts/${sams}`, body);
    t.equal(r.statusCode, 404, `${m} someone else’s: 404`);
    t.match(r.headers['content-type'], /problem\+json/);
  }
  t.same(json(await api('GET', '/contacts')).data!.map((c) => c.id), [ritas], 'the list holds what she may see');
  t.equal((await api('POST', '/contacts', { first_name: 'New', company_id: await makeCompany(app, sam, { name: 'Sam Co', assigned_to: sam.id }) })).statusCode, 422, 'no link to a record she cannot see');
  t.equal((await api('POST', '/customer-groups', { name: 'G', code: 'G', priority: 1 })).statusCode, 403, 'customer groups: managers and admins');
  t.equal((await api('POST', '/notes', { entity_type: 'contact', entity_id: sams, body: 'hi' })).statusCode, 422, 'no note on an invisible record');
  t.equal((await api('GET', `/notes?entity_type=contact&entity_id=${sams}`)).statusCode, 404);

  const read = await tokenFor(app, rita, 'read');
  t.equal((await read('GET', '/contacts')).statusCode, 200);
  for (const [m, url] of [['POST', '/contacts'], ['PATCH', `/contacts/${ritas}`], ['DELETE', `/contacts/${ritas}`], ['POST', `/leads/1/convert`]] as [Method, string][]) {
    const r = await read(m, url, {});
    t.equal(r.statusCode, 403, `read-only ${m} ${url}: 403`);
    t.match(json(r), { status: 403, detail: /read-only/ });
  }
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/contacts' })).statusCode, 401, 'no token: 401');

  // Cursor pages: limit 2 over 5 of hers, a record added between pages is neither skipped nor repeated.
  await setSetting(app.db, 'rep_visibility', 'all');
  const admin = await makeUser(app, { role: 'admin', email: 'ada@orchard.test' });
  const a = await tokenFor(app, admin);
  const hooli = await makeCompany(app, admin, { name: 'Hooli' });
  for (let i = 0; i < 4; i++) await makeContact(app, admin, { first_name: `P${i}`, company_id: hooli });
  const seen: number[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = json(await a('GET', `/contacts?limit=2${cursor ? `&cursor=${cursor}` : ''}`));
    seen.push(...page.data!.map((r) => r.id as number));
    cursor = page.next_cursor ?? null;
    if (pages++ === 0) await makeContact(app, admin, { first_name: 'Late' });
  } while (cursor);
  t.equal(new Set(seen).size, seen.length, 'no record twice');
  t.equal(seen.length, 7, 'every record, the late one too');
  t.same(seen, [...seen].sort((x, y) => x - y), 'in id order');
  t.same(json(await a('GET', `/contacts?company_id=${hooli}`)).data!.map((r) => r.first_name), ['P0', 'P1', 'P2', 'P3'], 'the page’s filters apply');
  t.same(json(await a('GET', `/contacts?q=Late`)).data!.map((r) => r.first_name), ['Late'], 'and its search');
  // Text past Latin-1 comes back as written: SQLite writes the page as UTF-8 and it is sent as those bytes.
  const accented = await makeContact(app, admin, { first_name: 'Zoë', last_name: 'Łukasz — 🙂 "quoted"', company_id: hooli });
  const byCompany = await a('GET', `/contacts?company_id=${hooli}&limit=10`);
  t.equal(Number(byCompany.headers['content-length']), Buffer.byteLength(byCompany.body), 'content-length counts bytes');
  // An API answer carries an API's security headers (plugins/security): nothing may load or frame it.
  t.match(byCompany.headers, { 'content-security-policy': "default-src 'none';frame-ancestors 'none'", 'x-frame-options': 'DENY', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' }, 'an API answer: the API security headers');
  t.notOk(byCompany.headers['cross-origin-opener-policy'], 'without the ones that steer a browser document');
  t.same(json(byCompany).data!.map((r) => `${r.first_name} ${r.last_name}`), ['P0 Doe', 'P1 Doe', 'P2 Doe', 'P3 Doe', 'Zoë Łukasz — 🙂 "quoted"'], 'accents, a dash, an emoji and quotes in a list');
  t.equal((await a('GET', `/contacts?company_id=${hooli}&limit=200`)).body, byCompany.body, 'a page past the default size (records read as bytes) answers the same');
  t.equal(json(await a('GET', `/contacts/${accented}`)).last_name, 'Łukasz — 🙂 "quoted"', 'and in one record');
  // A page's records are joined by SQLite with a newline (lib/list-query packedPage): a newline typed into a record stays its own.
  const lined = await makeContact(app, admin, { first_name: 'Line', position: 'Head of\nSales\tEMEA', company_id: hooli });
  const withLine = json(await a('GET', `/contacts?company_id=${hooli}&limit=10`)).data!;
  t.same(withLine.map((r) => r.id), [...json(byCompany).data!.map((r) => r.id), lined], 'every record once, in id order');
  t.equal(withLine[withLine.length - 1].position, 'Head of\nSales\tEMEA', 'a newline and a tab in a listed record come back as typed');
  const nobody = await makeCompany(app, admin, { name: 'Empty Co' });
  t.equal((await a('GET', `/contacts?company_id=${nobody}`)).body, '{"data":[],"next_cursor":null}', 'an empty page');
  // Where a joined page cannot be trusted (here a record written with a raw newline), the page is read as rows instead.
  const contactsAfter = () => app.db.selectFrom('contacts as p').where('p.company_id', '=', hooli);
  const joined = await keysetPage(contactsAfter(), 'p.id', { after: null, updatedSince: null, limit: 2, json: async () => `json_object('id', "p"."id")`, packed: app.db });
  t.equal(joined.packed?.toString(), withLine.slice(0, 2).map((r) => `{"id":${r.id}}`).join(','), 'a page joined by SQLite');
  t.ok(joined.more, 'with more after it');
  const odd = await keysetPage(contactsAfter(), 'p.id', { after: null, updatedSince: null, limit: 2, json: async () => `'{"id":' || "p"."id" || char(10) || '}'`, packed: app.db });
  t.equal(odd.packed, undefined, 'a record holding a newline: not joined');
  t.same(odd.rows.map((r) => r.json), withLine.slice(0, 2).map((r) => `{"id":${r.id}\n}`), 'its rows read one by one instead');
  t.ok(odd.more);
  t.equal(json(await a('GET', `/contacts?company_id=${hooli}&limit=4`)).next_cursor, Buffer.from(`id:${json(byCompany).data![3].id}`).toString('base64url'), 'a full page points past its last record');
  await app.db.updateTable('contacts').set({ updated_at: '2030-01-01T00:00:00.000Z' }).where('first_name', '=', 'P2').execute();
  t.same(json(await a('GET', '/contacts?updated_since=2029-12-31')).data!.map((r) => r.first_name), ['P2'], 'updated_since');
  // Changed-since pages run in order of change; a record changed while the client pages comes again at the end.
  for (const [name, at] of [['P0', '2030-03-01'], ['P1', '2030-02-01'], ['P3', '2030-02-01']]) await app.db.updateTable('contacts').set({ updated_at: `${at}T00:00:00.000Z` }).where('first_name', '=', name).execute();
  const changed: string[] = [];
  let since: string | null = null;
  do {
    const page = json(await a('GET', `/contacts?updated_since=2029-12-31&limit=1${since ? `&cursor=${since}` : ''}`));
    changed.push(...page.data!.map((r) => r.first_name as string));
    since = page.next_cursor ?? null;
    if (changed.length === 1) await app.db.updateTable('contacts').set({ updated_at: '2030-04-01T00:00:00.000Z' }).where('first_name', '=', 'P2').execute();
  } while (since);
  t.same(changed, ['P2', 'P1', 'P3', 'P0', 'P2'], 'by updated_at then id; P2, changed after it was read, comes again');
  const idCursor = json(await a('GET', '/contacts?limit=1')).next_cursor!;
  const changeCursor = json(await a('GET', '/contacts?limit=1&updated_since=2029-12-31')).next_cursor!;
  t.equal((await a('GET', `/contacts?cursor=${changeCursor}`)).statusCode, 422, 'a changed-since cursor without updated_since: 422');
  t.equal((await a('GET', `/contacts?cursor=${idCursor}&updated_since=2029-12-31`)).statusCode, 422, 'and an id cursor with it');
  for (const q of ['limit=0', 'limit=500', 'limit=x', 'cursor=%%%', 'cursor=bm9wZQ', 'updated_since=yesterday']) {
    const r = await a('GET', `/contacts?${q}`);
    t.equal(r.statusCode, 422, `${q}: 422`);
    t.ok(json(r).errors, 'with the field');
  }
  t.equal((await a('GET', '/contacts?company_id=abc&sort=nope')).statusCode, 200, 'an unknown filter value is ignored, as on the page');
  t.equal((await a('GET', '/deals?limit=1')).statusCode, 200);
  // Records are written as JSON by SQLite: a deal's contacts (in id order) and money in major units, the same in a list and alone.
  const [c1, c2] = [await makeContact(app, admin, { first_name: 'Zed' }), await makeContact(app, admin, { first_name: 'Amy' })];
  const linked = await makeDeal(app, admin, { title: 'Linked', value: 123456, contact_ids: [c2, c1] });
  const alone = json(await a('GET', `/deals/${linked}`));
  t.match(alone, { id: linked, title: 'Linked', value_cents: 123456, value: 1234.56, contact_ids: [Math.min(c1, c2), Math.max(c1, c2)] });
  const listed = json(await a('GET', `/deals?cursor=${Buffer.from(`id:${linked - 1}`).toString('base64url')}&limit=1`)).data![0];
  t.same(listed, alone, 'the list holds the same record');
  const whole = await makeDeal(app, admin, { title: 'Whole' });
  t.ok(/"value":1000[,}]/.test((await a('GET', `/deals/${whole}`)).body), 'a whole amount is written as an integer');
});

t.test('the OpenAPI 3.1 document validates, is served without a token, and a client generated from it creates, moves and reads back a deal', async (t) => {
  const { app } = await buildTestApp(t);
  const served = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
  t.equal(served.statusCode, 200, 'served without a token: it names no one’s data');
  const doc = JSON.parse(served.body);
  t.equal(doc.openapi, '3.1.0');
  await t.resolves(SwaggerParser.validate(structuredClone(doc)), 'valid per @apidevtools/swagger-parser');
  for (const p of ['/companies', '/contacts/{id}', '/customers', '/customer-groups/{id}', '/leads', '/deals/{id}', '/deals/{id}/move', '/leads/{id}/convert', '/tasks', '/notes/{id}', '/pipelines', '/lead-statuses', '/users/{id}']) t.ok(doc.paths[p], `documents ${p}`);
  t.same(doc.components.schemas.ContactCreate.required, ['first_name'], 'what a create must send comes from the form schema');
  t.match(doc.paths['/contacts'].get.parameters.map((x: { name: string }) => x.name), ['q', 'company_id', 'assigned_to', 'limit', 'cursor', 'updated_since'], 'the list page’s filters and the paging');
  t.equal(await generateTypes(), fs.readFileSync(TYPES_FILE, 'utf8'), 'tests/helpers/orchard-api.d.ts is current (regenerate: node --import tsx tests/helpers/generate-api-types.ts)');

  // The typed client (openapi-fetch over the generated paths) against the app on a real port.
  const rep = await makeUser(app, { email: 'rita@orchard.test' });
  const page = await (await loginAs(app, rep)).get('/help/api');
  t.equal(page.statusCode, 200, 'the reference page');
  t.match(page.body, /<span class="api-method api-post">POST<\/span> <code>\/api\/v1\/deals\/\{id\}\/move<\/code>/);
  t.match(page.body, /<code>first_name<\/code> <span class="api-req">required<\/span>/, 'with what a create must send');
  t.equal((await app.inject({ method: 'GET', url: '/help/api' })).statusCode, 303, 'for people signed in');
  const { secret } = await createApiToken(app.db, rep.id, 'client', 'write');
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const client = createClient<paths>({ baseUrl: `${address}/api/v1`, headers: { authorization: `Bearer ${secret}` } });
  const { pipeline, by } = await stagesOf(app);
  const made = await client.POST('/deals', { body: { title: 'Typed deal', pipeline_id: pipeline.id, value: 2500 } });
  t.equal(made.response.status, 201);
  const id = made.data!.id;
  const moved = await client.POST('/deals/{id}/move', { params: { path: { id } }, body: { stage_id: by('Won').id } });
  t.equal(moved.data?.stage_id, by('Won').id, 'moved');
  const read = await client.GET('/deals/{id}', { params: { path: { id } } });
  t.match(read.data, { id, title: 'Typed deal', value: 2500, stage_id: by('Won').id, assigned_to: rep.id });
  const list = await client.GET('/deals', { params: { query: { limit: 10 } } });
  t.same(list.data?.data.map((d) => d.id), [id]);
  const refused = await client.PATCH('/deals/{id}', { params: { path: { id } }, body: { title: '', version: read.data!.version } });
  t.equal(refused.response.status, 422);
  t.match(refused.error, { errors: { title: 'Title is required.' } }, 'problem+json reaches the client as its error');
});

/* ---------- webhooks: settings pages, the outbox, the delivery worker ---------- */

/** A real HTTP receiver: answers each request with the next of `codes` (the last one repeats). */
async function receiver(codes: number[] = [200]) {
  const got: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.statusCode = codes[Math.min(n++, codes.length - 1)];
      res.end(res.statusCode === 200 ? 'thanks' : 'not now');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return { url, got, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const WEBHOOK_ENV = { ORCHARD_WEBHOOK_ALLOW_PRIVATE: '1', ORCHARD_WEBHOOK_RETRY_SCALE: '0.00001' };

async function makeWebhook(c: Awaited<ReturnType<typeof loginAs>>, url: string, events: string[]) {
  const res = await c.post('/settings/webhooks', { url, description: 'Test receiver', events, is_active: '1' });
  const secret = /id="new-secret"[^>]*value="(whsec_[^"]+)"/.exec(res.body)?.[1] ?? '';
  return { res, secret };
}

t.test('webhooks: admins set them up (URL checked, private networks refused, secret shown once); events are signed per Standard Webhooks and verify', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin', email: 'ada@orchard.test' });
  const a = await loginAs(app, admin);
  const bad = await a.post('/settings/webhooks', { url: 'ftp://x', events: [] });
  t.equal(bad.statusCode, 422);
  t.match(bad.body, /id="f-url-error">Use an http:\/\/ or https:\/\/ URL/);
  t.match(bad.body, /id="f-events-error">Choose at least one event/);
  for (const url of ['http://127.0.0.1:9/x', 'http://localhost/x', 'http://10.1.2.3/x', 'http://[::1]/x', 'http://169.254.169.254/latest']) {
    const r = await a.post('/settings/webhooks', { url, events: ['deal.won'] });
    t.equal(r.statusCode, 422, `${url}: refused (SSRF)`);
    t.match(r.body, /server’s own network/);
  }
  t.equal((await app.db.selectFrom('webhooks').select('id').execute()).length, 0, 'nothing saved');
  const { res, secret } = await makeWebhook(a, 'https://hooks.example.com/orchard', ['deal.won']);
  t.equal(res.statusCode, 201);
  t.match(secret, /^whsec_/, 'the secret is shown once');
  t.notOk((await a.get('/settings/webhooks/1')).body.includes(secret.slice(6, 20)), 'and not again');
  t.match((await a.get('/settings/webhooks')).body, /hooks\.example\.com\/orchard/);
  const rep = await loginAs(app, await makeUser(app, { role: 'manager', email: 'mia@orchard.test' }));
  t.equal((await rep.get('/settings/webhooks')).statusCode, 403, 'admins only');
  t.equal((await a.post('/settings/webhooks', { url: 'https://x.example', events: ['deal.won'] }, { csrf: false })).statusCode, 403, 'CSRF protected');
  const edit = await a.post('/settings/webhooks/1', { url: 'https://hooks.example.com/v2', events: ['deal.won', 'lead.created'], is_active: '0', version: '1' });
  t.equal(edit.statusCode, 303);
  t.equal((await a.post('/settings/webhooks/1', { url: 'https://hooks.example.com/v3', events: ['deal.won'], version: '1' })).statusCode, 409, 'a stale edit: 409');
  t.ok(await app.db.selectFrom('audit_entries').select('id').where('entity_type', '=', 'webhook').where('action', '=', 'updated').executeTakeFirst(), 'changes on the audit trail');

  // Sending, for real: the receiver verifies with the standardwebhooks package.
  const { app: live } = await buildTestApp(t, { env: WEBHOOK_ENV });
  const r = await receiver();
  t.teardown(r.close);
  const boss = await makeUser(live, { role: 'admin', email: 'boss@orchard.test' });
  const b = await loginAs(live, boss);
  const hook = await makeWebhook(b, r.url, ['deal.created', 'deal.won', 'deal.stage_changed', 'contact.created']);
  const api = await tokenFor(live, boss);
  const { pipeline, by } = await stagesOf(live);
  const deal = json(await api('POST', '/deals', { title: 'Signed deal', pipeline_id: pipeline.id, value: 100 }));
  await api('POST', `/deals/${deal.id}/move`, { stage_id: by('Won').id });
  await api('POST', '/companies', { name: 'Not subscribed' });
  t.ok(await live.webhooks.drain(), 'delivered');
  t.same(r.got.map((g) => JSON.parse(g.body).type), ['deal.created', 'deal.stage_changed', 'deal.won'], 'the subscribed events, in order');
  const wh = new StandardWebhook(hook.secret);
  for (const g of r.got) t.doesNotThrow(() => wh.verify(g.body, g.headers as Record<string, string>), 'signature verifies');
  t.throws(() => wh.verify(r.got[0].body.replace('Signed', 'Forged'), r.got[0].headers as Record<string, string>), 'a changed body does not');
  t.match(JSON.parse(r.got[2].body), { type: 'deal.won', data: { id: deal.id, object: 'deal', changes: { stage_id: [by('Lead').id, by('Won').id] }, actor_id: boss.id } });
  t.match(r.got[0].headers, { 'webhook-id': /^msg_/, 'content-type': 'application/json', 'user-agent': 'Orchard-Webhooks/1' });
  const log = await b.get('/settings/webhooks/1');
  t.match(log.body, /deal\.won[\s\S]*Delivered/);

  // Redeliver: the same event (same webhook-id) again, as a new line of the log.
  const first = await live.db.selectFrom('webhook_deliveries').select('id').orderBy('id').executeTakeFirstOrThrow();
  t.equal((await b.post(`/settings/webhooks/1/deliveries/${first.id}/redeliver`, {})).statusCode, 303);
  t.ok(await live.webhooks.drain());
  t.equal(r.got.length, 4);
  t.equal(r.got[3].headers['webhook-id'], r.got[0].headers['webhook-id'], 'same webhook-id');
  t.equal((await b.post('/settings/webhooks/1/test', {})).statusCode, 303);
  t.ok(await live.webhooks.drain());
  t.equal(JSON.parse(r.got[4].body).type, 'webhook.test', 'a test event');
});

t.test('webhook delivery: 500 twice then 200 arrives on the third try; a dead receiver is marked failed after the last retry; a rollback emits nothing; undelivered events go out after a restart', async (t) => {
  const { app, dbFile } = await buildTestApp(t, { env: WEBHOOK_ENV });
  const admin = await makeUser(app, { role: 'admin', email: 'ada@orchard.test' });
  const a = await loginAs(app, admin);
  const flaky = await receiver([500, 500, 200]);
  t.teardown(flaky.close);
  t.equal((await makeWebhook(a, flaky.url, ['contact.created'])).res.statusCode, 201);
  await makeContact(app, admin, { first_name: 'Flaky' });
  for (let i = 0; i < 200 && !(await app.db.selectFrom('webhook_deliveries').select('id').where('status', '=', 'delivered').executeTakeFirst()); i++) await new Promise((r) => setTimeout(r, 20));
  const d = await app.db.selectFrom('webhook_deliveries').selectAll().executeTakeFirstOrThrow();
  t.match(d, { status: 'delivered', attempts: 3, response_code: 200 }, 'the third try got it');
  t.equal(flaky.got.length, 3);
  t.same(new Set(flaky.got.map((g) => g.headers['webhook-id'])).size, 1, 'one webhook-id for every try');
  t.not(flaky.got[0].headers['webhook-timestamp'], undefined);

  // A receiver that never answers 2xx: retried, then failed.
  const dead = await receiver([503]);
  t.teardown(dead.close);
  await app.db.updateTable('webhooks').set({ url: dead.url }).execute();
  await makeContact(app, admin, { first_name: 'Dead' });
  for (let i = 0; i < 300 && !(await app.db.selectFrom('webhook_deliveries').select('id').where('status', '=', 'failed').executeTakeFirst()); i++) await new Promise((r) => setTimeout(r, 20));
  const failed = await app.db.selectFrom('webhook_deliveries').selectAll().where('status', '=', 'failed').executeTakeFirstOrThrow();
  t.match(failed, { attempts: 11, response_code: 503, error: 'HTTP 503' }, 'failed after 11 tries (about a day at the real scale)');
  t.equal(dead.got.length, 11);

  // A change that rolls back sends nothing.
  const events = async () => (await app.db.selectFrom('webhook_events').select('id').execute()).length;
  const before = await events();
  const { createContact } = await import('../../../src/features/contacts/contacts.service.js');
  const { scopeFor } = await import('../../../src/lib/access.js');
  const scope = await scopeFor(app.db, { id: admin.id, name: admin.name, email: admin.email, role: 'admin', timeZone: 'UTC', sessionId: '' });
  await t.rejects(
    app.db.transaction().execute(async (trx) => {
      await createContact(trx, scope, { first_name: 'Ghost', last_name: null, position: null, email: null, phone: null, company_id: null, assigned_to: null }, {});
      throw new Error('changed my mind');
    }),
  );
  t.equal(await events(), before, 'no event for a rolled-back change');

  // Stopped before sending: the next process (same file) sends what was waiting.
  const ok = await receiver([200]);
  t.teardown(ok.close);
  await app.db.updateTable('webhooks').set({ url: ok.url }).execute();
  await app.webhooks.stop();
  await makeContact(app, admin, { first_name: 'Waiting' });
  await makeContact(app, admin, { first_name: 'Also waiting' });
  t.equal((await app.db.selectFrom('webhook_deliveries').select('id').where('status', '=', 'pending').execute()).length, 2, 'queued while no worker runs');
  await app.close();
  const { db, sqlite } = openDatabase(dbFile);
  const again = await buildApp({ config: loadConfig({ ORCHARD_DB: dbFile, LOG_LEVEL: 'silent', ...WEBHOOK_ENV }), db, sqlite, logger: false });
  await again.ready();
  t.teardown(async () => {
    await again.close();
    await db.destroy();
  });
  t.ok(await again.webhooks.drain(), 'the restarted server delivers them');
  t.same(ok.got.map((g) => JSON.parse(g.body).data.changes.first_name[1]).sort(), ['Also waiting', 'Waiting']);
  t.equal((await again.db.selectFrom('webhook_deliveries').select('id').where('status', '=', 'pending').execute()).length, 0, 'nothing left');
});
