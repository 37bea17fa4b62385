import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { Kysely, type CompiledQuery } from 'kysely';
import type { Database } from '../../src/db/schema.js';
import { OrchardSqliteDialect, openDatabase } from '../../src/db/database.js';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createApiToken } from '../../src/features/api-tokens/api-tokens.queries.js';
import { API_RESOURCES } from '../../src/features/api/api.resources.js';
import { makeUser } from '../helpers/factories.js';
import { loginAs } from '../helpers/app.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { seedDemo } from '../../src/seed/demo.js';
import { scaled, seedVolume } from '../../src/seed/volume.js';
import { getSettings } from '../../src/features/settings/settings.queries.js';
import type { Scope } from '../../src/lib/access.js';
import { companyEmailTaken, companyList, findCompany } from '../../src/features/companies/companies.queries.js';
import { contactList, contactsOfCompany } from '../../src/features/contacts/contacts.queries.js';
import { customerEmailTaken, customerList } from '../../src/features/customers/customers.queries.js';
import { boardSums, columnCards, dealList, dealsLinkedTo, findDeal } from '../../src/features/deals/deals.queries.js';
import { myTasks, taskList, tasksOf } from '../../src/features/tasks/tasks.queries.js';
import { listNotifications, unreadCount } from '../../src/features/notifications/notifications.queries.js';
import { convertedFrom, findLead, leadBoardSums, leadColumnCards, leadEmailTaken, leadList } from '../../src/features/leads/leads.queries.js';

/**
 * Query plans of the hot filtered pages at a few thousand rows (with statistics, as a live
 * database has them): none may SCAN a large table — a filtered page must not grow with it.
 * The queries are the app's own, captured as they run.
 */
const LARGE = /\bSCAN (companies|contacts|customers|deals|deal_contacts|leads|tasks|notifications|c|p|k|d|dc|l|t|n)\b/;

t.test('hot list, board, detail and search queries search indexes, never scan a large table', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-plans-'));
  const { db, sqlite } = openDatabase(path.join(dir, 'plans.db'));
  // Every statement the app prepares, for the LIMIT check at the end.
  const prepared = new Set<string>();
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((source: string) => {
    prepared.add(source);
    return prepare(source);
  }) as typeof sqlite.prepare;
  t.teardown(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  await migrateToLatest(db, sqlite);
  await seedDemo(db);
  // The demo's timeline is dated like its records: nothing says "created just now".
  const fresh = sqlite.prepare("select count(*) n from audit_entries where action = 'created' and entity_type in ('company', 'contact', 'customer', 'customer_group', 'deal') and created_at > ?").get(new Date(Date.now() - 86_400_000).toISOString()) as { n: number };
  t.equal(fresh.n, 0, 'demo records and their timeline entries are backdated');
  // The demo team's day: ~150 tasks, and a few unread notifications for every demo user.
  t.equal((sqlite.prepare('select count(*) n from tasks').get() as { n: number }).n, 150, 'demo tasks');
  const unread = sqlite.prepare('select u.email, (select count(*) from notifications n where n.user_id = u.id and n.read_at is null) as n from users u').all() as { email: string; n: number }[];
  t.ok(unread.length > 1 && unread.every((u) => u.n >= 2 && u.n <= 5), `a few unread notifications each: ${JSON.stringify(unread)}`);
  t.equal((sqlite.prepare("select count(*) n from tasks where status in ('pending', 'in_progress') and due_at < ? and overdue_notified_at is null").get(new Date().toISOString()) as { n: number }).n, 0, 'overdue demo tasks count as told');
  seedVolume(sqlite, scaled(0.02), () => {});
  sqlite.exec('ANALYZE');

  const captured: CompiledQuery[] = [];
  const logged = new Kysely<Database>({ dialect: new OrchardSqliteDialect({ database: sqlite }), log: (e) => {
    if (e.level === 'query') captured.push(e.query);
  } });
  const settings = await getSettings(db);
  const pick = (q: string) => (sqlite.prepare(q).get() as { id: number }).id;
  const rep = pick("select id from users where role = 'rep' order by id limit 1");
  const admin: Scope = { viewer: { id: pick("select id from users where role = 'admin' limit 1"), name: 'A', email: 'a@x', role: 'admin', timeZone: 'UTC', sessionId: '' }, ownOnly: false, settings };
  const own: Scope = { viewer: { id: rep, name: 'R', email: 'r@x', role: 'rep', timeZone: 'UTC', sessionId: '' }, ownOnly: true, settings };
  const industry = pick('select id from industries order by id limit 1');
  const company = pick('select company_id as id from contacts where company_id is not null group by company_id order by count(*) desc limit 1');
  const group = pick('select id from customer_groups order by id limit 1');
  const stage = pick('select stage_id as id from deals group by stage_id order by count(*) desc limit 1');
  const contact = pick('select contact_id as id from deal_contacts limit 1') ?? 1;
  const deal = pick('select id from deals order by id limit 1 offset 100');
  const page = { q: '', page: 1, dir: 'asc' as const };
  const leadStatus = pick('select id from lead_statuses where is_default = 1');
  const source = pick('select id from lead_sources order by id limit 1');
  const leadId = pick('select id from leads order by id limit 1 offset 100');

  const cases: [string, () => Promise<unknown>][] = [
    ['companies: industry + assigned', () => companyList.page(logged, admin, { ...page, sort: 'name', industry_id: industry, assigned_to: rep }, 25)],
    ['companies: search', () => companyList.page(logged, admin, { ...page, sort: 'name', q: 'hooli' }, 25)],
    ['companies: own visibility', () => companyList.page(logged, own, { ...page, sort: 'name' }, 25)],
    ['companies: detail', () => findCompany(logged, own, company)],
    ['contacts: of a company', () => contactList.page(logged, admin, { ...page, sort: 'name', company_id: company }, 25)],
    ['contacts: search', () => contactList.page(logged, admin, { ...page, sort: 'name', q: 'noah' }, 25)],
    ['contacts: own visibility', () => contactList.page(logged, own, { ...page, sort: 'name' }, 25)],
    ['contacts: company panel', () => contactsOfCompany(logged, admin, company)],
    ['customers: group', () => customerList.page(logged, admin, { ...page, sort: 'name', customer_group_id: group }, 25)],
    ['customers: own visibility', () => customerList.page(logged, own, { ...page, sort: 'name' }, 25)],
    ['deals: stage', () => dealList.page(logged, admin, { ...page, sort: 'created_at', dir: 'desc', stage_id: stage }, 25)],
    ['deals: open, by value', () => dealList.page(logged, admin, { ...page, sort: 'value', dir: 'desc', status: 'open' }, 25)],
    ['deals: stage + close range', () => dealList.page(logged, admin, { ...page, sort: 'created_at', dir: 'desc', stage_id: stage, close_from: '2026-01-01', close_to: '2026-06-30' }, 25)],
    ['deals: own list', () => dealList.page(logged, own, { ...page, sort: 'created_at', dir: 'desc' }, 25)],
    ['deals: own list by value', () => dealList.page(logged, own, { ...page, sort: 'value', dir: 'desc' }, 25)],
    ['deals: search', () => dealList.page(logged, admin, { ...page, sort: 'created_at', dir: 'desc', q: 'hooli' }, 25)],
    ['deals: key', () => dealList.page(logged, admin, { ...page, sort: 'created_at', dir: 'desc', q: `D-${deal}` }, 25)],
    ['deals: company panel', () => dealsLinkedTo(logged, admin, { company_id: company })],
    ['deals: contact panel', () => dealsLinkedTo(logged, admin, { contact_id: contact })],
    ['deals: detail', () => findDeal(logged, own, deal)],
    ['board: column', () => columnCards(logged, admin, stage, { limit: 21 })],
    ['board: column, own visibility', () => columnCards(logged, own, stage, { limit: 21 })],
    ['board: headers', () => boardSums(logged, own, [stage])],
    ['leads: status', () => leadList.page(logged, admin, { ...page, sort: 'created_at', dir: 'desc', lead_status_id: leadStatus }, 25)],
    ['leads: source + assigned', () => leadList.page(logged, admin, { ...page, sort: 'created_at', dir: 'desc', lead_source_id: source, assigned_to: rep }, 25)],
    ['leads: by status', () => leadList.page(logged, admin, { ...page, sort: 'status', dir: 'asc' }, 25)],
    ['leads: own list', () => leadList.page(logged, own, { ...page, sort: 'created_at', dir: 'desc' }, 25)],
    ['leads: search', () => leadList.page(logged, admin, { ...page, sort: 'created_at', dir: 'desc', q: 'hooli' }, 25)],
    ['leads: detail', () => findLead(logged, own, leadId)],
    ['lead board: column', () => leadColumnCards(logged, admin, leadStatus, { limit: 21 })],
    ['lead board: column, own visibility', () => leadColumnCards(logged, own, leadStatus, { limit: 21 })],
    ['lead board: headers', () => leadBoardSums(logged, own, [leadStatus])],
    ['converted from', () => convertedFrom(logged, admin, 'customer_id', 1)],
    // Email checks on every create and on conversion: partial unique indexes need `is not null` in the query.
    ['customer email taken', () => customerEmailTaken(logged, 'billing12@customers.example')],
    ['company email taken', () => companyEmailTaken(logged, 'info@acme.example')],
    ['lead email taken', () => leadEmailTaken(logged, 'lead12@prospects.example')],
    ['tasks: open', () => taskList.page(logged, admin, { ...page, sort: 'due_at', status: 'open' } as never, 25)],
    ['tasks: open, a type, an assignee', () => taskList.page(logged, admin, { ...page, sort: 'due_at', status: 'open', type: 'call', assigned_to: rep } as never, 25)],
    ['tasks: due range', () => taskList.page(logged, admin, { ...page, sort: 'due_at', due_from_at: '2026-01-01T00:00:00Z', due_before_at: '2026-02-01T00:00:00Z' } as never, 25)],
    ['tasks: due range by priority', () => taskList.page(logged, admin, { ...page, sort: 'priority', due_from_at: '2026-01-01T00:00:00Z', due_before_at: '2026-02-01T00:00:00Z' } as never, 25)],
    ['tasks: own visibility', () => taskList.page(logged, own, { ...page, sort: 'due_at' } as never, 25)],
    ['tasks: my tasks', () => myTasks(logged, rep, { now: new Date().toISOString(), tomorrowStart: new Date(Date.now() + 86_400_000).toISOString(), weekAgo: new Date(Date.now() - 7 * 86_400_000).toISOString() })],
    ['tasks: a record\'s panel', () => tasksOf(logged, 'deal', deal)],
    ['notifications: bell', () => unreadCount(logged, rep)],
    ['notifications: list', () => listNotifications(logged, rep)],
  ];
  for (const [name, run] of cases) {
    captured.length = 0;
    await run();
    t.ok(captured.length > 0, `${name}: ran`);
    for (const q of captured) {
      const plan = (sqlite.prepare(`explain query plan ${q.sql}`).all(...(q.parameters as unknown[])) as { detail: string }[]).map((r) => r.detail);
      // A walk down the index that gives the list's order, stopping after a page (LIMIT, no
      // sort step), reads a page's worth of rows, not the table: that scan is the plan we want.
      const walk = /\blimit\b/i.test(q.sql) && !plan.some((d) => d.includes('TEMP B-TREE')) ? /USING (COVERING )?INDEX/ : null;
      const scans = plan.filter((d) => LARGE.test(d) && !(walk && walk.test(d)));
      t.same(scans, [], `${name}: ${q.sql.slice(0, 90)}…`);
      if (name.startsWith('deals: own') || name.includes('close range') || name.includes('by value')) t.notOk(plan.some((d) => d.includes('TEMP B-TREE') && !q.sql.includes('close')), `${name}: no sort step`);
    }
  }

  // A rep's API pages in id order (lib/list-query manyVisible): walked when the rep sees over a
  // thousand records (a busy rep's tasks were all gathered and sorted for every page), gathered by
  // the rep's own indexes when few (a new rep's walk read the whole table).
  const api = (name: string) => API_RESOURCES.find((r) => r.name === name)!;
  const keysetOpts = { after: null, updatedSince: null, limit: 50 };
  const newRep: Scope = { ...own, viewer: { ...own.viewer, id: 999_999 } };
  t.ok((sqlite.prepare('select count(*) n from tasks where assigned_to = ?').get(rep) as { n: number }).n > 1000, 'the rep is busy: over a thousand tasks');
  const pageQuery = async (name: string, scope: Scope) => {
    captured.length = 0;
    const { rows } = await api(name).keyset(logged, scope, {}, keysetOpts);
    const page = captured[captured.length - 1];
    const plan = (sqlite.prepare(`explain query plan ${page.sql}`).all(...(page.parameters as unknown[])) as { detail: string }[]).map((r) => r.detail);
    return { rows, sql: page.sql, plan };
  };
  const busyTasks = await pageQuery('tasks', own);
  t.equal(busyTasks.rows.length, 50, 'a busy rep: a full page of tasks');
  t.match(busyTasks.sql, /\+t\.assigned_to = \?/, 'a busy rep\'s tasks are walked in id order');
  t.notOk(busyTasks.plan.some((d) => d.includes('TEMP B-TREE')), `a busy rep's tasks page sorts nothing: ${busyTasks.plan.join(' | ')}`);
  for (const name of ['tasks', 'contacts', 'companies']) {
    const none = await pageQuery(name, newRep);
    t.equal(none.rows.length, 0, `a new rep sees no ${name}`);
    // Gathered: the rep's own condition as entities' few-records form (unlikely(…)), not the walk's per-row probe.
    if (name === 'tasks') t.notMatch(none.sql, /\+t\.assigned_to/, `a new rep's tasks are gathered from their own, not walked: ${none.sql.slice(0, 120)}`);
    else t.match(none.sql, /where unlikely\(/, `a new rep's ${name} are gathered from their own, not walked: ${none.sql.slice(0, 120)}`);
  }

  // A bound LIMIT makes SQLite plan a kept statement again on every run (db/database
  // InlineLimitCompiler): the pages, boards, timelines, searches and API lists of the app write
  // theirs as numbers.
  const config = loadConfig({ ORCHARD_DB: path.join(dir, 'plans.db'), LOG_LEVEL: 'silent' });
  const app = await buildApp({ config, db, sqlite, logger: false });
  t.teardown(() => app.close());
  const boss = await makeUser(app, { role: 'admin' });
  const client = await loginAs(app, boss);
  const pages = ['/', '/companies', '/contacts', '/customers', '/deals', '/deals/board', `/deals/${deal}`, '/leads', '/leads/board', `/leads/${leadId}`, '/tasks', '/search?q=acme', '/notifications', `/companies/${company}`, '/deals?q=hooli', '/contacts?q=noah&page=2'];
  for (const url of pages) t.equal((await client.get(url)).statusCode, 200, url);
  const headers = { authorization: `Bearer ${(await createApiToken(db, boss.id, 'plans', 'read')).secret}` };
  for (const url of ['/api/v1/deals', '/api/v1/deals?limit=7', '/api/v1/leads?updated_since=2020-01-01', '/api/v1/contacts?limit=3', '/api/v1/tasks', '/api/v1/companies?cursor=' + Buffer.from('id:1').toString('base64url')]) {
    const res = await app.inject({ url, headers });
    t.equal(res.statusCode, 200, url);
  }
  const limited = [...prepared].filter((q) => /\blimit\b/i.test(q));
  t.ok(limited.length > 20, `${limited.length} statements with a LIMIT ran`);
  t.ok(limited.some((q) => /\blimit 8\b/.test(q)), 'an API page size (7, and one more to tell if there is a next page) is written into its statement');
  t.same(limited.filter((q) => /\blimit\s*(\?|\$|:|@)/i.test(q)), [], 'no LIMIT is a bound parameter');
});
