import { openBrowser, signIn, startServer } from '../tests/browser/helpers.js';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { seedDemo } from '../src/seed/demo.js';
process.env.SCREENSHOTS = '1';
const server = await startServer({}, async (file) => { const { db, sqlite } = openDatabase(file); await migrateToLatest(db, sqlite); await seedDemo(db); await db.destroy(); });
const { page, close } = await openBrowser();
await signIn(page, server.base, 'admin@orchard.test', 'orchard-demo-2026');
const deal = await page.evaluate(async (b) => (await fetch(b + '/deals')).text(), server.base);
const id = /href="\/deals\/(\d+)"/.exec(deal)![1];
for (const [name, url] of [['deal-detail', `/deals/${id}`], ['profile', '/profile'], ['users', '/settings/users'], ['customer-groups', '/customer-groups'], ['company-edit-422', '/companies/new']] as const) {
  await page.goto(server.base + url);
  if (name === 'company-edit-422') { await page.fill('input[name=city]', 'Lyon'); await page.click('button[type=submit]'); await page.waitForSelector('.has-error'); }
  await page.screenshot({ path: `screenshots/${name}-desktop.png`, fullPage: true });
}
await page.setViewportSize({ width: 390, height: 844 });
for (const [name, url] of [['deal-detail', `/deals/${id}`], ['users', '/settings/users']] as const) { await page.goto(server.base + url); await page.screenshot({ path: `screenshots/${name}-phone.png`, fullPage: true }); }
await close(); await server.stop();
