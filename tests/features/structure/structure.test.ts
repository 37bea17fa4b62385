import t from 'tap';
import { buildTestApp, loginAs } from '../../helpers/app.js';
import { makeDeal, makeUser, stagesOf } from '../../helpers/factories.js';
import { getSettings, setSetting } from '../../../src/features/settings/settings.queries.js';
import { createCompany } from '../../../src/features/companies/companies.service.js';
import { createCustomer } from '../../../src/features/customers/customers.service.js';
import { type Scope } from '../../../src/lib/access.js';
import { nowIso } from '../../../src/lib/time.js';
const company = { name: 'Composed Co', website: null, phone: null, email: null, street: null, city: null, state: null, postal_code: null, country: null, industry_id: null, size_id: null, description: null, assigned_to: null, is_active: 1 as const };
const customer = (companyId: number) => ({ name: 'Composed Buyer', email: null, phone: null, company_id: companyId, customer_group_id: null, assigned_to: null });

t.test('services compose in the caller\'s transaction: both commit, or both roll back with their audit entries', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const scope: Scope = { viewer: { id: admin.id, name: admin.name, email: admin.email, role: 'admin', timeZone: 'UTC', sessionId: '' }, ownOnly: false, settings: await getSettings(app.db) };
  const counts = async () => ({
    companies: (await app.db.selectFrom('companies').select('id').execute()).length,
    customers: (await app.db.selectFrom('customers').select('id').execute()).length,
    audit: (await app.db.selectFrom('audit_entries').select('id').where('entity_type', 'in', ['company', 'customer']).execute()).length,
  });

  await t.rejects(
    app.db.transaction().execute(async (trx) => {
      const companyId = await createCompany(trx, scope, company, {});
      await createCustomer(trx, scope, customer(companyId), {});
      throw new Error('the conversion failed half-way');
    }),
    /half-way/,
  );
  t.same(await counts(), { companies: 0, customers: 0, audit: 0 }, 'nothing of either service remains');

  // A failing second service rolls back the first one too.
  await t.rejects(
    app.db.transaction().execute(async (trx) => {
      const companyId = await createCompany(trx, scope, company, {});
      await createCustomer(trx, scope, { ...customer(companyId), customer_group_id: 999 }, {});
    }),
  );
  t.same(await counts(), { companies: 0, customers: 0, audit: 0 }, 'a 422 in the second service undoes the first');

  const ids = await app.db.transaction().execute(async (trx) => {
    const companyId = await createCompany(trx, scope, company, {});
    return { companyId, customerId: await createCustomer(trx, scope, customer(companyId), {}) };
  });
  t.same(await counts(), { companies: 1, customers: 1, audit: 2 }, 'together they commit, each with its audit entry');
  const linked = await app.db.selectFrom('customers').select('company_id').where('id', '=', ids.customerId).executeTakeFirstOrThrow();
  t.equal(linked.company_id, ids.companyId);
});

t.test('expired sessions are purged when the app starts', async (t) => {
  const first = await buildTestApp(t);
  const user = await makeUser(first.app);
  const row = (id: string, expires: string) => ({ id, user_id: user.id, created_at: nowIso(), last_seen_at: nowIso(), expires_at: expires, ip: null, user_agent: null });
  await first.app.db.insertInto('sessions').values([row('expired-one', '2020-01-01T00:00:00.000Z'), row('live-one', '2999-01-01T00:00:00.000Z')]).execute();
  await first.app.close();
  const { buildApp } = await import('../../../src/app.js');
  const again = await buildApp({ config: first.config, db: first.app.db, sqlite: first.app.sqlite, logger: false });
  await again.ready();
  const left = (await again.db.selectFrom('sessions').select('id').execute()).map((s) => s.id);
  t.ok(!left.includes('expired-one'), 'the expired session is gone');
  t.ok(left.includes('live-one'), 'a live one stays');
  await again.close();
});

t.test('one formatter follows the currency and date_format settings; one money and one date parser', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const deal = await makeDeal(app, rep, { title: 'Euro deal', value: 1_250_000, expected_close_date: '2026-06-30', probability: 40 });
  const c = await loginAs(app, rep);
  let page = await c.get(`/deals/${deal}`);
  t.match(page.body, /\$12,500/, 'USD by default');
  t.match(page.body, /Jun 30, 2026/, 'default date format');
  t.match(page.body, /\$5,000/, 'weighted value from the rule: 40 % of 12,500');
  await setSetting(app.db, 'currency', 'EUR');
  await setSetting(app.db, 'date_format', 'yyyy-MM-dd');
  page = await c.get(`/deals/${deal}`);
  t.match(page.body, /€12,500/, 'money in the currency setting');
  t.match(page.body, /2026-06-30/, 'dates in the date_format setting');
  t.match((await c.get('/deals')).body, /€12,500 in value/, 'the list header too');
  t.match((await c.get('/deals/board')).body, /€/, 'and the board');

  const { pipeline } = await stagesOf(app);
  const tooBig = await c.post('/deals', { title: 'Huge', value: '999999999999.99', pipeline_id: pipeline.id, assigned_to: rep.id });
  t.equal(tooBig.statusCode, 422);
  t.match(tooBig.body, /too large/);
  const admin = await loginAs(app, await makeUser(app, { role: 'admin' }));
  const badDate = await admin.post('/settings/directories/campaigns', { name: 'Leap', starts_on: '2026-02-30', ends_on: '', budget_cents: '', is_active: '1' });
  t.equal(badDate.statusCode, 422, 'directories refuse a date that does not exist, like deals do');
  t.equal((await app.db.selectFrom('campaigns').select('id').execute()).length, 0);
});

t.test('customer groups page like every other list; a busy or locked database has its own message', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const { makeCustomerGroup } = await import('../../helpers/factories.js');
  for (let i = 0; i < 27; i++) await makeCustomerGroup(app, admin, { name: `Group ${String(i).padStart(2, '0')}`, priority: i });
  const c = await loginAs(app, admin);
  const first = await c.get('/customer-groups');
  t.match(first.body, /1–25 of 27/, 'the first page and the total');
  t.match(first.body, /Group 26/, 'highest priority first');
  const second = await c.get('/customer-groups?page=2');
  t.match(second.body, /Group 01/);
  t.notMatch(second.body, /Group 26/);
  const { storageProblem } = await import('../../../src/lib/errors.js');
  t.match(storageProblem({ code: 'SQLITE_BUSY' }), /busy/);
  t.match(storageProblem({ code: 'SQLITE_LOCKED_SHAREDCACHE' }), /busy/);
  t.equal(storageProblem(new Error('other')), null);
});

t.test('lists sorted by a linked name follow renames, relinks and deletes (kept sort keys)', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const c = await loginAs(app, admin);
  const { makeCompany, makeContact } = await import('../../helpers/factories.js');
  const zulu = await makeCompany(app, admin, { name: 'Zulu Works' });
  const alpha = await makeCompany(app, admin, { name: 'Alpha Partners' });
  await makeContact(app, admin, { first_name: 'Zed', last_name: 'One', company_id: zulu });
  await makeContact(app, admin, { first_name: 'Amy', last_name: 'Two', company_id: alpha });
  await makeContact(app, admin, { first_name: 'Nob', last_name: 'Three', company_id: null });
  const order = async () => [...(await c.get('/contacts?sort=company')).body.matchAll(/<a href="\/contacts\/\d+">([^<]+)<\/a>/g)].map((m) => m[1]);
  t.same(await order(), ['Nob Three', 'Amy Two', 'Zed One'], 'no company first, then by company name');
  await app.db.updateTable('companies').set({ name: 'Aardvark Works' }).where('id', '=', zulu).execute();
  t.same(await order(), ['Nob Three', 'Zed One', 'Amy Two'], 'a renamed company re-sorts its contacts');
  await app.db.updateTable('contacts').set({ company_id: null }).where('first_name', '=', 'Amy').execute();
  t.equal((await app.db.selectFrom('contacts').select('company_sort').where('first_name', '=', 'Amy').executeTakeFirstOrThrow()).company_sort, null, 'unlinked: no key');
  await app.db.updateTable('contacts').set({ company_id: alpha }).where('first_name', '=', 'Nob').execute();
  t.same(await order(), ['Amy Two', 'Zed One', 'Nob Three'], 'relinked contacts take their new company\'s name');
  const { by } = await stagesOf(app);
  const deal = await makeDeal(app, admin, { title: 'Keyed deal' });
  const stageSort = async () => (await app.db.selectFrom('deals').select(['stage_sort', 'assigned_sort']).where('id', '=', deal).executeTakeFirstOrThrow());
  t.same(await stageSort(), { stage_sort: by('Lead').position, assigned_sort: admin.name }, 'a new deal gets its stage position and assignee name');
  await app.db.updateTable('deals').set({ stage_id: by('Won').id }).where('id', '=', deal).execute();
  t.equal((await stageSort()).stage_sort, by('Won').position, 'a move updates the stage key');
});

t.test('a list past 1,000 matches says so instead of counting every row, and still pages', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const c = await loginAs(app, admin);
  const now = nowIso();
  const ins = app.sqlite.prepare('insert into companies (name, is_active, created_at, updated_at) values (?, 1, ?, ?)');
  app.sqlite.transaction(() => {
    for (let i = 0; i < 1_100; i++) ins.run(`${i < 1_050 ? 'Springfield' : 'Shelbyville'} ${String(i).padStart(4, '0')}`, now, now);
  })();
  const all = await c.get('/companies');
  t.match(all.body, /of 1,100/, 'an unfiltered list counts exactly (a b-tree count)');
  const searched = await c.get('/companies?q=springfield');
  t.match(searched.body, /1–25 of more than 1,000/, 'a search past the cap says "more than 1,000"');
  t.match(searched.body, /rel="next"/, 'and offers the next page');
  const deep = await c.get('/companies?q=springfield&page=42');
  t.match(deep.body, /1,026–1,050 of more than 1,000/, 'pages past the cap still list rows');
  t.notMatch(deep.body, /rel="next"/, 'the last page has no Next');
  const few = await c.get('/companies?q=shelbyville');
  t.match(few.body, /1–25 of 50</, 'under the cap the count is exact');
});

/* ---------- formatters (one file per area: tap starts a process per file) ---------- */
/**
 * Building an Intl formatter costs ~160 µs and native memory: pages reuse them. Counts the
 * formatters constructed while the board and the deal list render a second time: none.
 */
t.test('pages reuse Intl formatters: a second render builds none', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  for (let i = 0; i < 12; i++) await makeDeal(app, rep, { title: `Deal ${i}`, expected_close_date: '2026-12-0' + ((i % 9) + 1), value: 100_000 * (i + 1) });
  const c = await loginAs(app, rep);
  const pages = ['/deals/board', '/deals', '/companies', '/'];
  for (const url of pages) t.equal((await c.get(url)).statusCode, 200, `${url} warms up`);

  let built = 0;
  const originals = { DateTimeFormat: Intl.DateTimeFormat, NumberFormat: Intl.NumberFormat, RelativeTimeFormat: Intl.RelativeTimeFormat };
  const counting = <T extends object>(Ctor: T): T => new Proxy(Ctor, { construct: (target, args) => (built++, Reflect.construct(target as never, args)) });
  Object.assign(Intl, { DateTimeFormat: counting(originals.DateTimeFormat), NumberFormat: counting(originals.NumberFormat), RelativeTimeFormat: counting(originals.RelativeTimeFormat) });
  t.teardown(() => Object.assign(Intl, originals));
  for (const url of pages) await c.get(url);
  Object.assign(Intl, originals);
  t.equal(built, 0, 'no formatter built on the second render');
});

t.test('a badge’s text colour passes WCAG AA (4.5:1) on any background a manager picks', async (t) => {
  const { contrastRatio, contrastText } = await import('../../../src/lib/format.js');
  // The colours that failed on the deal list, and a sweep over every 8th step of each channel.
  t.equal(contrastText('#94a3b8'), '#111827');
  t.equal(contrastText('#a78bfa'), '#111827');
  t.equal(contrastText('#16a34a'), '#111827', 'mid green: dark, not white (3.3:1)');
  t.equal(contrastText('#101828'), '#ffffff');
  let worst = 21;
  for (let r = 0; r < 256; r += 8) for (let g = 0; g < 256; g += 8) for (let b = 0; b < 256; b += 8) {
    const bg = '#' + [r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('');
    worst = Math.min(worst, contrastRatio(bg, contrastText(bg)));
  }
  t.ok(worst >= 4.5, `the lowest contrast over the sweep is ${worst.toFixed(2)}:1`);
});
