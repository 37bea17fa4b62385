import t from 'tap';
import { jsErrors, openBrowser, signIn, startServer } from './helpers.js';
import { DEMO_ADMIN, prepareDemo } from './pages.js';

t.test('exports follow the filters; menus and search work from the keyboard', async (t) => {
  const server = await startServer({}, prepareDemo);
  t.teardown(server.stop);
  const { page, close } = await openBrowser({ width: 1280, height: 800 });
  t.teardown(close);
  await signIn(page, server.base, DEMO_ADMIN.email, DEMO_ADMIN.password);

  t.test('the Export link follows a search and an assignee picked on the page', async (t) => {
    await page.goto(`${server.base}/contacts`);
    await page.fill('.filters input[name=q]', 'a');
    await page.waitForFunction(() => /[?&]q=a/.test(location.search));
    await page.selectOption('select[name=assigned_to]', { label: 'Dana Whitfield' });
    await page.waitForFunction(() => /assigned_to=\d+/.test(location.search));
    await page.waitForLoadState('networkidle');
    const href = await page.getAttribute('a:has-text("Export CSV")', 'href');
    t.match(href, /^\/contacts\/export\.csv\?/);
    t.match(href, /q=a/, 'the search');
    t.match(href, /assigned_to=\d+/, 'the assignee');
    const shown = await page.locator('.data-table tbody tr').count();
    const csv = await (await page.request.get(server.base + href!)).text();
    const lines = csv.trim().split(/\r?\n/).length - 1;
    t.ok(shown > 0 && shown < 25, `a filtered page (${shown} rows)`);
    t.equal(lines, shown, 'the CSV holds exactly the rows on screen');
  });

  t.test('the board fills the window with a full pipeline: only columns scroll, the sidebar stays', async (t) => {
    await page.goto(`${server.base}/deals/board`);
    await page.waitForSelector('#board[data-ready="1"]');
    const m = await page.evaluate(() => ({ page: document.scrollingElement!.scrollHeight, inner: window.innerHeight, cards: document.querySelectorAll('.deal-card').length }));
    t.ok(m.cards > 50, `a full board (${m.cards} cards)`);
    t.ok(m.page <= m.inner, `no blank page below the board (${m.page} ≤ ${m.inner})`);
    const lead = page.locator('.board-cards').first();
    t.ok(await lead.evaluate((el) => el.scrollHeight > el.clientHeight), 'a long column scrolls inside itself');
    await page.mouse.wheel(0, 2000);
    t.equal(await page.evaluate(() => Math.round(document.querySelector('.sidebar')!.getBoundingClientRect().top)), 0, 'the sidebar stays put');
  });

  t.test('"/" focuses the global search on every page, list pages too', async (t) => {
    await page.goto(`${server.base}/contacts`);
    await page.locator('h1').click();
    await page.keyboard.press('/');
    t.equal(await page.evaluate(() => document.activeElement?.id), 'global-q');
  });

  t.test('search results are reachable with arrow keys; Escape closes them', async (t) => {
    await page.fill('#global-q', 'acme');
    await page.waitForSelector('#global-search-results a');
    await page.keyboard.press('ArrowDown');
    const first = await page.evaluate(() => document.activeElement?.closest('#global-search-results') !== null && document.activeElement?.tagName);
    t.equal(first, 'A', 'down from the box: the first result');
    const firstHref = await page.evaluate(() => (document.activeElement as HTMLAnchorElement).getAttribute('href'));
    await page.keyboard.press('ArrowDown');
    t.not(await page.evaluate(() => (document.activeElement as HTMLAnchorElement).getAttribute('href')), firstHref, 'down again: the next');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    t.equal(await page.evaluate(() => document.activeElement?.id), 'global-q', 'up past the first: back in the box');
    await page.keyboard.press('Escape');
    t.equal(await page.locator('#global-search-results a').count(), 0, 'Escape closes the results');
  });

  t.test('the account menu closes with Escape (focus back on its button) and on an outside click', async (t) => {
    await page.click('.user-menu summary');
    t.ok(await page.isVisible('.user-menu ul'));
    await page.keyboard.press('Escape');
    t.notOk(await page.isVisible('.user-menu ul'), 'closed by Escape');
    t.equal(await page.evaluate(() => document.activeElement?.closest('summary') !== null), true, 'focus on the menu button');
    await page.click('.user-menu summary');
    await page.click('h1');
    t.notOk(await page.isVisible('.user-menu ul'), 'closed by a click elsewhere');
  });

  t.test('a skip link leads past the menu to the page', async (t) => {
    await page.goto(`${server.base}/companies`);
    await page.keyboard.press('Tab');
    t.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
    await page.keyboard.press('Enter');
    t.equal(await page.evaluate(() => document.activeElement?.id), 'content');
    t.same(jsErrors(page), []);
  });
});

t.test('the phone menu: focus moves in, Escape and outside clicks close it, hidden links are not tabbable', async (t) => {
  const server = await startServer({}, prepareDemo);
  t.teardown(server.stop);
  const { page, close } = await openBrowser({ width: 390, height: 844 });
  t.teardown(close);
  await signIn(page, server.base, DEMO_ADMIN.email, DEMO_ADMIN.password);
  await page.goto(`${server.base}/companies`);
  const inMenu = () => page.evaluate(() => document.activeElement?.closest('#sidebar') !== null);
  const visible = () => page.evaluate(() => getComputedStyle(document.getElementById('sidebar')!).visibility === 'visible');

  // Closed: walking the whole tab order never enters the menu.
  let entered = false;
  for (let i = 0; i < 25; i++) {
    await page.keyboard.press('Tab');
    if (await inMenu()) entered = true;
  }
  t.notOk(entered, 'the hidden menu’s links are not in the tab order');

  await page.focus('.menu-button');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.closest('#sidebar') !== null);
  t.ok(await inMenu(), 'focus moves into the open menu');
  t.equal(await page.getAttribute('.menu-button', 'aria-expanded'), 'true');
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => getComputedStyle(document.getElementById('sidebar')!).visibility === 'hidden');
  t.equal(await page.evaluate(() => document.activeElement?.classList.contains('menu-button')), true, 'Escape closes it; focus back on the button');

  await page.click('.menu-button');
  await page.waitForFunction(() => getComputedStyle(document.getElementById('sidebar')!).visibility === 'visible');
  t.ok(await visible(), 'a tap opens it');
  await page.mouse.click(350, 500);
  await page.waitForFunction(() => getComputedStyle(document.getElementById('sidebar')!).visibility === 'hidden').catch(() => undefined);
  t.notOk(await visible(), 'a tap outside closes it');
  t.equal(await page.getAttribute('.menu-button', 'aria-expanded'), 'false');
  t.same(jsErrors(page), []);
});
