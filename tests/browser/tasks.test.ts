import t from 'tap';
import { createDeal } from '../../src/features/deals/deals.service.js';
import { createUser, withPasswordHash } from '../../src/features/users/users.service.js';
import { jsErrors, openBrowser, shot, signIn, startServer, withAdmin } from './helpers.js';

/** An admin, a rep (Bea) and one deal. */
const prepare = withAdmin(async (db, scope) => {
  const bea = await withPasswordHash({ name: 'Bea Rep', email: 'bea@orchard.test', password: 'bea-password-1', role: 'rep' as const });
  await db.transaction().execute((trx) => createUser(trx, null, bea));
  const sales = await db.selectFrom('pipelines').select('id').where('name', '=', 'Sales').executeTakeFirstOrThrow();
  await db.transaction().execute((trx) => createDeal(trx, scope, { title: 'Northwind renewal', description: null, value: 500_000, expected_close_date: null, probability: null, pipeline_id: sales.id, stage_id: null, company_id: null, customer_id: null, contact_ids: [], assigned_to: scope.viewer.id, lost_reason_id: null, lost_reason: null }, {}));
});

t.test('tasks on a deal page in Chromium: add inline, complete with one click, undo', async (t) => {
  const server = await startServer({}, prepare);
  t.teardown(server.stop);
  const { page, close } = await openBrowser({ width: 1280, height: 900 });
  t.teardown(close);
  const errors = jsErrors(page);
  await signIn(page, server.base);
  await page.goto(`${server.base}/deals/1`);
  const url = page.url();
  await page.click('.task-add > summary');
  await page.click('#tasks-panel button:has-text("Add task")');
  await page.waitForSelector('#task-title-error');
  t.match(await page.locator('#task-title-error').textContent(), /Title is required/, 'the message by the field, without leaving the page');
  await page.fill('#task-title', 'Call Northwind about seats');
  await page.selectOption('#task-type', 'call');
  await page.fill('#task-due-date', '2020-01-15');
  await page.click('#tasks-panel button:has-text("Add task")');
  const task = page.locator('.task:has-text("Call Northwind about seats")');
  await task.waitFor();
  t.equal(page.url(), url, 'no page change');
  t.match(await task.locator('.task-due').textContent(), /Overdue · Jan 15, 2020/, 'overdue in red with the word');
  t.equal(await page.locator('#tasks-title .count').textContent(), '1');
  await shot(page, 'task-panel');
  await task.locator('.check-button').click();
  await page.locator('.task.is-done:has-text("Call Northwind about seats") s').waitFor();
  t.equal(await page.locator('#tasks-title .count').textContent(), '0', 'done: struck through and out of the open count');
  await page.locator('.task.is-done .check-button').click();
  await page.locator('.task:not(.is-done):has-text("Call Northwind about seats")').waitFor();
  t.equal(await page.locator('#tasks-title .count').textContent(), '1', 'undo puts it back among the open tasks');
  t.equal(await page.locator('.task.is-done').count(), 0, 'and nothing is left struck through');
  await page.reload();
  t.equal(await page.locator('.task:not(.is-done):has-text("Call Northwind about seats")').count(), 1, 'still there after reload');
  t.match(await page.locator('#timeline').textContent(), /reopened a task[\s\S]*completed a task[\s\S]*added a task/, 'the deal\'s timeline tells the story');

  // Edit in place: the line becomes the form, saving swaps the panel back.
  await page.locator('.task:has-text("Call Northwind about seats") .task-edit').click();
  const title = page.locator('.task-editing input[name=title]');
  await title.waitFor();
  t.equal(await title.inputValue(), 'Call Northwind about seats', 'the form holds the task');
  await title.fill('Call Northwind about 40 seats');
  await page.locator('.task-editing select[name=priority]').selectOption('high');
  await page.locator('.task-editing button:has-text("Save task")').click();
  await page.locator('.task:not(.task-editing):has-text("Call Northwind about 40 seats") .task-high').waitFor();
  t.equal(page.url(), url, 'edited without leaving the page');
  await page.locator('.task:has-text("40 seats") a.plain-link').click();
  await page.waitForURL(/\/tasks\/\d+$/);
  t.match(await page.locator('#timeline').textContent(), /updated this task/, 'the task\'s own page has its timeline');
  t.same(errors, [], 'no script errors');
});

t.test('the live bell in Chromium: A assigns a deal to B while B has a page open; B\'s count rises without a reload', async (t) => {
  const server = await startServer({}, prepare);
  t.teardown(server.stop);
  const a = await openBrowser({ width: 1280, height: 900 });
  t.teardown(a.close);
  const b = await openBrowser({ width: 1280, height: 900 });
  t.teardown(b.close);
  await signIn(b.page, server.base, 'bea@orchard.test', 'bea-password-1');
  await b.page.goto(`${server.base}/tasks/mine`);
  t.equal(await b.page.locator('a.bell .bell-count').count(), 0, 'nothing unread yet');
  await b.page.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));

  await signIn(a.page, server.base);
  await a.page.goto(`${server.base}/deals/1/edit`);
  await a.page.selectOption('#f-assigned_to', { label: 'Bea Rep' });
  await Promise.all([a.page.waitForURL(/\/deals\/1$/), a.page.click('button:has-text("Save deal")')]);

  await b.page.locator('a.bell .bell-count').waitFor({ timeout: 10_000 });
  t.equal(await b.page.locator('a.bell .bell-count').textContent(), '1', 'B\'s bell shows 1');
  t.match(await b.page.locator('a.bell').getAttribute('aria-label'), /1 unread/, 'and says so to a screen reader');
  t.ok(await b.page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere), 'without a reload');
  await shot(b.page, 'bell-live');
  await b.page.click('a.bell');
  await b.page.waitForURL(/\/notifications$/);
  t.match(await b.page.locator('main').textContent(), /Northwind renewal/, 'the notification names the deal');
  t.same(jsErrors(a.page), [], 'no script errors for A');
  t.same(jsErrors(b.page), [], 'no script errors for B');
});
