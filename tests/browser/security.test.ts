import t from 'tap';
import { generateSync } from 'otplib';
import { jsErrors, openBrowser, shot, signIn, startServer } from './helpers.js';

const codeAt = (secret: string, stepsAhead = 0) => generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + stepsAhead * 30 });

t.test('two-factor set-up with the QR code, sign-in with a code, and the security log', async (t) => {
  const server = await startServer();
  t.teardown(server.stop);
  const { page, close } = await openBrowser();
  t.teardown(close);
  await signIn(page, server.base);

  await page.goto(`${server.base}/profile`);
  await Promise.all([page.waitForURL(/\/profile\/two-factor$/), page.click('a:has-text("Set up two-factor sign-in")')]);
  const qr = page.locator('.qr svg');
  t.ok(await qr.isVisible(), 'the QR code is drawn');
  const box = await qr.boundingBox();
  t.ok(box && box.width > 150 && box.height > 150, 'at a size a phone camera reads');
  const secret = ((await page.textContent('.secret')) ?? '').replace(/\s+/g, '');
  t.match(secret, /^[A-Z2-7]{16,}$/, 'the key is shown for typing by hand');
  await shot(page, 'two-factor-setup-desktop');
  await page.fill('input[name=code]', codeAt(secret));
  await Promise.all([page.waitForSelector('#recovery-codes'), page.click('button:has-text("Turn on two-factor sign-in")')]);
  t.equal(await page.locator('#recovery-codes li').count(), 10, 'ten recovery codes shown');
  await shot(page, 'two-factor-codes-desktop');

  await page.click('.user-menu summary, .user-menu button').catch(() => undefined);
  await page.evaluate(() => (document.querySelector('form[action="/logout"]') as HTMLFormElement | null)?.submit());
  await page.waitForURL(/\/login/);
  await page.fill('input[name=email]', 'admin@orchard.test');
  await page.fill('input[name=password]', 'admin-password-1');
  await Promise.all([page.waitForURL(/\/login\/two-factor/), page.click('button[type=submit]')]);
  t.match(await page.textContent('h1'), /Two-factor sign-in/);
  await shot(page, 'two-factor-sign-in-desktop');
  await page.fill('input[name=code]', codeAt(secret, 1));
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
  t.match(await page.textContent('h1'), /Good to see you/, 'signed in');

  await page.goto(`${server.base}/settings/security`);
  const rows = page.locator('#security-events tbody tr');
  t.ok((await rows.count()) >= 4, 'events listed');
  t.ok(await page.isVisible('#security-events >> text=Two-factor sign-in turned on'));
  t.ok(await page.isVisible('#security-events >> text=Signed in'));
  await shot(page, 'security-log-desktop');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await shot(page, 'security-log-phone');
  await page.goto(`${server.base}/profile/two-factor`);
  await shot(page, 'two-factor-status-phone');
  t.same(jsErrors(page), [], 'no script errors');
});
