import t from 'tap';
import SQLite from 'better-sqlite3';
import { buildTestApp, loginAs } from '../../helpers/app.js';
import { makeCompany, makeCustomer, makeDeal, makeLead, makeTask, makeUser, stagesOf } from '../../helpers/factories.js';
import { setSetting } from '../../../src/features/settings/settings.queries.js';
import { todayIso } from '../../../src/lib/time.js';
import { average, dealFigures, monthBuckets, monthsFromDays, winRate } from '../../../src/features/dashboard/dashboard.rules.js';

t.test('rules: win rate, averages, weighted forecast and month buckets in the CRM zone', async (t) => {
  t.equal(winRate(2, 1), 2 / 3);
  t.equal(winRate(0, 0), null, 'nothing closed: no rate, no division by zero');
  t.equal(average(800_000, 2), 400_000);
  t.equal(average(5, 0), null);
  const f = dealFigures([
    { stage_id: 1, pipeline_id: 1, is_won: 0, is_lost: 0, count: 2, value: 1_200_000, valueTimesPercent: 1_000_000 * 50 + 200_000 * 10 },
    { stage_id: 2, pipeline_id: 1, is_won: 1, is_lost: 0, count: 2, value: 800_000, valueTimesPercent: 80_000_000 },
    { stage_id: 3, pipeline_id: 1, is_won: 0, is_lost: 1, count: 1, value: 400_000, valueTimesPercent: 0 },
  ]);
  t.same(f, { total: 5, open: 2, won: 2, lost: 1, wonRevenue: 800_000, potentialRevenue: 1_200_000, weightedForecast: 520_000, averageWonValue: 400_000, winRate: 2 / 3 });
  const b = monthBuckets('2026-03-15', 'Europe/Berlin', 6);
  t.same(b.months.map((m) => m.key), ['2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03'], 'six months, oldest first, across a year');
  t.equal(b.months[5].startUtc, '2026-02-28T23:00:00.000Z', 'March starts at midnight in Berlin');
  t.equal(b.months[0].startUtc, '2025-09-30T22:00:00.000Z', 'October starts at midnight summer time');
  t.equal(b.endUtc, '2026-03-31T22:00:00.000Z', 'April starts after the DST change');
  t.equal(b.months[0].label, 'Oct 2025');
  // Months in Berlin from UTC-day counters: Feb starts Jan 31 23:00Z, Mar starts Feb 28 23:00Z, Apr starts Mar 31 22:00Z.
  const bounds = ['2026-01-31T23:00:00.000Z', '2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z'];
  const days = new Map([['2026-01-31', 5], ['2026-02-10', 3], ['2026-02-28', 2], ['2026-03-15', 4], ['2026-03-31', 3]]);
  // On each boundary's UTC day, created before it: 4 of Jan 31's 5, 1 of Feb 28's 2, 2 of Mar 31's 3.
  const partial = new Map([[bounds[0], 4], [bounds[1], 1], [bounds[2], 2]]);
  t.same(monthsFromDays(bounds, days, partial), [1 + 3 + 1, 1 + 4 + 2], 'February 5, March 7: the boundary days split at local midnight');
});

t.test('every card, revenue figure, chart series and link, against numbers worked out by hand; filters; own visibility', async (t) => {
  const { app } = await buildTestApp(t);
  const manager = await makeUser(app, { role: 'manager' });
  const ann = await makeUser(app, { name: 'Ann Rep' });
  const bob = await makeUser(app, { name: 'Bob Rep' });
  const { pipeline, by } = await stagesOf(app);
  const now = Date.now();
  const { months } = monthBuckets(todayIso('UTC'), 'UTC');
  const [m2, m1, m0] = months.slice(3); // two months ago, last month, this month
  const at = (m: typeof m0, day = 10) => `${m.key}-${String(day).padStart(2, '0')}T12:00:00.000Z`;
  // Six deals: value in cents, stage, probability, created, closed.
  const deal = async (who: typeof ann, value: number, stage: string, probability: number, created: string, closed: string | null) => {
    const id = await makeDeal(app, who, { title: `${who.name} ${stage} ${value}` });
    await app.db.updateTable('deals').set({ value_cents: value, stage_id: by(stage).id, probability, created_at: created, actual_close_date: closed }).where('id', '=', id).execute();
    return id;
  };
  await deal(ann, 1_000_000, 'Proposal', 50, at(m0, 1), null);
  await deal(ann, 200_000, 'Lead', 10, at(m1), null);
  await deal(ann, 500_000, 'Won', 100, at(m2), `${m0.key}-01`);
  await deal(bob, 300_000, 'Won', 100, at(m1), `${m1.key}-20`);
  await deal(bob, 400_000, 'Lost', 0, at(m0, 1), `${m0.key}-01`);
  await deal(bob, 100_000, 'Negotiation', 75, new Date(now - 300 * 86_400_000).toISOString(), null);
  // Leads: sources seeded here; Ann 2 New (Website) + 1 Qualified (Referral); Bob 1 Qualified (Website) + 1 Lost (none).
  const source = async (name: string) => (await app.db.selectFrom('lead_sources').select('id').where('name', '=', name).executeTakeFirst())?.id
    ?? Number((await app.db.insertInto('lead_sources').values({ name, created_at: '2026-01-01', updated_at: '2026-01-01' }).returning('id').executeTakeFirstOrThrow()).id);
  const website = await source('Website');
  const referral = await source('Referral');
  const status = async (name: string) => (await app.db.selectFrom('lead_statuses').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;
  for (let i = 0; i < 2; i++) await makeLead(app, ann, { title: `New ${i}`, lead_source_id: website });
  await makeLead(app, ann, { title: 'Q1', lead_source_id: referral, lead_status_id: await status('Qualified') });
  await makeLead(app, bob, { title: 'Q2', lead_source_id: website, lead_status_id: await status('Qualified') });
  await makeLead(app, bob, { title: 'L1', lead_status_id: await status('Lost') });
  // Tasks: Ann 2 to do + 1 done; Bob 1 to do + 1 cancelled.
  await makeTask(app, ann, { title: 'Call A', due_date: '2099-01-02' });
  await makeTask(app, ann, { title: 'Call B', due_date: '2099-01-01' });
  const doneTask = await makeTask(app, ann, { title: 'Done A' });
  await app.db.updateTable('tasks').set({ status: 'completed', completed_at: new Date().toISOString() }).where('id', '=', doneTask).execute();
  await makeTask(app, bob, { title: 'Call C' });
  const cancelled = await makeTask(app, bob, { title: 'Dropped' });
  await app.db.updateTable('tasks').set({ status: 'cancelled' }).where('id', '=', cancelled).execute();
  // Companies (Ann 2, one inactive; Bob 1) and customers (Ann 1, Bob 2).
  await makeCompany(app, ann, { name: 'Acme', assigned_to: ann.id });
  await makeCompany(app, ann, { name: 'Dormant', assigned_to: ann.id, is_active: 0 });
  await makeCompany(app, bob, { name: 'Bobco', assigned_to: bob.id });
  await makeCustomer(app, ann, { name: 'Cust A', assigned_to: ann.id });
  await makeCustomer(app, bob, { name: 'Cust B1', assigned_to: bob.id });
  await makeCustomer(app, bob, { name: 'Cust B2', assigned_to: bob.id });

  const card = (body: string, label: string) => Number(new RegExp(`<span class="stat-label">${label}</span><span class="stat-value">([\\d,]+)</span>`).exec(body)?.[1].replace(/,/g, ''));
  const sub = (body: string, label: string) => new RegExp(`<a href="([^"]+)"><strong>([\\d,]+)</strong> ${label}</a>`).exec(body);
  const revenue = (body: string, label: string) => new RegExp(`<dt>${label}</dt><dd><a href="([^"]+)">([^<]+)</a>`).exec(body);
  const unescape = (v: string) => v.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const chart = (body: string, id: string) => JSON.parse(unescape(new RegExp(`<canvas id="${id}" data-chart="([^"]*)"`).exec(body)![1]));

  const m = await loginAs(app, manager);
  const page = await m.get('/');
  t.equal(page.statusCode, 200);
  const body = page.body;
  t.equal(card(body, 'Companies'), 3);
  t.equal(sub(body, 'active')?.[2], '2');
  t.equal(sub(body, 'active')?.[1], '/companies?status=active', 'the active count opens the active companies');
  t.equal(card(body, 'Customers'), 3);
  t.equal(card(body, 'Leads'), 5);
  t.equal(sub(body, 'qualified')?.[2], '2');
  t.equal(sub(body, 'qualified')?.[1], `/leads?lead_status_id=${await status('Qualified')}`);
  t.equal(card(body, 'Deals'), 6);
  t.same([sub(body, 'open')?.[2], sub(body, 'open')?.[1]], ['3', '/deals?status=open'], 'open deals 3, linking to the open deals');
  t.same([sub(body, 'won')?.[2], sub(body, 'won')?.[1]], ['2', '/deals?status=won']);
  t.equal(card(body, 'Tasks'), 5);
  t.same([sub(body, 'to do')?.[2], sub(body, 'done')?.[2]], ['3', '1']);
  t.equal(sub(body, 'to do')?.[1], '/tasks?status=pending');
  // Revenue: won 5,000 + 3,000; open 10,000 + 2,000 + 1,000; weighted 5,000 + 200 + 750; average 4,000; 2 of 3 closed won.
  t.same(revenue(body, 'Won revenue')?.slice(1), ['/deals?status=won', '$8,000']);
  t.same(revenue(body, 'Potential \\(open deals\\)')?.slice(1), ['/deals?status=open', '$13,000']);
  t.equal(revenue(body, 'Weighted forecast')?.[2], '$5,950');
  t.equal(revenue(body, 'Average won deal')?.[2], '$4,000');
  t.equal(revenue(body, 'Win rate')?.[2], '67%');
  // Deals by month: this month created 2 (won 1 of 5,000, lost 1), last month created 2 (won 1 of 3,000), two months ago created 1.
  const months6 = chart(body, 'deals-by-month');
  t.same(months6.labels, months.map((x) => x.label));
  t.same(months6.series.map((s: { label: string; data: number[] }) => [s.label, s.data.slice(3)]), [['Created', [1, 2, 2]], ['Won', [0, 1, 1]], ['Lost', [0, 0, 1]], ['Won revenue', [0, 3000, 5000]]]);
  t.same(months6.series[0].data.slice(0, 3), [0, 0, 0], 'older months read 0 (the 300-day-old deal is outside)');
  t.match(body, new RegExp(`<th scope="row">${m0.label}</th><td>2</td><td>1</td><td>1</td><td>\\$5,000</td>`), 'the table twin says the same');
  const sources = chart(body, 'leads-by-source');
  t.same([sources.labels, sources.series[0].data], [['Website', 'Referral', 'No source'], [3, 1, 1]]);
  const tasks = chart(body, 'tasks-by-status');
  t.same([tasks.labels, tasks.series[0].data], [['To do', 'In progress', 'Done', 'Cancelled'], [3, 0, 1, 1]]);
  const stages = chart(body, 'open-deals-by-stage');
  t.same([stages.labels, stages.series[0].data], [['Sales · Lead', 'Sales · Proposal', 'Sales · Negotiation'], [1, 1, 1]]);
  t.match(body, /Your next tasks/);
  t.notMatch(body, /Call A/, 'the manager has no tasks of their own');

  // In a zone far from UTC, month boundaries fall inside UTC days (the partial-day counts): the
  // five deals created in the window are all still counted, each in one month.
  await setSetting(app.db, 'default_time_zone', 'Pacific/Auckland');
  const far = chart((await m.get('/')).body, 'deals-by-month');
  t.equal(far.series[0].data.reduce((a: number, b: number) => a + b, 0), 5, 'five created in the window, in Auckland months');
  await setSetting(app.db, 'default_time_zone', 'UTC');

  // Filtered by Bob: his numbers, and every link carries the filter.
  const bobs = (await m.get(`/?assigned_to=${bob.id}`)).body;
  t.same([card(bobs, 'Deals'), card(bobs, 'Companies'), card(bobs, 'Customers'), card(bobs, 'Leads'), card(bobs, 'Tasks')], [3, 1, 2, 2, 2]);
  t.equal(sub(bobs, 'open')?.[1], `/deals?assigned_to=${bob.id}&amp;status=open`, 'the link keeps the rep');
  t.equal(revenue(bobs, 'Win rate')?.[2], '50%');
  t.equal(revenue(bobs, 'Weighted forecast')?.[2], '$750');
  // Filtered by a pipeline with no deals: deal figures go to 0, the rest stay.
  const other = Number((await app.db.insertInto('pipelines').values({ name: 'Renewals', created_at: '2026-01-01', updated_at: '2026-01-01' }).returning('id').executeTakeFirstOrThrow()).id);
  const empty = (await m.get(`/?pipeline_id=${other}`)).body;
  t.same([card(empty, 'Deals'), card(empty, 'Companies')], [0, 3]);
  t.equal(revenue(empty, 'Win rate')?.[2], '—', 'nothing closed: a dash, not NaN');
  t.same([card((await m.get(`/?pipeline_id=${pipeline.id}`)).body, 'Deals')], [6]);
  t.equal((await m.get('/?pipeline_id=abc&assigned_to=-1')).statusCode, 200, 'junk filters are ignored');

  // A rep who sees only their own: Ann's numbers, whatever the URL asks.
  await setSetting(app.db, 'rep_visibility', 'own');
  const a = await loginAs(app, ann);
  const mine = (await a.get(`/?assigned_to=${bob.id}`)).body;
  t.same([card(mine, 'Deals'), card(mine, 'Companies'), card(mine, 'Customers'), card(mine, 'Leads'), card(mine, 'Tasks')], [3, 2, 1, 3, 3]);
  t.equal(revenue(mine, 'Won revenue')?.[2], '$5,000');
  t.equal(revenue(mine, 'Potential \\(open deals\\)')?.[2], '$12,000');
  t.equal(revenue(mine, 'Weighted forecast')?.[2], '$5,200');
  t.equal(revenue(mine, 'Win rate')?.[2], '100%');
  t.notMatch(mine, /Bob Rep|Cust B1|Bobco/, 'nothing of Bob\'s on the page');
  t.notMatch(mine, /name="assigned_to"/, 'no rep filter for a rep who sees only their own');
  t.match(mine, /Call B[\s\S]*Call A/, 'her next tasks, soonest first');
});

t.test('the figures are kept between views only while nothing changed: a write here, another process\'s commit, a rolled-back write', async (t) => {
  const { app, dbFile } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const c = await loginAs(app, admin);
  const card = (body: string, label: string) => Number(new RegExp(`<span class="stat-label">${label}</span><span class="stat-value">([\\d,]+)</span>`).exec(body)?.[1].replace(/,/g, ''));
  const deals = async () => card((await c.get('/')).body, 'Deals');
  t.equal(await deals(), 0);
  t.equal(await deals(), 0, 'served again (kept)');
  await makeDeal(app, admin);
  t.equal(await deals(), 1, 'a write through the app shows at once');
  const other = new SQLite(dbFile);
  t.teardown(() => other.close());
  other.pragma('foreign_keys = on');
  other.prepare('delete from deals').run();
  t.equal(await deals(), 0, 'a commit by another connection (another process) shows at once');
  await makeDeal(app, admin);
  t.equal(await deals(), 1);
  // A write rolled back after the page was read inside its transaction: what was read then is not kept.
  // (The app's own writes hold kysely's connection for their whole transaction; a raw one does not.)
  app.sqlite.exec('begin');
  app.sqlite.exec("insert into deals (title, pipeline_id, stage_id, created_at, updated_at, stage_entered_at, last_activity_at) select 'Phantom', pipeline_id, stage_id, created_at, updated_at, stage_entered_at, last_activity_at from deals limit 1");
  t.equal(await deals(), 2, 'the same connection sees its own open transaction');
  app.sqlite.exec('rollback');
  t.equal(await deals(), 1, 'the rolled-back deal is gone from the dashboard');
});
