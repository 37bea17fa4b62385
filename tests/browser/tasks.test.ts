import t from 'tap';
import { createDeal } from '../../src/features/deals/deals.service.js';
import { jsErrors, openBrowser, shot, signIn, startServer, withAdmin } from './helpers.js';

/** An admin and one deal. */
const prepare = withAdmin(async (db, scope) => {
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
  t.same(errors, [], 'no script errors');
});
