import t from 'tap';
import { sql } from 'kysely';
import { buildTestApp, loginAs } from '../../helpers/app.js';
import { setSetting } from '../../../src/features/settings/settings.queries.js';
import { makeCompany, makeContact, makeCustomer, makeDeal, makeLead, makeTask, makeUser } from '../../helpers/factories.js';

const count = async (app: Awaited<ReturnType<typeof buildTestApp>>['app'], q: string) => Number(((await sql.raw(q).execute(app.db)).rows[0] as { n: number }).n);
const versionOf = async (app: Awaited<ReturnType<typeof buildTestApp>>['app'], table: string, id: number) =>
  Number(((await sql.raw(`select version as n from ${table} where id = ${id}`).execute(app.db)).rows[0] as { n: number }).n);
const orphans = async (app: Awaited<ReturnType<typeof buildTestApp>>['app']) => (await sql.raw('pragma foreign_key_check').execute(app.db)).rows.length;

t.test('the finder groups by normalized email, phone digits, name and website domain, and pages through groups', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const a = await makeContact(app, admin, { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', phone: '+44 20 7946 0000' });
  const b = await makeContact(app, admin, { first_name: 'ADA', last_name: 'lovelace', email: ' Ada@Example.com', phone: '020-7946-0000' });
  await makeContact(app, admin, { first_name: 'Grace', last_name: 'Hopper', email: 'grace@example.com', phone: '12' });
  const acme = await makeCompany(app, admin, { name: 'Acme Robotics', website: 'https://acme.example' });
  const acmeInc = await makeCompany(app, admin, { name: 'ACME Robotics, Inc.', website: 'http://www.acme.example/about' });
  await makeCompany(app, admin, { name: 'Robotics Acme' });
  const c = await loginAs(app, admin);

  const email = await c.get('/duplicates?kind=contacts&by=email');
  t.equal(email.statusCode, 200);
  t.match(email.body, /Same email:<\/span> ada@example\.com/, 'email lower-cased and trimmed');
  t.match(email.body, new RegExp(`name="ids" value="${a}"[^>]*checked`), 'the first two of a group are ticked');
  t.match(email.body, new RegExp(`name="ids" value="${b}"[^>]*checked`));
  t.notMatch(email.body, /Grace/, 'a record without a twin is not listed');
  const phone = await c.get('/duplicates?kind=contacts&by=phone');
  t.match(phone.body, /Same phone:<\/span> 079460000/, 'the last nine digits meet across formats and prefixes');
  t.notMatch(phone.body, /Same phone:<\/span> 12</, 'too few digits to be a phone number');
  t.match((await c.get('/duplicates?kind=contacts&by=name')).body, /Same name:<\/span> ada lovelace/);

  const names = await c.get('/duplicates?kind=companies&by=name');
  t.match(names.body, /Same name:<\/span> acme robotics/, 'punctuation and the legal form are left out');
  t.match(names.body, new RegExp(`/companies/${acmeInc}"`));
  t.notMatch(names.body, /Robotics Acme/);
  const web = await c.get('/duplicates?kind=companies&by=website');
  t.match(web.body, /Same website:<\/span> acme\.example/, 'scheme, www and path are left out');
  t.match(web.body, new RegExp(`/companies/${acme}"`));
  t.match((await c.get('/duplicates?kind=customers')).body, /No likely duplicates here/);
  t.match((await c.get('/duplicates?kind=leads&by=phone')).body, /No likely duplicates here/);

  // Many groups: 20 per page, in key order; members capped with "and N more".
  for (let i = 0; i < 25; i++) {
    await makeContact(app, admin, { first_name: 'Twin', last_name: `N${String(i).padStart(2, '0')}` });
    await makeContact(app, admin, { first_name: 'Twin', last_name: `N${String(i).padStart(2, '0')}` });
  }
  for (let i = 0; i < 10; i++) await makeContact(app, admin, { first_name: 'Zed', last_name: 'Many' });
  const p1 = await c.get('/duplicates?kind=contacts&by=name');
  t.match(p1.body, /27 groups of contacts/);
  t.equal((p1.body.match(/class="panel dup-group"/g) ?? []).length, 20);
  const p2 = await c.get('/duplicates?kind=contacts&by=name&page=2');
  t.match(p2.body, /And 2 more/, 'a group of ten shows eight and says how many more');
  t.equal((await c.get('/duplicates?kind=contacts&by=name&page=99')).statusCode, 200, 'a page past the end shows the last');
  t.equal((await c.get('/duplicates?kind=nonsense&by=%00&page=-4')).statusCode, 200, 'any query string is answered');
  t.equal((await c.get('/duplicates?kind=companies')).body.includes('Same name'), true);
});

t.test('merging two contacts: picked values kept, deals, tasks, notes and timeline moved, the other deleted — one transaction', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const rep = await makeUser(app, { name: 'Rita Rep', email: 'rita@orchard.test' });
  const co = await makeCompany(app, admin, { name: 'Hooli' });
  const keep = await makeContact(app, admin, { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', company_id: co });
  const drop = await makeContact(app, admin, { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@work.example', phone: '+44 1234 5678', position: 'CTO', assigned_to: rep.id });
  const shared = await makeDeal(app, admin, { title: 'Both on it', contact_ids: [keep, drop] });
  const dealOfDrop = await makeDeal(app, admin, { title: 'Only the twin', contact_ids: [drop] });
  const task = await makeTask(app, admin, { title: 'Call the twin' }, { type: 'contact', id: drop });
  const c = await loginAs(app, admin);
  t.equal((await c.post(`/contacts/${drop}/notes`, { body: 'Met at the fair' })).statusCode < 400, true);

  const page = await c.get(`/duplicates/merge?kind=contacts&ids=${keep}&ids=${drop}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, /2 deals, 1 task, 1 note/, 'what hangs on each record is shown');
  t.match(page.body, new RegExp(`name="pick_phone" value="${drop}" checked`), 'an empty field on the survivor takes the other value by default');
  t.match(page.body, new RegExp(`name="pick_email" value="${keep}" checked`));

  const form = {
    kind: 'contacts',
    ids: [String(keep), String(drop)],
    keep: String(keep),
    [`version_${keep}`]: String(await versionOf(app, 'contacts', keep)),
    [`version_${drop}`]: String(await versionOf(app, 'contacts', drop)),
    pick_email: String(drop),
    pick_phone: String(drop),
    pick_position: String(drop),
    pick_company_id: String(keep),
    pick_assigned_to: String(drop),
  };
  // Stale: the other record changed since the page was shown → 409, nothing merged.
  const stale = await c.post('/duplicates/merge', { ...form, [`version_${drop}`]: '0' });
  t.equal(stale.statusCode, 409);
  t.match(stale.body, /changed by someone else/);
  t.equal(await count(app, `select count(*) n from contacts where id = ${drop}`), 1);

  const res = await c.post('/duplicates/merge', form);
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, `/contacts/${keep}`);
  const kept = await app.db.selectFrom('contacts').selectAll().where('id', '=', keep).executeTakeFirstOrThrow();
  t.same([kept.email, kept.phone, kept.position, kept.company_id, kept.assigned_to], ['ada@work.example', '+44 1234 5678', 'CTO', co, rep.id], 'the picked values');
  t.equal(await count(app, `select count(*) n from contacts where id = ${drop}`), 0, 'the other is gone');
  t.same(
    (await app.db.selectFrom('deal_contacts').select(['deal_id', 'contact_id']).orderBy('deal_id').execute()).map((r) => [r.deal_id, r.contact_id]),
    [[shared, keep], [dealOfDrop, keep]],
    'deal contacts re-pointed; a deal both were on keeps one line',
  );
  t.equal(await count(app, `select count(*) n from tasks where id = ${task} and entity_type = 'contact' and entity_id = ${keep}`), 1, 'the task moved');
  t.equal(await count(app, `select count(*) n from notes where entity_type = 'contact' and entity_id = ${keep}`), 1, 'the note moved');
  t.equal(await count(app, `select count(*) n from audit_entries where entity_type = 'contact' and entity_id = ${drop} and action <> 'merged_into'`), 0, 'the timeline moved');
  t.equal(await count(app, `select count(*) n from audit_entries where entity_type = 'deal' and entity_id = ${dealOfDrop} and action = 'updated' and changes like '%contacts%'`), 1, 'the deal says its contact changed');
  t.equal(await orphans(app), 0, 'no foreign key points at nothing');
  const show = await c.get(`/contacts/${keep}`);
  t.match(show.body, /merged a duplicate into this contact/);
  t.match(show.body, /Met at the fair/);
  t.match(show.body, /Call the twin/);
  // The rep's notice about the other record moved with it, and the reassignment wrote one, as a form does.
  t.equal(await count(app, `select count(*) n from notifications where user_id = ${rep.id} and entity_type = 'contact' and entity_id = ${keep}`), 2);

  // Merged records cannot be merged again.
  t.equal((await c.post('/duplicates/merge', form)).statusCode, 404);
  t.equal((await c.get(`/duplicates/merge?kind=contacts&ids=${keep}`)).statusCode, 303, 'one record is not a pair');
});

t.test('merging companies, customers and leads re-points every table; a bad pick answers 422 and writes nothing', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const c = await loginAs(app, admin);
  const post = async (kind: string, table: string, keep: number, drop: number, picks: Record<string, number> = {}) =>
    c.post('/duplicates/merge', {
      kind,
      ids: [String(keep), String(drop)],
      keep: String(keep),
      [`version_${keep}`]: String(await versionOf(app, table, keep)),
      [`version_${drop}`]: String(await versionOf(app, table, drop)),
      ...Object.fromEntries(Object.entries(picks).map(([k, v]) => [`pick_${k}`, String(v)])),
    });

  // Companies: contacts, customers, deals and leads move.
  const acme = await makeCompany(app, admin, { name: 'Acme', email: 'a@acme.example' });
  const acme2 = await makeCompany(app, admin, { name: 'Acme Inc', email: 'hello@acme.example', city: 'Lyon' });
  const person = await makeContact(app, admin, { company_id: acme2 });
  const cust = await makeCustomer(app, admin, { name: 'Acme billing', company_id: acme2 });
  const deal = await makeDeal(app, admin, { company_id: acme2 });
  const leadId = await makeLead(app, admin, { title: 'Acme lead' });
  await app.db.updateTable('leads').set({ company_id: acme2 }).where('id', '=', leadId).execute();
  const res = await post('companies', 'companies', acme, acme2, { email: acme2, city: acme2 });
  t.equal(res.statusCode, 303);
  const kept = await app.db.selectFrom('companies').selectAll().where('id', '=', acme).executeTakeFirstOrThrow();
  t.same([kept.name, kept.email, kept.city], ['Acme', 'hello@acme.example', 'Lyon'], "the other's email is free once it is gone");
  t.equal(await count(app, `select count(*) n from contacts where id = ${person} and company_id = ${acme}`), 1);
  t.equal(await count(app, `select count(*) n from customers where id = ${cust} and company_id = ${acme}`), 1);
  t.equal(await count(app, `select count(*) n from deals where id = ${deal} and company_id = ${acme}`), 1);
  t.equal(await count(app, `select count(*) n from leads where id = ${leadId} and company_id = ${acme}`), 1);
  t.equal(await count(app, `select count(*) n from audit_entries where entity_type = 'contact' and entity_id = ${person} and changes like '%company_id%${acme}%'`), 1, "the contact's timeline says it moved");
  t.equal(await count(app, `select count(*) n from contacts where id = ${person} and company_sort = 'Acme'`), 1, 'kept sort keys follow (triggers)');
  t.equal(await orphans(app), 0);

  // Customers: deals move.
  const k1 = await makeCustomer(app, admin, { name: 'Zed Ltd' });
  const k2 = await makeCustomer(app, admin, { name: 'Zed Limited' });
  const d2 = await makeDeal(app, admin, { customer_id: k2 });
  t.equal((await post('customers', 'customers', k1, k2)).statusCode, 303);
  t.equal(await count(app, `select count(*) n from deals where id = ${d2} and customer_id = ${k1}`), 1);

  // Leads: a converted lead is not merged into an unconverted one (409 with what to do).
  const l1 = await makeLead(app, admin, { title: 'First', contact_name: 'Bo Diddley' });
  const l2 = await makeLead(app, admin, { title: 'Second', contact_name: 'Bo Diddley', value: 5000 });
  await app.db.updateTable('leads').set({ converted_at: new Date().toISOString() }).where('id', '=', l2).execute();
  const refused = await post('leads', 'leads', l1, l2);
  t.equal(refused.statusCode, 409);
  t.match(refused.body, /Keep the converted lead/);
  t.equal((await post('leads', 'leads', l2, l1, { title: l1 })).statusCode, 303, 'the other way round it merges');
  t.equal((await app.db.selectFrom('leads').select('title').where('id', '=', l2).executeTakeFirstOrThrow()).title, 'First');

  // A pick that makes the survivor invalid (a contact with neither name): 422 by the field, nothing written.
  const p1 = await makeContact(app, admin, { first_name: 'Solo', last_name: null });
  const p2 = await makeContact(app, admin, { first_name: null, last_name: 'Only' });
  const bad = await post('contacts', 'contacts', p1, p2, { first_name: p2, last_name: p1 });
  t.equal(bad.statusCode, 422);
  t.match(bad.body, /Enter a first or a last name/);
  t.match(bad.body, new RegExp(`name="pick_first_name" value="${p2}" checked`), 'the form keeps what was picked');
  t.equal(await count(app, `select count(*) n from contacts where id in (${p1}, ${p2})`), 2, 'nothing half-written');
});

t.test('visibility: a rep with own visibility finds and merges only what they may see and edit', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const rita = await makeUser(app, { name: 'Rita Rep', email: 'rita@orchard.test' });
  const sam = await makeUser(app, { name: 'Sam Rep', email: 'sam@orchard.test' });
  await setSetting(app.db, 'rep_visibility', 'own');
  const mine1 = await makeContact(app, admin, { first_name: 'Kim', last_name: 'Mine', email: 'kim@example.com', assigned_to: rita.id });
  const mine2 = await makeContact(app, admin, { first_name: 'Kim', last_name: 'Mine', email: 'kim@example.com', assigned_to: rita.id });
  const theirs = await makeContact(app, admin, { first_name: 'Kim', last_name: 'Mine', email: 'kim@example.com', assigned_to: sam.id });
  const c = await loginAs(app, rita);
  const page = await c.get('/duplicates?kind=contacts&by=email');
  t.match(page.body, /2 contacts<\/span>/, "the group counts only Rita's two");
  t.notMatch(page.body, new RegExp(`value="${theirs}"`), "Sam's contact is not shown");
  t.equal((await c.get(`/duplicates/merge?kind=contacts&ids=${mine1}&ids=${theirs}`)).statusCode, 404, 'nor offered for a merge');
  const res = await c.post('/duplicates/merge', {
    kind: 'contacts', ids: [String(mine1), String(theirs)], keep: String(mine1),
    [`version_${mine1}`]: '1', [`version_${theirs}`]: '1',
  });
  t.equal(res.statusCode, 404, 'a forged merge with a record the rep cannot see is refused');
  t.equal(await count(app, `select count(*) n from contacts where id = ${theirs}`), 1);
  const ok = await c.post('/duplicates/merge', {
    kind: 'contacts', ids: [String(mine1), String(mine2)], keep: String(mine1),
    [`version_${mine1}`]: '1', [`version_${mine2}`]: '1',
  });
  t.equal(ok.statusCode, 303, 'her own two merge');
  const noCsrf = await c.post('/duplicates/merge', { kind: 'contacts', ids: [String(mine1), String(theirs)] }, { csrf: false });
  t.equal(noCsrf.statusCode, 403, 'CSRF protected');
});
