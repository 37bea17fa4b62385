import t from 'tap';
import { jsErrors, openBrowser, shot, signIn, startServer } from './helpers.js';

t.test('sign in, see the shell, open user admin, add a user, sign out', async (t) => {
  const server = await startServer();
  t.teardown(server.stop);
  const { page, close } = await openBrowser();
  t.teardown(close);

  await page.goto(`${server.base}/`);
  t.match(page.url(), /\/login\?next=%2F$/, 'signed-out visitors land on sign in');
  await shot(page, 'login-desktop');
  await page.fill('input[name=email]', 'admin@orchard.test');
  await page.fill('input[name=password]', 'wrong-password');
  await page.click('button[type=submit]');
  await page.waitForSelector('.form-error');
  t.match(await page.textContent('.form-error'), /do not match/);
  await signIn(page, server.base);

  t.ok(await page.isVisible('aside.sidebar'), 'sidebar shown');
  t.ok(await page.isVisible('header.topbar .user-menu'), 'user menu shown');
  t.match(await page.textContent('h1'), /Good to see you/);
  await shot(page, 'shell-desktop');

  await page.click('aside.sidebar a:has-text("Settings")');
  await page.waitForURL(/\/settings$/);
  await page.click('.settings-card:has-text("Users")');
  await page.waitForURL(/\/settings\/users$/);
  t.match(await page.textContent('h1'), /Users/);
  t.ok(await page.isVisible('#users-table >> text=admin@orchard.test'));
  await shot(page, 'users-desktop');

  await page.click('a:has-text("New user")');
  await page.waitForURL(/\/settings\/users\/new$/);
  await page.fill('input[name=name]', 'Dana Whitfield');
  await page.fill('input[name=email]', 'dana@orchard.test');
  await page.fill('input[name=password]', 'short');
  await page.click('button:has-text("Create user")');
  await page.waitForSelector('.field-error');
  t.match(await page.textContent('.field-error'), /at least 10 characters/, 'the 422 form is swapped in with the message');
  t.equal(await page.inputValue('input[name=name]'), 'Dana Whitfield', 'typed values kept');
  await shot(page, 'users-new-error-desktop');
  await page.fill('input[name=password]', 'long-enough-password');
  await page.click('button:has-text("Create user")');
  await page.waitForURL(/\/settings\/users$/);
  await page.waitForSelector('.toast');
  t.match(await page.textContent('.toast'), /Dana Whitfield can now sign in/);
  t.ok(await page.isVisible('#users-table >> text=dana@orchard.test'));

  await page.click('.user-menu summary');
  await page.click('button:has-text("Sign out")');
  await page.waitForURL(/\/login$/);
  await page.goto(`${server.base}/settings/users`);
  t.match(page.url(), /\/login/, 'signed out for real');
  t.same(jsErrors(page), [], 'no JavaScript or CSP errors');
});

t.test('phone width: menu button opens the sidebar', async (t) => {
  const server = await startServer();
  t.teardown(server.stop);
  const { page, close } = await openBrowser({ width: 390, height: 844 });
  t.teardown(close);
  await page.goto(`${server.base}/login`);
  await shot(page, 'login-phone');
  await signIn(page, server.base);
  const onScreen = () => page.evaluate(() => document.querySelector('aside.sidebar')!.getBoundingClientRect().right > 0);
  t.notOk(await onScreen(), 'sidebar folded away');
  await shot(page, 'shell-phone');
  await page.click('.menu-button');
  await page.waitForTimeout(300);
  t.ok(await onScreen(), 'menu opens the sidebar');
  await page.goto(`${server.base}/settings/users`);
  await shot(page, 'users-phone');
  t.same(jsErrors(page), []);
});
