import t from 'tap';
import { buildTestApp, loginAs } from '../../helpers/app.js';
import { makeDeal, makeUser, stagesOf } from '../../helpers/factories.js';
import { setSetting } from '../../../src/features/settings/settings.queries.js';
import { todayIso } from '../../../src/lib/time.js';
import { forecastRows } from '../../../src/features/reports/reports.rules.js';

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
