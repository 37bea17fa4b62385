import t from 'tap';
import type { Page } from 'playwright-core';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createUser, withPasswordHash } from '../../src/features/users/users.service.js';
import { createDeal } from '../../src/features/deals/deals.service.js';
import { getSettings } from '../../src/features/settings/settings.queries.js';
import { card, column, columnCount, drag, jsErrors, openBrowser, shot, signIn, startServer } from './helpers.js';

/** A database with an admin and three deals in Lead, made before the server starts. */
async function prepare(dbFile: string): Promise<void> {
  const { db, sqlite } = openDatabase(dbFile);
  await migrateToLatest(db, sqlite);
  const admin = await withPasswordHash({ name: 'Admin Person', email: 'admin@orchard.test', password: 'admin-password-1', role: 'admin' as const });
  const id = await db.transaction().execute((trx) => createUser(trx, null, admin));
  const scope = { viewer: { id, name: 'Admin Person', email: 'admin@orchard.test', role: 'admin' as const, timeZone: 'UTC', sessionId: '' }, ownOnly: false, settings: await getSettings(db) };
  const sales = await db.selectFrom('pipelines').select('id').where('name', '=', 'Sales').executeTakeFirstOrThrow();
  for (const [title, value] of [['Alpha rollout', 1_000_000], ['Beta licences', 250_000], ['Gamma support', 50_000]] as const) {
    await db.transaction().execute((trx) => createDeal(trx, scope, { title, description: null, value, expected_close_date: null, probability: null, pipeline_id: sales.id, stage_id: null, company_id: null, customer_id: null, contact_ids: [], assigned_to: id, lost_reason_id: null, lost_reason: null }, {}));
  }
  await db.destroy();
}

const total = async (page: Page, name: string) => (await column(page, name).locator('.column-total').textContent())?.trim();
const count = columnCount;

t.test('the deals board in Chromium', async (t) => {
  const server = await startServer({}, prepare);
  t.teardown(server.stop);
  // Wide enough for all six Sales columns, so a drag never has to scroll the board.
  const { page, close } = await openBrowser({ width: 2100, height: 900 });
  t.teardown(close);
  await signIn(page, server.base);
  await page.goto(`${server.base}/deals/board`);
  t.equal(await count(page, 'Lead'), '3');
  t.equal(await total(page, 'Lead'), '$13K');
  t.equal(await count(page, 'Qualified'), '0');
  await shot(page, 'board-desktop');

  t.test('drag a card to another column: both totals change and it stays after reload', async (t) => {
    await drag(page, 'Alpha rollout', 'Qualified');
    await page.waitForFunction(() => document.querySelector('#board .board-column:nth-child(2) .column-count')?.textContent?.trim() === '1');
    t.equal(await count(page, 'Lead'), '2');
    t.equal(await total(page, 'Lead'), '$3K');
    t.equal(await total(page, 'Qualified'), '$10K');
    t.equal(await column(page, 'Qualified').locator('.deal-card').count(), 1);
    await page.reload();
    t.equal(await column(page, 'Qualified').locator('a.card-title').first().textContent(), 'Alpha rollout', 'still there after reload');
    t.equal(await count(page, 'Qualified'), '1');
  });

  t.test('drop on Lost asks for the reason; cancel puts the card back and saves nothing', async (t) => {
    await drag(page, 'Beta licences', 'Lost');
    await page.waitForSelector('#lost-dialog[open]');
    t.ok(await page.isVisible('#lost-dialog'), 'the reason is asked');
    await page.click('#lost-dialog button[value=cancel]');
    await column(page, 'Lead').locator('a.card-title:text-is("Beta licences")').waitFor();
    t.pass('card back in Lead');
    t.equal(await column(page, 'Lost').locator('.deal-card').count(), 0);
    await page.reload();
    t.equal(await count(page, 'Lost'), '0', 'nothing saved');
    t.equal(await column(page, 'Lead').locator('a.card-title:text-is("Beta licences")').count(), 1);
  });

  t.test('drop on Lost with a reason saves it', async (t) => {
    await drag(page, 'Beta licences', 'Lost');
    await page.waitForSelector('#lost-dialog[open]');
    await page.selectOption('#lost-reason-id', { label: 'Competitor' });
    await page.fill('#lost-reason-text', 'Chose a rival suite');
    await shot(page, 'board-lost-dialog');
    await page.click('#lost-dialog button[value=confirm]');
    await page.waitForFunction(() => [...document.querySelectorAll('.board-column')].some((c) => c.querySelector('h2')?.textContent === 'Lost' && c.querySelector('.column-count')?.textContent?.trim() === '1'));
    await card(page, 'Beta licences').locator('a.card-title').click();
    await page.waitForURL(/\/deals\/\d+$/);
    const body = await page.textContent('main');
    t.match(body, /Competitor — Chose a rival suite/, 'saved with the reason');
    t.match(body, /Lost/);
    await page.goto(`${server.base}/deals/board`);
  });

  t.test('"Move to…" with the keyboard only', async (t) => {
    const summary = card(page, 'Gamma support').locator('.move-menu summary');
    await summary.focus();
    await page.keyboard.press('Enter');
    const select = card(page, 'Gamma support').locator('select[name=stage_id]');
    await select.focus();
    await select.selectOption({ label: 'Negotiation' });
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => [...document.querySelectorAll('.board-column')].some((c) => c.querySelector('h2')?.textContent === 'Negotiation' && c.querySelector('.column-count')?.textContent?.trim() === '1'));
    t.equal(await column(page, 'Negotiation').locator('a.card-title:text-is("Gamma support")').count(), 1, 'moved with the keyboard');
    t.equal(await count(page, 'Lead'), '0');
    await page.reload();
    t.equal(await column(page, 'Negotiation').locator('a.card-title:text-is("Gamma support")').count(), 1);
    t.same(jsErrors(page), []);
  });
});

t.test('the board on a phone: columns scroll sideways, cards keep their Move to…', async (t) => {
  const server = await startServer({}, prepare);
  t.teardown(server.stop);
  const { page, close } = await openBrowser({ width: 390, height: 844 });
  t.teardown(close);
  await signIn(page, server.base);
  await page.goto(`${server.base}/deals/board`);
  const width = await page.evaluate(() => document.querySelector('.board-column')!.getBoundingClientRect().width);
  t.ok(width > 300 && width < 390, 'one column fills the screen');
  t.ok(await card(page, 'Alpha rollout').locator('.move-menu summary').isVisible());
  await shot(page, 'board-phone');
  t.same(jsErrors(page), []);
});

t.test('a long column loads more cards as it scrolls; the deal form follows the chosen pipeline', async (t) => {
  const server = await startServer({}, async (dbFile) => {
    await prepare(dbFile);
    const { db } = openDatabase(dbFile);
    const admin = await db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
    const scope = { viewer: { id: admin.id, name: admin.name, email: admin.email, role: 'admin' as const, timeZone: 'UTC', sessionId: '' }, ownOnly: false, settings: await getSettings(db) };
    const sales = await db.selectFrom('pipelines').select('id').where('name', '=', 'Sales').executeTakeFirstOrThrow();
    for (let i = 0; i < 30; i++) {
      await db.transaction().execute((trx) => createDeal(trx, scope, { title: `Bulk deal ${i}`, description: null, value: 10_000, expected_close_date: null, probability: null, pipeline_id: sales.id, stage_id: null, company_id: null, customer_id: null, contact_ids: [], assigned_to: admin.id, lost_reason_id: null, lost_reason: null }, {}));
    }
    const { createPipeline, createStage } = await import('../../src/features/pipelines/pipelines.service.js');
    await db.transaction().execute(async (trx) => {
      const renewals = await createPipeline(trx, scope.viewer, { name: 'Renewals', description: null, is_active: 1, is_default: 0 }, {});
      await createStage(trx, scope.viewer, renewals, { name: 'Upcoming', color: '#94a3b8', probability: 60, rotting_days: null, is_default: 1, is_won: 0, is_lost: 0 }, {});
      await createStage(trx, scope.viewer, renewals, { name: 'Renewed', color: '#16a34a', probability: 100, rotting_days: null, is_default: 0, is_won: 1, is_lost: 0 }, {});
    });
    await db.destroy();
  });
  t.teardown(server.stop);
  const { page, close } = await openBrowser({ width: 1400, height: 800 });
  t.teardown(close);
  await signIn(page, server.base);
  await page.goto(`${server.base}/deals/board`);
  const lead = column(page, 'Lead');
  t.equal(await lead.locator('.column-count').textContent(), '33', 'the header counts the whole column');
  t.equal(await lead.locator('.deal-card').count(), 20, 'one page of cards at first');
  await lead.locator('.load-more').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelectorAll('.board-column:first-child .deal-card').length === 33);
  t.pass('the rest arrives as the column scrolls');

  await page.goto(`${server.base}/deals/new`);
  t.ok(await page.locator('#f-stage_id option:text-is("Negotiation")').count(), 'Sales stages at first');
  await page.selectOption('#f-pipeline_id', { label: 'Renewals' });
  await page.waitForSelector('#f-stage_id option:text-is("Upcoming")', { state: 'attached' });
  t.equal(await page.locator('#f-stage_id option:text-is("Negotiation")').count(), 0, 'the stage select follows the pipeline');
  await page.fill('#f-title', 'Renewal for Initech');
  await page.selectOption('#f-stage_id', { label: 'Upcoming' });
  await page.click('button:has-text("Create deal")');
  await page.waitForURL(/\/deals\/\d+$/);
  t.match(await page.textContent('.page-sub'), /Upcoming/);
  t.same(jsErrors(page), []);
});
