import t from 'tap';
import { jsErrors, openBrowser, shot, signIn, startServer } from './helpers.js';

t.test('create a company, find it as you type, flip its switch, add a note, see note and change on the timeline', async (t) => {
  const server = await startServer();
  t.teardown(server.stop);
  const { page, close } = await openBrowser();
  t.teardown(close);
  await signIn(page, server.base);

  await page.click('aside.sidebar a:has-text("Companies")');
  await page.waitForURL(/\/companies$/);
  t.ok(await page.isVisible('text=No companies yet.'), 'empty state');
  await page.click('a:has-text("New company")');
  await page.waitForURL(/\/companies\/new$/);
  await page.fill('input[name=name]', '');
  await page.fill('input[name=website]', 'orchard-test.example');
  await page.click('button:has-text("Create company")');
  await page.waitForSelector('.field-error');
  t.match(await page.textContent('.has-error .field-error'), /Name is required/);
  t.equal(await page.inputValue('input[name=website]'), 'orchard-test.example', 'typed value kept after 422');
  await page.fill('input[name=name]', 'Globex Corporation');
  await page.selectOption('select[name=industry_id]', { label: 'Software' });
  await page.click('button:has-text("Create company")');
  await page.waitForURL(/\/companies\/\d+$/);
  t.match(await page.textContent('h1'), /Globex Corporation/);
  t.ok(await page.isVisible('a[href="https://orchard-test.example"]'), 'bare website stored with https://');
  const id = /\/companies\/(\d+)$/.exec(page.url())![1];

  // Another company, so the search visibly narrows the list.
  await page.goto(`${server.base}/companies/new`);
  await page.fill('input[name=name]', 'Initech');
  await page.click('button:has-text("Create company")');
  await page.waitForURL(/\/companies\/\d+$/);

  await page.locator('#global-q').pressSequentially('globex', { delay: 30 });
  await page.waitForSelector('#global-search-results a:has-text("Globex Corporation")');
  t.pass('the header search finds it as you type');
  await page.keyboard.press('Escape');

  await page.goto(`${server.base}/companies`);
  t.equal(await page.locator('#companies-rows tbody tr').count(), 2);
  await page.locator('.filters input[name=q]').pressSequentially('glob', { delay: 40 });
  await page.waitForFunction(() => document.querySelectorAll('#companies-rows tbody tr').length === 1);
  t.match(await page.textContent('#companies-rows tbody'), /Globex Corporation/, 'found as you type');
  t.match(page.url(), /\?q=glob/, 'the URL carries the search');
  await shot(page, 'companies-search-desktop');

  const toggle = page.locator(`#company-active-${id} button`);
  t.equal(await toggle.getAttribute('aria-checked'), 'true');
  await toggle.click();
  await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('aria-checked') === 'false', `#company-active-${id} button`);
  t.pass('the switch flipped in place');
  await page.reload();
  t.equal(await page.locator(`#company-active-${id} button`).getAttribute('aria-checked'), 'false', 'still off after reload');

  await page.click('#companies-rows a:has-text("Globex Corporation")');
  await page.waitForURL(new RegExp(`/companies/${id}$`));
  await page.fill('#note-body', 'Met their CTO.\nFollow up on Friday.');
  await page.click('button:has-text("Add note")');
  await page.waitForSelector('.note-box');
  t.match(await page.textContent('.note-box'), /Met their CTO.\nFollow up on Friday./, 'the note shows with its line break');
  t.equal(await page.inputValue('#note-body'), '', 'the note box is cleared');
  const timeline = await page.textContent('#timeline');
  t.match(timeline, /Active:\s*Yes\s*→\s*No/, 'the switch change is on the timeline');
  t.match(timeline, /added a note/);
  await shot(page, 'company-show-desktop');

  await page.goto(`${server.base}/contacts/new`);
  await page.fill('input[name=first_name]', 'Hank');
  await page.locator('#f-company_id-find').pressSequentially('initech', { delay: 30 });
  await page.waitForSelector('.picker-option.active:text-is("Initech")');
  await page.keyboard.press('Enter');
  t.equal(await page.evaluate(() => (document.getElementById('f-company_id') as HTMLSelectElement).selectedOptions[0]?.textContent), 'Initech', 'the picker chose it');
  await page.click('button:has-text("Create contact")');
  await page.waitForURL(/\/contacts\/\d+$/);
  t.match(await page.textContent('.page-sub'), /Initech/, 'the company found by typing is linked');
  t.same(jsErrors(page), []);
});

t.test('a list filter finds a company past the first 50 as you type, without reloading the list', async (t) => {
  const { openDatabase } = await import('../../src/db/database.js');
  const { migrateToLatest } = await import('../../src/db/migrate.js');
  const { createUser, withPasswordHash } = await import('../../src/features/users/users.service.js');
  const server = await startServer({}, async (dbFile) => {
    const { db, sqlite } = openDatabase(dbFile);
    await migrateToLatest(db, sqlite);
    const admin = await withPasswordHash({ name: 'Admin Person', email: 'admin@orchard.test', password: 'admin-password-1', role: 'admin' as const });
    await db.transaction().execute((trx) => createUser(trx, null, admin));
    const now = new Date().toISOString();
    const company = sqlite.prepare('insert into companies (name, is_active, created_at, updated_at) values (?, 1, ?, ?)');
    for (let i = 1; i <= 60; i++) company.run(`Firm ${String(i).padStart(2, '0')}`, now, now);
    const zeta = Number(company.run('Zeta Works', now, now).lastInsertRowid);
    const contact = sqlite.prepare('insert into contacts (first_name, last_name, company_id, created_at, updated_at) values (?, ?, ?, ?, ?)');
    contact.run('Zoe', 'Zetason', zeta, now, now);
    contact.run('Fred', 'Firmer', 1, now, now);
    await db.destroy();
  });
  t.teardown(server.stop);
  const { page, close } = await openBrowser();
  t.teardown(close);
  await signIn(page, server.base);
  await page.goto(`${server.base}/contacts`);
  t.equal(await page.locator('#filter-company_id option:text-is("Zeta Works")').count(), 0, 'the filter lists the first companies only');
  await page.evaluate(() => document.getElementById('contacts-rows')!.setAttribute('data-marker', 'kept'));
  await page.locator('.filter-search[name=company_id_search]').pressSequentially('zeta', { delay: 30 });
  await page.waitForSelector('#filter-company_id option:text-is("Zeta Works")', { state: 'attached' });
  t.equal(await page.locator('#filter-company_id option').count(), 3, 'All companies, No company and the match');
  await page.waitForTimeout(400);
  t.equal(await page.getAttribute('#contacts-rows', 'data-marker'), 'kept', 'typing did not reload the list');
  await page.selectOption('#filter-company_id', { label: 'Zeta Works' });
  await page.waitForFunction(() => document.querySelectorAll('#contacts-rows tbody tr').length === 1);
  t.match(await page.textContent('#contacts-rows tbody'), /Zoe Zetason/, 'the list shows the company\'s contact');
  await shot(page, 'contacts-filter-find-company');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${server.base}/contacts`);
  t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'the filter bar fits a phone');
  await shot(page, 'contacts-filter-phone');
  t.same(jsErrors(page), []);
});
