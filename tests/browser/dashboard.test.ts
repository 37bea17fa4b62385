import t from 'tap';
import type { Page } from 'playwright-core';
import { jsErrors, openBrowser, shot, signIn, startServer } from './helpers.js';
import { DEMO_ADMIN, prepareDemo } from './pages.js';

/** How many pixels of a canvas carry paint. */
const painted = (page: Page, id: string) =>
  page.evaluate((canvasId) => {
    const c = document.getElementById(canvasId) as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
    return n;
  }, id);

const CHARTS = ['deals-by-month', 'leads-by-source', 'tasks-by-status', 'open-deals-by-stage'];

t.test('the dashboard draws its four charts in Chromium, and a filter redraws them with the new numbers', async (t) => {
  const server = await startServer({}, prepareDemo);
  t.teardown(server.stop);
  const { page, close } = await openBrowser({ width: 1280, height: 900 });
  t.teardown(close);
  await signIn(page, server.base, DEMO_ADMIN.email, DEMO_ADMIN.password);
  await page.goto(`${server.base}/`);
  for (const id of CHARTS) {
    await page.locator(`#${id}[data-drawn]`).waitFor();
    t.ok((await painted(page, id)) > 2_000, `${id}: pixels drawn`);
  }
  const before = await page.locator('#tasks-by-status').getAttribute('data-chart');
  const teamDeals = await page.locator('.stat-card:has(.stat-label:text-is("Deals")) .stat-value').textContent();
  await shot(page, 'dashboard');
  // Filter to one rep: a new page (boosted), new numbers, the charts drawn again.
  await page.selectOption('select[name=assigned_to]', { label: 'Dana Whitfield' });
  await Promise.all([page.waitForURL(/assigned_to=\d+/), page.click('.dashboard-filters button[type=submit]')]);
  for (const id of CHARTS) {
    await page.locator(`#${id}[data-drawn]`).waitFor();
    t.ok((await painted(page, id)) > 2_000, `${id}: drawn again after filtering`);
  }
  t.not(await page.locator('#tasks-by-status').getAttribute('data-chart'), before, 'the tasks chart has Dana\'s numbers');
  t.not(await page.locator('.stat-card:has(.stat-label:text-is("Deals")) .stat-value').textContent(), teamDeals, 'the deals card too');
  t.same(jsErrors(page), [], 'no console errors');

  // A phone: the charts still draw, nothing spills sideways.
  const phone = await openBrowser({ width: 390, height: 844 });
  t.teardown(phone.close);
  await signIn(phone.page, server.base, DEMO_ADMIN.email, DEMO_ADMIN.password);
  await phone.page.goto(`${server.base}/`);
  await phone.page.locator('#deals-by-month[data-drawn]').waitFor();
  t.ok((await painted(phone.page, 'deals-by-month')) > 1_000, 'drawn on a phone');
  t.ok(await phone.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no sideways scroll on a phone');
  await shot(phone.page, 'dashboard-phone');
  t.same(jsErrors(phone.page), [], 'no console errors on a phone');

  // The revenue forecast report, reached through the sidebar (a boosted navigation): its chart draws.
  await page.click('nav a:has-text("Reports")');
  await page.waitForURL(/\/reports\/forecast/);
  await page.locator('#forecast[data-drawn]').waitFor();
  t.ok((await painted(page, 'forecast')) > 2_000, 'the forecast chart is drawn');
  const total = await page.locator('#forecast-table tfoot td').first().textContent();
  await page.selectOption('select[name=assigned_to]', { label: 'Dana Whitfield' });
  await Promise.all([page.waitForURL(/assigned_to=\d+/), page.click('.dashboard-filters button[type=submit]')]);
  await page.locator('#forecast[data-drawn]').waitFor();
  t.not(await page.locator('#forecast-table tfoot td').first().textContent(), total, 'filtered: new numbers, drawn again');
  await shot(page, 'forecast');
  t.same(jsErrors(page), [], 'no console errors on the report');

  // The other three reports, through their tabs: each draws; a changed filter redraws with new numbers.
  const reports: [string, string, string[], (p: Page) => Promise<void>][] = [
    ['Deal dynamics', 'dynamics', ['dynamics'], async (p) => { await p.selectOption('select[name=assigned_to]', { label: 'Lee Okafor' }); }],
    ['Conversion', 'conversion', ['lead-funnel', 'deal-funnel'], async (p) => { await p.selectOption('select[name=period]', 'this_month'); }],
    ['Sales performance', 'performance', ['performance'], async (p) => { await p.fill('input[name=from]', '2026-01-01'); await p.fill('input[name=to]', '2026-03-31'); }],
  ];
  for (const [tab, path, charts, change] of reports) {
    await page.click(`.report-tabs a:has-text("${tab}")`);
    await page.waitForURL(new RegExp(`/reports/${path}`));
    for (const id of charts) {
      await page.locator(`#${id}[data-drawn]`).waitFor();
      t.ok((await painted(page, id)) > 1_000, `${tab}: the ${id} chart is drawn`);
    }
    const before = await page.locator('.report-table table').first().textContent();
    await change(page);
    await Promise.all([page.waitForURL((u) => u.search.length > 1), page.click('.report-filters button[type=submit]')]);
    for (const id of charts) await page.locator(`#${id}[data-drawn]`).waitFor();
    t.ok((await painted(page, charts[0])) > 0, `${tab}: drawn again after filtering`);
    t.not(await page.locator('.report-table table').first().textContent(), before, `${tab}: the filter changed the numbers`);
    await shot(page, path);
  }
  t.same(jsErrors(page), [], 'no console errors on the reports');
});
