import t from 'tap';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createUser, withPasswordHash } from '../../src/features/users/users.service.js';
import { createDeal } from '../../src/features/deals/deals.service.js';
import { getSettings } from '../../src/features/settings/settings.queries.js';
import { card, column, columnCount, drag, jsErrors, openBrowser, shot, signIn, startServer } from './helpers.js';

const PASSWORD = 'rep-password-12';

/** Two reps and an admin; Dana owns four deals in Lead, Lee one. */
async function prepare(dbFile: string): Promise<void> {
  const { db, sqlite } = openDatabase(dbFile);
  await migrateToLatest(db, sqlite);
  const ids: Record<string, number> = {};
  for (const [name, email, role] of [['Admin Person', 'admin@orchard.test', 'admin'], ['Dana Whitfield', 'dana@orchard.test', 'rep'], ['Lee Okafor', 'lee@orchard.test', 'rep']] as const) {
    const user = await withPasswordHash({ name, email, password: role === 'admin' ? 'admin-password-1' : PASSWORD, role });
    ids[email] = await db.transaction().execute((trx) => createUser(trx, null, user));
  }
  const admin = ids['admin@orchard.test'];
  const scope = { viewer: { id: admin, name: 'Admin Person', email: 'admin@orchard.test', role: 'admin' as const, timeZone: 'UTC', sessionId: '' }, ownOnly: false, settings: await getSettings(db) };
  const sales = await db.selectFrom('pipelines').select('id').where('name', '=', 'Sales').executeTakeFirstOrThrow();
  const deals: [string, string][] = [['Lee renewal', 'lee@orchard.test'], ['Dana refused', 'dana@orchard.test'], ['Dana offline', 'dana@orchard.test'], ['Dana lost refused', 'dana@orchard.test'], ['Dana keyboard', 'dana@orchard.test']];
  for (const [title, owner] of deals) {
    await db.transaction().execute((trx) => createDeal(trx, scope, { title, description: null, value: 100_000, expected_close_date: null, probability: null, pipeline_id: sales.id, stage_id: null, company_id: null, customer_id: null, contact_ids: [], assigned_to: ids[owner], lost_reason_id: null, lost_reason: null }, {}));
  }
  await db.destroy();
}

const inColumn = (page: Page, name: string, title: string) => column(page, name).locator(`a.card-title:text-is("${title}")`);
const count = columnCount;

t.test('the board tells the truth about moves, and works from the keyboard', async (t) => {
  const server = await startServer({}, prepare);
  t.teardown(server.stop);
  const dbFile = server.env.ORCHARD_DB!;
  /** What a manager does in another tab meanwhile: the deal is no longer Dana's. */
  const reassignToLee = (title: string) => {
    const raw = new Database(dbFile);
    raw.prepare("UPDATE deals SET assigned_to = (SELECT id FROM users WHERE email = 'lee@orchard.test') WHERE title = ?").run(title);
    raw.close();
  };
  const { page, close } = await openBrowser({ width: 2100, height: 900 });
  t.teardown(close);
  await signIn(page, server.base, 'dana@orchard.test', PASSWORD);
  await page.goto(`${server.base}/deals/board`);
  await page.waitForSelector('#board[data-ready="1"]');

  t.test('another rep’s card is not draggable and says why on hover and focus', async (t) => {
    const lee = card(page, 'Lee renewal');
    t.equal(await lee.getAttribute('data-movable'), null, 'not draggable');
    t.match(await lee.getAttribute('title'), /Assigned to Lee Okafor: only they or a manager can move it/);
    t.equal(await lee.locator('.move-menu').count(), 0, 'no Move to… on it');
    await drag(page, 'Lee renewal', 'Qualified');
    t.equal(await inColumn(page, 'Lead', 'Lee renewal').count(), 1, 'a drag does not pick it up');
    await lee.locator('a.card-title').focus();
    t.ok(await lee.locator('.card-locked').isVisible(), 'the reason shows when the card has focus');
  });

  t.test('a refused move (403) puts the card back; counts stay', async (t) => {
    reassignToLee('Dana refused');
    await drag(page, 'Dana refused', 'Qualified');
    await page.waitForSelector('.toast-error');
    t.match(await page.textContent('.toast-error'), /assigned to someone else/);
    t.equal(await inColumn(page, 'Lead', 'Dana refused').count(), 1, 'back in Lead');
    t.equal(await inColumn(page, 'Qualified', 'Dana refused').count(), 0);
    t.equal(await count(page, 'Lead'), '5');
    t.equal(await count(page, 'Qualified'), '0');
    await page.click('.toast-error [data-dismiss]');
  });

  t.test('no answer from the server puts the card back and says so', async (t) => {
    await page.route('**/deals/*/move', (route) => route.abort('connectionfailed'));
    await drag(page, 'Dana offline', 'Proposal');
    await page.waitForSelector('.toast-error');
    t.match(await page.textContent('.toast-error'), /could not be reached/);
    t.equal(await inColumn(page, 'Lead', 'Dana offline').count(), 1, 'back in Lead');
    t.equal(await column(page, 'Proposal').locator('.deal-card').count(), 0);
    await page.unroute('**/deals/*/move');
    await page.click('.toast-error [data-dismiss]');
    jsErrors(page).length = 0; // htmx logs the failed request; that is this test's point
  });

  t.test('a refusal after the Lost reason dialog puts the card back too', async (t) => {
    reassignToLee('Dana lost refused');
    await drag(page, 'Dana lost refused', 'Lost');
    await page.waitForSelector('#lost-dialog[open]');
    await page.selectOption('#lost-reason-id', { label: 'Competitor' });
    await page.click('#lost-dialog button[value=confirm]');
    await page.waitForSelector('.toast-error');
    t.equal(await inColumn(page, 'Lead', 'Dana lost refused').count(), 1, 'back in Lead');
    t.equal(await count(page, 'Lost'), '0');
    await page.click('.toast-error [data-dismiss]');
  });

  t.test('the board fills the window: the page does not scroll, the columns do', async (t) => {
    const m = await page.evaluate(() => ({
      page: document.scrollingElement!.scrollHeight,
      inner: window.innerHeight,
      board: document.getElementById('board')!.getBoundingClientRect().bottom,
      sidebar: document.querySelector('.sidebar')!.getBoundingClientRect().height,
    }));
    t.ok(m.page <= m.inner, `no page scroll (${m.page} ≤ ${m.inner})`);
    t.ok(m.board <= m.inner, 'the board ends inside the window');
    t.equal(m.sidebar, m.inner, 'the sidebar spans the window');
  });

  t.test('keyboard: one tab stop, arrows between cards, focus follows a move, head and Undo', async (t) => {
    await page.reload();
    await page.waitForSelector('#board[data-ready="1"]');
    const tabbable = await page.evaluate(() => [...document.querySelectorAll('#board a, #board summary, #board button, #board select')].filter((el) => (el as HTMLElement).tabIndex >= 0 && (el.tagName === 'SUMMARY' || !el.closest('details:not([open])'))).length);
    t.equal(tabbable, 2, 'the board holds one card link and its Move to… in the tab order');
    await page.focus('#global-q');
    let presses = 0;
    while (!(await page.evaluate(() => Boolean(document.activeElement?.closest('#board')))) && presses < 20) {
      await page.keyboard.press('Tab');
      presses++;
    }
    t.ok(presses < 10, `Tab reaches the board in ${presses} presses`);
    const focused = () => page.evaluate(() => document.activeElement?.closest('.deal-card')?.getAttribute('data-title'));
    t.equal(await focused(), 'Dana keyboard', 'the first card');
    await page.keyboard.press('ArrowDown');
    t.equal(await focused(), 'Dana lost refused', 'down the column');
    await page.keyboard.press('End');
    t.equal(await focused(), 'Lee renewal', "End: the column's last card");
    await page.keyboard.press('Home');
    t.equal(await focused(), 'Dana keyboard', 'Home: its first');
    const before = await page.textContent('#board-summary');
    t.match(before, /5 deals · \$5K open/);

    await page.keyboard.press('Tab');
    t.equal(await page.evaluate(() => document.activeElement?.textContent), 'Move to…');
    await page.keyboard.press('Enter');
    const select = card(page, 'Dana keyboard').locator('select[name=stage_id]');
    await select.waitFor();
    t.notOk(await card(page, 'Dana keyboard').locator('select[name=lost_reason_id]').isVisible(), 'no lost reason for an open stage');
    await select.selectOption({ label: 'Lost' });
    t.ok(await card(page, 'Dana keyboard').locator('select[name=lost_reason_id]').isVisible(), 'the reason shows for Lost');
    await select.selectOption({ label: 'Negotiation' });
    await select.focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await inColumn(page, 'Negotiation', 'Dana keyboard').waitFor();
    await page.waitForFunction(() => document.activeElement?.closest('.board-column')?.querySelector('h2')?.textContent === 'Negotiation');
    t.equal(await focused(), 'Dana keyboard', 'focus is on the moved card in its new column');
    t.equal(await page.evaluate(() => document.activeElement?.classList.contains('card-title')), true);
    t.match(await page.textContent('#board-summary'), /5 deals · \$5K open/, 'the head is recomputed');
    t.equal(await count(page, 'Negotiation'), '1');
    await page.keyboard.press('ArrowLeft');
    t.equal(await page.evaluate(() => document.activeElement?.closest('.board-column')?.querySelector('h2')?.textContent), 'Lead', 'left to the next column with cards');
    await page.keyboard.press('ArrowRight');
    t.equal(await focused(), 'Dana keyboard');
    await shot(page, 'board-after-move');

    t.match(await page.textContent('.toast-success'), /Dana keyboard moved to Negotiation/);
    await page.click('.toast-success button:has-text("Undo")');
    await inColumn(page, 'Lead', 'Dana keyboard').waitFor();
    t.equal(await count(page, 'Negotiation'), '0', 'Undo moves it back');
    t.equal(await count(page, 'Lead'), '5');
    t.same(jsErrors(page), []);
  });

  t.test('won and lost leave the open total: the head changes without a reload', async (t) => {
    await page.goto(`${server.base}/deals/board`);
    await drag(page, 'Dana keyboard', 'Won');
    await inColumn(page, 'Won', 'Dana keyboard').waitFor();
    await page.waitForFunction(() => /\$4K open/.test(document.getElementById('board-summary')?.textContent ?? ''));
    t.match(await page.textContent('#board-summary'), /5 deals · \$4K open/);
  });
});
