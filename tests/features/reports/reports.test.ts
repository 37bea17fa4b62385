import t from 'tap';
import { buildTestApp, loginAs } from '../../helpers/app.js';
import { leadStatuses, makeCompany, makeCustomer, makeDeal, makeLead, makeTask, makeUser, stagesOf } from '../../helpers/factories.js';
import { setSetting } from '../../../src/features/settings/settings.queries.js';
import { dayStartUtc, todayIso } from '../../../src/lib/time.js';
import { averageDays, dealDynamics, forecastRows, funnelSteps, performanceRows, periodOf, periodSums, splitByMonths } from '../../../src/features/reports/reports.rules.js';
import SQLite from 'better-sqlite3';
import { average, dealFigures, monthBuckets, monthsFromDays, winRate } from '../../../src/features/dashboard/dashboard.rules.js';
t.test('rules: forecast buckets — overdue, twelve months from today\'s, later, no date; weighted rounded per bucket', async (t) => {
  const rows = forecastRows('2026-11-24', [
    { day: '2026-11-23', deals: 1, value: 100_000, valueTimesPercent: 100_000 * 50 },
    { day: '2026-11-24', deals: 2, value: 300_000, valueTimesPercent: 300_000 * 25 },
    { day: '2027-10-31', deals: 1, value: 50_000, valueTimesPercent: 50_000 * 10 },
    { day: '2027-11-01', deals: 1, value: 70_000, valueTimesPercent: 70_000 * 90 },
    { day: '', deals: 3, value: 30_000, valueTimesPercent: 30_000 * 33 },
  ]);
  t.same(rows.map((r) => r.key), ['overdue', '2026-11', '2026-12', '2027-01', '2027-02', '2027-03', '2027-04', '2027-05', '2027-06', '2027-07', '2027-08', '2027-09', '2027-10', 'later', 'none']);
  const by = Object.fromEntries(rows.map((r) => [r.key, r]));
  t.same([by.overdue.deals, by.overdue.value, by.overdue.weighted], [1, 100_000, 50_000]);
  t.same([by['2026-11'].deals, by['2026-11'].weighted], [2, 75_000], 'today counts in this month, not overdue');
  t.same([by['2027-10'].deals, by.later.deals, by.later.weighted], [1, 1, 63_000], 'the twelfth month, then later');
  t.same([by.none.deals, by.none.weighted, by.none.label], [3, 9_900, 'No date']);
  t.equal(by['2026-12'].deals, 0, 'an empty month reads 0');
});

t.test('revenue forecast: rows, chart, table and CSV against numbers worked out by hand; filters; own visibility', async (t) => {
  const { app } = await buildTestApp(t);
  const manager = await makeUser(app, { role: 'manager' });
  const ann = await makeUser(app, { name: 'Ann Rep' });
  const bob = await makeUser(app, { name: 'Bob Rep' });
  const { by } = await stagesOf(app);
  const today = todayIso('UTC');
  const [y, m] = today.split('-').map(Number);
  const monthPlus = (k: number) => { const total = y * 12 + (m - 1) + k; return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`; };
  const deal = async (who: typeof ann, value: number, probability: number, expected: string | null, stage = 'Proposal') => {
    const id = await makeDeal(app, who);
    await app.db.updateTable('deals').set({ value_cents: value, probability, expected_close_date: expected, stage_id: by(stage).id }).where('id', '=', id).execute();
  };
  await deal(ann, 1_000_000, 50, '2020-01-15');             // overdue: 10,000.00, weighted 5,000
  await deal(ann, 200_000, 10, today);                      // this month: 2,000.00, weighted 200
  await deal(bob, 400_000, 75, `${monthPlus(2)}-01`);       // in two months: 4,000.00, weighted 3,000
  await deal(bob, 300_000, 20, null);                       // no date: 3,000.00, weighted 600
  await deal(bob, 900_000, 100, today, 'Won');              // won: not in a forecast
  await deal(ann, 700_000, 0, `${monthPlus(1)}-05`, 'Lost'); // lost: not either

  const c = await loginAs(app, manager);
  const page = await c.get('/reports/forecast');
  t.equal(page.statusCode, 200);
  const row = (body: string, label: string) => new RegExp(`<th scope="row">${label}</th><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>`).exec(body)?.slice(1);
  const monthLabel = (key: string) => `${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][Number(key.slice(5)) - 1]} ${key.slice(0, 4)}`;
  t.same(row(page.body, 'Overdue'), ['1', '$10,000', '$5,000']);
  t.same(row(page.body, monthLabel(monthPlus(0))), ['1', '$2,000', '$200']);
  t.same(row(page.body, monthLabel(monthPlus(1))), ['0', '$0', '$0'], 'the lost deal is not forecast');
  t.same(row(page.body, monthLabel(monthPlus(2))), ['1', '$4,000', '$3,000']);
  t.same(row(page.body, 'No date'), ['1', '$3,000', '$600']);
  t.same(row(page.body, 'Total'), ['4', '$19,000', '$8,800'], 'the total row');
  const spec = JSON.parse(/<canvas id="forecast" data-chart="([^"]*)"/.exec(page.body)![1].replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
  t.equal(spec.labels.length, 15, 'overdue, 12 months, later, no date');
  t.same(spec.series.map((s: { data: number[] }) => s.data[0]), [10_000, 5_000], 'the chart draws the same numbers (in currency units)');

  const csv = await c.get('/reports/forecast.csv');
  t.equal(csv.statusCode, 200);
  t.match(csv.headers['content-type'], /text\/csv/);
  const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
  t.equal(lines[0], 'Expected close,Open deals,Value (USD),Weighted (USD)');
  t.equal(lines[1], 'Overdue,1,10000.00,5000.00');
  t.ok(lines.includes('No date,1,3000.00,600.00'));
  t.equal(lines.length, 16, 'a header and 15 rows');

  // Filtered by Bob, in the page and in its CSV link.
  const bobs = await c.get(`/reports/forecast?assigned_to=${bob.id}`);
  t.same(row(bobs.body, 'Total'), ['2', '$7,000', '$3,600']);
  t.match(bobs.body, new RegExp(`href="/reports/forecast.csv\\?assigned_to=${bob.id}"`), 'the CSV follows the filter');
  t.match((await c.get(`/reports/forecast.csv?assigned_to=${bob.id}`)).body, /Overdue,0,0.00,0.00/);

  // A rep with own visibility: their own deals, whatever the URL says.
  await setSetting(app.db, 'rep_visibility', 'own');
  const a = await loginAs(app, ann);
  const mine = await a.get(`/reports/forecast?assigned_to=${bob.id}`);
  t.same(row(mine.body, 'Total'), ['2', '$12,000', '$5,200']);
  t.match((await a.get('/reports/forecast.csv')).body, /Overdue,1,10000.00,5000.00/);
  t.equal((await a.get('/reports/forecast?pipeline_id=zzz&assigned_to=%00')).statusCode, 200, 'junk filters are ignored');
  t.equal((await a.get('/reports')).headers.location, '/reports/forecast');
});

t.test('rules: periods on the CRM calendar, counters summed over a period with partial days, funnels, velocity, per-rep rows', async (t) => {
  const berlin = (d: string) => dayStartUtc(d, 'Europe/Berlin');
  const p = periodOf('last_12_months', '2026-11-24', berlin);
  t.same([p.firstDay, p.endDay, p.startUtc, p.endUtc], ['2025-12-01', '2026-12-01', '2025-11-30T23:00:00.000Z', '2026-11-30T23:00:00.000Z']);
  t.equal(p.label, 'Last 12 months · Dec 2025 – Nov 2026');
  t.same([periodOf('this_quarter', '2026-11-24', berlin).firstDay, periodOf('last_quarter', '2026-02-10', berlin).firstDay, periodOf('last_quarter', '2026-02-10', berlin).endDay], ['2026-10-01', '2025-10-01', '2026-01-01']);
  t.same([periodOf('last_month', '2026-01-15', berlin).firstDay, periodOf('last_year', '2026-01-15', berlin).endDay], ['2025-12-01', '2026-01-01']);
  const c = periodOf('custom', '2026-11-24', berlin, '2026-03-31', '2026-02-01');
  t.same([c.firstDay, c.endDay, c.label], ['2026-02-01', '2026-04-01', '1 Feb 2026 – 31 Mar 2026'], 'custom dates put in order, the last day inclusive');
  t.equal(periodOf('custom', '2026-11-24', berlin).key, 'last_12_months', 'custom without dates falls back');

  // Whole UTC days, less the start's UTC day before the start, plus the end's UTC day before the end.
  const sums = periodSums(['k'], [{ k: 1, n: 10 }, { k: 2, n: 3 }], [{ k: 1, n: 4 }, { k: 2, n: 3 }], [{ k: 1, n: 1 }, { k: 3, n: 2 }]);
  t.same(sums, [{ k: 1, n: 7 }, { k: 3, n: 2 }], 'a key that comes to nothing is dropped');

  t.same(splitByMonths('2025-11-30', '2026-11-30'), { days: [['2025-11-30', '2025-12-01'], ['2026-11-01', '2026-11-30']], months: ['2025-12', '2026-11'] }, 'a Berlin year: a day, eleven months, 29 days');
  t.same(splitByMonths('2026-01-01', '2026-04-01'), { days: [], months: ['2026-01', '2026-04'] }, 'whole months only');
  t.same(splitByMonths('2026-01-31', '2026-02-28'), { days: [['2026-01-31', '2026-02-28']], months: null }, 'no whole month: days only');
  t.same(splitByMonths('2026-02-10', '2026-02-10'), { days: [], months: null });
  const f = funnelSteps([{ label: 'a', n: 4 }, { label: 'b', n: 6 }, { label: 'c', n: 0 }, { label: 'd', n: 1 }]);
  t.same(f.map((s) => [s.fromPrevious, s.fromFirst]), [[null, 1], [1.5, 1.5], [0, 0], [null, 0.25]]);
  t.same(funnelSteps([{ label: 'a', n: 0 }, { label: 'b', n: 0 }]).map((s) => s.fromFirst), [null, null], 'an empty funnel divides by nothing');
  t.equal(averageDays(3 * 86_400 + 43_200, 2), 1.8, '3.5 days over 2 stays, one decimal');
  t.equal(averageDays(0, 0), null);

  const dyn = dealDynamics([{ id: 1, name: 'A', is_won: 0, is_lost: 0 }, { id: 2, name: 'B', is_won: 1, is_lost: 0 }], new Map([[1, { count: 2, value: 500 }]]), [
    { from_stage_id: 0, to_stage_id: 1, moves: 3, firsts: 3, stays: 0, stay_seconds: 0 },
    { from_stage_id: 1, to_stage_id: 2, moves: 2, firsts: 2, stays: 2, stay_seconds: 86_400 * 5 },
    { from_stage_id: 99, to_stage_id: 1, moves: 1, firsts: 1, stays: 1, stay_seconds: 60 },
  ]);
  t.same(dyn.stages.map((s) => [s.label, s.dealsNow, s.entered, s.left, s.averageDays]), [['A', 2, 4, 2, 2.5], ['B', 0, 2, 0, null]]);
  t.same(dyn.matrix.rows.map((r) => [r.label, r.cells, r.total]), [['New deal', [3, 0], 3], ['A', [0, 2], 2], ['Another pipeline', [1, 0], 1]], 'a won stage nothing left is no row');
  t.equal(dyn.matrix.total, 6);

  const reps = performanceRows([{ id: 1, name: 'Ann' }, { id: 2, name: 'Bob' }], [
    { assigned_to: 2, won: true, lost: false, deals: 2, value: 900, closeDays: 21 },
    { assigned_to: 2, won: false, lost: true, deals: 1, value: 50, closeDays: 3 },
    { assigned_to: 7, won: true, lost: false, deals: 1, value: 100, closeDays: 4 },
  ], new Map([[1, { deals: 1, value: 300 }]]), new Map([[1, 5]]), new Map([[7, 'Former (inactive)']]));
  t.same(reps.map((r) => [r.name, r.won, r.wonValue, r.lost, r.winRate, r.averageDaysToClose, r.openValue, r.tasksCompleted]), [
    ['Bob', 2, 900, 1, 2 / 3, 10.5, 0, 0],
    ['Former (inactive)', 1, 100, 0, 1, 4, 0, 0],
    ['Ann', 0, 0, 0, null, null, 300, 5],
  ], 'busiest first; someone outside the team with figures still shows');
});

/**
 * The data set of the three period reports, worked by hand (see the comments): Sales pipeline
 * Lead → Qualified → Proposal → Negotiation → Won / Lost; the period is 1 Jan – 31 Mar 2026.
 */
async function periodData(t: { teardown: (fn: () => unknown) => void }) {
  const { app } = await buildTestApp(t);
  const manager = await makeUser(app, { role: 'manager', name: 'Mia Manager' });
  const ann = await makeUser(app, { name: 'Ann Rep' });
  const bob = await makeUser(app, { name: 'Bob Rep' });
  const { by } = await stagesOf(app);
  const deal = async (who: typeof ann, value: number, steps: [string, string][], close: string | null = null) => {
    const id = await makeDeal(app, who);
    await app.db.deleteFrom('deal_stage_history').where('deal_id', '=', id).execute();
    for (const [k, [stage, at]] of steps.entries())
      await app.db.insertInto('deal_stage_history').values({ deal_id: id, from_stage_id: k ? by(steps[k - 1][0]).id : null, to_stage_id: by(stage).id, user_id: null, created_at: at }).execute();
    await app.db.updateTable('deals').set({ stage_id: by(steps.at(-1)![0]).id, value_cents: value, created_at: steps[0][1], actual_close_date: close }).where('id', '=', id).execute();
    return id;
  };
  const z = (d: string) => `${d}T00:00:00.000Z`;
  // D1 Ann 10,000: stays Lead 21 d, Qualified 10 d, Proposal 12 d; won 1 Feb, 43 days after creation.
  await deal(ann, 1_000_000, [['Lead', z('2025-12-20')], ['Qualified', z('2026-01-10')], ['Proposal', z('2026-01-20')], ['Won', z('2026-02-01')]], '2026-02-01');
  // D2 Ann 5,000: Lead 31 d, Qualified 33 d, lost 10 Mar.
  await deal(ann, 500_000, [['Lead', z('2026-01-05')], ['Qualified', z('2026-02-05')], ['Lost', z('2026-03-10')]], '2026-03-10');
  // D3 Bob 8,000: Lead 10 d, Qualified 4 d, back to Lead 14 d, Qualified again — open.
  await deal(bob, 800_000, [['Lead', z('2026-02-01')], ['Qualified', z('2026-02-11')], ['Lead', z('2026-02-15')], ['Qualified', z('2026-03-01')]]);
  // D4 Bob 20,000: created 20 Mar; its move to Proposal is in April, outside.
  await deal(bob, 2_000_000, [['Lead', z('2026-03-20')], ['Proposal', z('2026-04-05')]]);
  // D5 Bob 3,000: created in Qualified in November; won at 23:00 on 31 Mar (150 d 23 h in Qualified), 150 days after creation.
  await deal(bob, 300_000, [['Qualified', z('2025-11-01')], ['Won', '2026-03-31T23:00:00.000Z']], '2026-03-31');
  // D6 Mia 1,000: created 22:00 on 31 Jan, Qualified 90 minutes later — the Berlin month boundary falls between.
  await deal(manager, 100_000, [['Lead', '2026-01-31T22:00:00.000Z'], ['Qualified', '2026-01-31T23:30:00.000Z']]);

  const st = await leadStatuses(app);
  const lead = async (who: typeof ann, steps: [string, string][]) => {
    const id = await makeLead(app, who);
    await app.db.deleteFrom('lead_status_history').where('lead_id', '=', id).execute();
    for (const [k, [status, at]] of steps.entries())
      await app.db.insertInto('lead_status_history').values({ lead_id: id, from_status_id: k ? st(steps[k - 1][0]).id : null, to_status_id: st(status).id, user_id: null, created_at: at }).execute();
  };
  await lead(ann, [['New', z('2026-01-02')], ['Contacted', z('2026-01-10')], ['Qualified', z('2026-01-20')], ['Converted', z('2026-02-01')]]);
  await lead(ann, [['New', z('2026-02-01')], ['Contacted', z('2026-02-03')], ['Lost', z('2026-02-10')]]);
  await lead(bob, [['New', z('2025-12-01')], ['Contacted', z('2026-03-05')]]);
  await lead(bob, [['New', z('2026-04-02')]]);

  const done = async (who: typeof ann, at: string) => {
    const id = await makeTask(app, who);
    await app.db.updateTable('tasks').set({ status: 'completed', completed_at: at }).where('id', '=', id).execute();
  };
  await done(ann, z('2026-02-10'));
  await done(ann, z('2026-04-01')); // the day after the period
  await done(bob, '2026-03-31T23:30:00.000Z');
  await makeTask(app, bob); // pending
  return { app, manager, ann, bob };
}

const Q1 = 'period=custom&from=2026-01-01&to=2026-03-31';
const cells = (body: string, label: string, n: number) => new RegExp(`<th scope="row">${label}</th>${'<td[^>]*>([^<]*)</td>'.repeat(n)}`).exec(body)?.slice(1);
const csvLines = (body: string) => body.replace(/^\uFEFF/, '').trim().split('\r\n');

t.test('deal dynamics: stages now, moves in the period, the from → to matrix, won and lost, velocity; Berlin month ends; own visibility', async (t) => {
  const { app, manager, ann } = await periodData(t);
  const c = await loginAs(app, manager);
  const page = await c.get(`/reports/dynamics?${Q1}`);
  t.equal(page.statusCode, 200);
  // Stage, deals now, value now, entered, left, average stay.
  t.same(cells(page.body, 'Lead', 5), ['0', '$0', '5', '5', '15.2 d'], 'Lead: (21 + 31 + 10 + 14 + 1.5 h) / 5');
  t.same(cells(page.body, 'Qualified', 5), ['2', '$9,000', '5', '4', '49.5 d'], 'Qualified: (10 + 33 + 4 + 150 d 23 h) / 4');
  t.same(cells(page.body, 'Proposal', 5), ['1', '$20,000', '1', '1', '12.0 d']);
  t.same(cells(page.body, 'Negotiation', 5), ['0', '$0', '0', '0', '—']);
  t.same(cells(page.body, 'Won', 5), ['2', '$13,000', '2', '0', '—']);
  t.same(cells(page.body, 'Lost', 5), ['1', '$5,000', '1', '0', '—']);
  // The matrix: New deal → Lead 4; Lead → Qualified 5; Qualified → Lead, Proposal, Won, Lost 1 each; Proposal → Won 1.
  const matrix = page.body.slice(page.body.indexOf('id="moves-table"'));
  t.same(cells(matrix, 'New deal', 7), ['4', '·', '·', '·', '·', '·', '4']);
  t.same(cells(matrix, 'Lead', 7), ['·', '5', '·', '·', '·', '·', '5']);
  t.same(cells(matrix, 'Qualified', 7), ['1', '·', '1', '·', '1', '1', '4']);
  t.same(cells(matrix, 'Proposal', 7), ['·', '·', '·', '·', '1', '·', '1']);
  t.match(page.body, /Won in the period<\/span><span class="stat-value">2<\/span><span class="stat-sub">\$13,000/);
  t.match(page.body, /Lost in the period<\/span><span class="stat-value">1<\/span><span class="stat-sub">\$5,000/);
  t.match(page.body, /Stage moves in the period<\/span><span class="stat-value">14</);
  t.match(page.body, /1 Jan 2026 – 31 Mar 2026/, 'the period is named');
  const spec = JSON.parse(/<canvas id="dynamics" data-chart="([^"]*)"/.exec(page.body)![1].replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
  t.same(spec.series.map((s: { data: number[] }) => s.data), [[0, 2, 1, 0, 2, 1], [5, 5, 1, 0, 2, 1]], 'the chart draws the table');

  const csv = csvLines((await c.get(`/reports/dynamics.csv?${Q1}`)).body);
  t.equal(csv[0], 'Stage,Deals now,Value now (USD),Entered in period,Left in period,Average days in stage');
  t.equal(csv[1], 'Lead,0,0.00,5,5,15.2');
  t.equal(csv[2], 'Qualified,2,9000.00,5,4,49.5');
  const moves = csvLines((await c.get(`/reports/dynamics.csv?${Q1}&table=moves`)).body);
  t.equal(moves[0], 'From \\ To,Lead,Qualified,Proposal,Negotiation,Won,Lost,Total');
  t.ok(moves.includes('Qualified,1,0,1,0,1,1,4'));

  // February in Berlin: 31 Jan 23:00Z – 28 Feb 23:00Z. D6's creation (22:00Z) is January there,
  // its move at 23:30Z is February; D3's return to Qualified at 00:00Z on 1 Mar is 01:00 in March.
  await setSetting(app.db, 'default_time_zone', 'Europe/Berlin');
  const feb = await c.get('/reports/dynamics?period=custom&from=2026-02-01&to=2026-02-28');
  t.match(feb.body, /Stage moves in the period<\/span><span class="stat-value">6</);
  const febMatrix = feb.body.slice(feb.body.indexOf('id="moves-table"'));
  t.same(cells(febMatrix, 'New deal', 7), ['1', '·', '·', '·', '·', '·', '1']);
  t.same(cells(febMatrix, 'Lead', 7), ['·', '3', '·', '·', '·', '·', '3']);
  t.match(feb.body, /Won in the period<\/span><span class="stat-value">1</);
  await setSetting(app.db, 'default_time_zone', 'UTC');

  // Filtered by Ann; then Ann herself with own visibility, whatever the URL says.
  const anns = await c.get(`/reports/dynamics?${Q1}&assigned_to=${ann.id}`);
  t.match(anns.body, /Stage moves in the period<\/span><span class="stat-value">6</);
  await setSetting(app.db, 'rep_visibility', 'own');
  const a = await loginAs(app, ann);
  const own = await a.get(`/reports/dynamics?${Q1}&assigned_to=${manager.id}`);
  t.match(own.body, /Stage moves in the period<\/span><span class="stat-value">6</);
  t.match(own.body, /Won in the period<\/span><span class="stat-value">1<\/span><span class="stat-sub">\$10,000/);
  t.same(cells(own.body, 'Qualified', 5), ['0', '$0', '2', '2', '21.5 d'], 'only her deals: (10 + 33) / 2');
  t.equal((await a.get('/reports/dynamics?period=nope&from=2026-02-31&to=x&pipeline_id=999')).statusCode, 200, 'junk is ignored');
  // The form: a preset picked with the shown dates untouched takes the preset; edited dates make a custom period.
  const form = (q: string) => a.get(`/reports/dynamics?${q}`).then((r) => /<p class="muted small report-period">([^<]*)</.exec(r.body)![1]);
  t.match(await form('period=this_year&from=2025-12-01&to=2026-11-30&shown_from=2025-12-01&shown_to=2026-11-30'), /^This year · Jan \d{4} – Dec \d{4}$/);
  t.equal(await form('period=last_12_months&from=2026-01-01&to=2026-03-31&shown_from=2025-12-01&shown_to=2026-11-30'), '1 Jan 2026 – 31 Mar 2026');
  t.equal(await form('period=custom&from=2026-03-31&to=2026-01-01'), '1 Jan 2026 – 31 Mar 2026', 'ends swapped into order');
});

t.test('conversion: lead and deal funnels from the history, step to step; CSV; own visibility', async (t) => {
  const { app, manager, ann } = await periodData(t);
  const c = await loginAs(app, manager);
  const page = await c.get(`/reports/conversion?${Q1}`);
  t.equal(page.statusCode, 200);
  const leads = page.body.slice(page.body.indexOf('id="lead-funnel-table"'), page.body.indexOf('id="deal-funnel-table"'));
  const deals = page.body.slice(page.body.indexOf('id="deal-funnel-table"'));
  // Leads reaching each status in Q1 (first time): New 2, Contacted 3, Qualified 1, Converted 1; Lost 1.
  t.same(cells(leads, 'New', 3), ['2', '—', '100.0%']);
  t.same(cells(leads, 'Contacted', 3), ['3', '150.0%', '150.0%'], 'a lead created before the period counts where it got to in it');
  t.same(cells(leads, 'Qualified', 3), ['1', '33.3%', '50.0%']);
  t.same(cells(leads, 'Converted', 3), ['1', '100.0%', '50.0%']);
  t.same(cells(leads, 'Lost', 3), ['1', '', '']);
  // Deals: Lead 4 (D3 back in Lead counts once), Qualified 4, Proposal 1, Negotiation 0, Won 2; Lost 1.
  t.same(cells(deals, 'Lead', 3), ['4', '—', '100.0%']);
  t.same(cells(deals, 'Qualified', 3), ['4', '100.0%', '100.0%']);
  t.same(cells(deals, 'Proposal', 3), ['1', '25.0%', '25.0%']);
  t.same(cells(deals, 'Negotiation', 3), ['0', '0.0%', '0.0%']);
  t.same(cells(deals, 'Won', 3), ['2', '—', '50.0%'], 'after an empty step there is no step percentage');
  t.same(cells(deals, 'Lost', 3), ['1', '', '']);
  const csv = csvLines((await c.get(`/reports/conversion.csv?${Q1}`)).body);
  t.equal(csv[0], 'Funnel,Step,Reached in period,% of previous step,% of first step');
  t.same(csv.slice(1, 3), ['Leads,New,2,,100.0', 'Leads,Contacted,3,150.0,150.0']);
  t.ok(csv.includes('Deals,Proposal,1,25.0,25.0'));
  t.ok(csv.includes('Deals,Lost,1,,'));

  await setSetting(app.db, 'rep_visibility', 'own');
  const a = await loginAs(app, ann);
  const own = await a.get(`/reports/conversion?${Q1}`);
  const ownLeads = own.body.slice(own.body.indexOf('id="lead-funnel-table"'), own.body.indexOf('id="deal-funnel-table"'));
  t.same(cells(ownLeads, 'Contacted', 3), ['2', '100.0%', '100.0%'], 'her two leads only');
  t.same(cells(own.body.slice(own.body.indexOf('id="deal-funnel-table"')), 'Lead', 3), ['1', '—', '100.0%'], 'D2 — D1 entered Lead in December');
});

t.test('sales performance: per rep won, lost, win rate, days to close, open pipeline, tasks done; CSV; own visibility', async (t) => {
  const { app, manager, ann, bob } = await periodData(t);
  const c = await loginAs(app, manager);
  const page = await c.get(`/reports/performance?${Q1}`);
  t.equal(page.statusCode, 200);
  // Rep: won, won value, lost, win rate, days to close, open deals, open value, tasks done.
  t.same(cells(page.body, 'Ann Rep', 8), ['1', '$10,000', '1', '50%', '43.0 d', '0', '$0', '1']);
  t.same(cells(page.body, 'Bob Rep', 8), ['1', '$3,000', '0', '100%', '150.0 d', '2', '$28,000', '1'], 'the task done at 23:30 on 31 Mar counts');
  t.same(cells(page.body, 'Mia Manager', 8), ['0', '$0', '0', '—', '—', '1', '$1,000', '0']);
  t.same(cells(page.body, 'Team', 8), ['2', '$13,000', '1', '67%', '', '3', '$29,000', '2']);
  t.ok(page.body.indexOf('>Ann Rep<') < page.body.indexOf('>Bob Rep<'), 'the most won value first');
  const csv = csvLines((await c.get(`/reports/performance.csv?${Q1}`)).body);
  t.equal(csv[0], 'Rep,Won,Won value (USD),Lost,Win rate %,Average days to close,Open deals,Open value (USD),Tasks completed');
  t.equal(csv[1], 'Ann Rep,1,10000.00,1,50.0,43,0,0.00,1');
  t.equal(csv[2], 'Bob Rep,1,3000.00,0,100.0,150,2,28000.00,1');
  const bobs = await c.get(`/reports/performance?${Q1}&assigned_to=${bob.id}`);
  t.notOk(cells(bobs.body, 'Ann Rep', 8), 'filtered to Bob');
  t.ok(cells(bobs.body, 'Bob Rep', 8));
  t.match(bobs.body, new RegExp(`href="/reports/performance.csv\\?assigned_to=${bob.id}&amp;period=custom&amp;from=2026-01-01&amp;to=2026-03-31"`), 'the CSV keeps the filters');

  // In Berlin the quarter ends at 22:00Z on 31 Mar (summer time): Bob's task done at 23:30Z is April there, and so is D5's won move.
  await setSetting(app.db, 'default_time_zone', 'Europe/Berlin');
  const berlin = await c.get(`/reports/performance?${Q1}`);
  t.same(cells(berlin.body, 'Bob Rep', 8)?.at(-1), '0', 'the task done after midnight Berlin time is not in the quarter');
  t.same(cells(berlin.body, 'Ann Rep', 8)?.at(-1), '1');
  await setSetting(app.db, 'default_time_zone', 'UTC');

  await setSetting(app.db, 'rep_visibility', 'own');
  const a = await loginAs(app, ann);
  const own = await a.get(`/reports/performance?${Q1}&assigned_to=${bob.id}`);
  t.same(cells(own.body, 'Ann Rep', 8), ['1', '$10,000', '1', '50%', '43.0 d', '0', '$0', '1']);
  t.notOk(cells(own.body, 'Bob Rep', 8), 'nobody else');
  t.notOk(cells(own.body, 'Team', 8));
});

t.test('the report counters follow every write: moves, reassignment, deletion — always equal to a recount of the history', async (t) => {
  const { app, manager, ann, bob } = await periodData(t);
  const { by } = await stagesOf(app);
  const c = await loginAs(app, manager);
  const recount = (kind: 'deal' | 'lead') => {
    const [h, owner, fk, from, to, extra] = kind === 'deal'
      ? ['deal_stage_history', 'deals', 'deal_id', 'from_stage_id', 'to_stage_id', ', count(h.stay_seconds) as stays, total(h.stay_seconds) as stay_seconds']
      : ['lead_status_history', 'leads', 'lead_id', 'from_status_id', 'to_status_id', ''];
    const counted = app.sqlite.prepare(`select day, ${from} as f, ${to} as t, assigned_to as a, moves, firsts${kind === 'deal' ? ', stays, stay_seconds' : ''} from ${kind}_move_days where moves <> 0 or firsts <> 0 order by 1, 2, 3, 4`).all();
    const truth = app.sqlite.prepare(`select substr(h.created_at, 1, 10) as day, coalesce(h.${from}, 0) as f, h.${to} as t, coalesce(o.assigned_to, 0) as a, count(*) as moves, total(h.first_entry) as firsts${extra} from ${h} h join ${owner} o on o.id = h.${fk} group by 1, 2, 3, 4 order by 1, 2, 3, 4`).all();
    const months = app.sqlite.prepare(`select month, ${from} as f, ${to} as t, assigned_to as a, moves, firsts from ${kind}_move_months where moves <> 0 or firsts <> 0 order by 1, 2, 3, 4`).all();
    const monthsTruth = app.sqlite.prepare(`select substr(day, 1, 7) as month, ${from} as f, ${to} as t, assigned_to as a, total(moves) as moves, total(firsts) as firsts from ${kind}_move_days group by 1, 2, 3, 4 having total(moves) <> 0 or total(firsts) <> 0 order by 1, 2, 3, 4`).all();
    t.same(months, monthsTruth, `${kind}s: the monthly rollup adds up the days`);
    return { counted, truth };
  };
  const same = (label: string) => {
    for (const kind of ['deal', 'lead'] as const) {
      const { counted, truth } = recount(kind);
      t.same(counted, truth, `${kind}s: ${label}`);
    }
  };
  same('as built');
  const id = await makeDeal(app, ann);
  const res = await c.post(`/deals/${id}/move`, { stage_id: by('Proposal').id });
  t.ok(res.statusCode < 400, 'moved through the app');
  await c.post(`/deals/${id}/move`, { stage_id: by('Qualified').id });
  await c.post(`/deals/${id}/move`, { stage_id: by('Proposal').id });
  const firsts = await app.db.selectFrom('deal_stage_history').select(['to_stage_id', 'first_entry']).where('deal_id', '=', id).orderBy('id').execute();
  t.same(firsts.map((r) => r.first_entry), [1, 1, 1, 0], 'back in Proposal is not a first entry');
  same('after moves');
  await app.db.updateTable('deals').set({ assigned_to: bob.id }).where('assigned_to', '=', ann.id).execute();
  await app.db.updateTable('leads').set({ assigned_to: null }).where('assigned_to', '=', ann.id).execute();
  same('after reassigning');
  await app.db.deleteFrom('deals').where('id', '=', id).execute();
  await app.db.deleteFrom('leads').where('assigned_to', 'is', null).execute();
  same('after deleting');
  await app.db.updateTable('tasks').set({ assigned_to: ann.id }).where('assigned_to', '=', bob.id).execute();
  await app.db.deleteFrom('tasks').where('completed_at', '<', '2026-03-01').execute();
  t.same(
    app.sqlite.prepare('select day, assigned_to, tasks from task_done_days where tasks <> 0 order by 1, 2').all(),
    app.sqlite.prepare("select substr(completed_at, 1, 10) as day, coalesce(assigned_to, 0) as assigned_to, count(*) as tasks from tasks where completed_at is not null group by 1, 2 order by 1, 2").all(),
    'tasks done per day follow reassignment and deletion',
  );
  const closed = app.sqlite.prepare(`select day, stage_id, assigned_to, deals, value_cents, close_days from deal_closed_days where deals <> 0 order by 1, 2, 3`).all();
  const closedTruth = app.sqlite.prepare(`select actual_close_date as day, stage_id, coalesce(assigned_to, 0) as assigned_to, count(*) as deals, total(value_cents) as value_cents, total(max(0, cast(round(julianday(actual_close_date) - julianday(substr(created_at, 1, 10))) as integer))) as close_days from deals where actual_close_date is not null group by 1, 2, 3 order by 1, 2, 3`).all();
  t.same(closed, closedTruth, 'days to close kept with the closed deals');
});

/* ---------- dashboard (one file per area: tap starts a process per file) ---------- */
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
