// Screenshots of the pages a rep meets, at a laptop and a phone width, for looking at a change:
//   node --import tsx bench/shots.ts http://127.0.0.1:3100 out-dir [email] [password]
import fs from 'node:fs';
import { chromium } from 'playwright-core';

const [base = 'http://127.0.0.1:3000', out = 'screenshots/pages', email = 'admin@orchard.test', password = 'orchard-demo-2026'] = process.argv.slice(2);
const all: [string, string][] = [
  ['dashboard', '/'],
  ['forecast', '/reports/forecast'],
  ['dynamics', '/reports/dynamics'],
  ['conversion', '/reports/conversion'],
  ['performance', '/reports/performance'],
  ['board', '/deals/board'],
  ['leads', '/leads'],
  ['lead-board', '/leads/board'],
  ['lead', '/leads/3'],
  ['lead-converted', '/leads/1'],
  ['lead-convert', '/leads/3/convert'],
  ['lead-statuses', '/settings/lead-statuses'],
  ['my-tasks', '/tasks/mine'],
  ['notifications', '/notifications'],
  ['tasks', '/tasks?status=open'],
  ['deal-new', '/deals/new'],
  ['deals', '/deals'],
  ['contacts', '/contacts'],
  ['companies', '/companies'],
  ['customers', '/customers'],
  ['company', '/companies/1'],
  ['deal', '/deals/1'],
  ['task', '/tasks/1'],
  ['task-edit', '/tasks/1/edit'],
  ['profile', '/profile'],
  ['settings-crm', '/settings/crm'],
  ['api-tokens', '/profile/api-tokens'],
  ['api-tokens-all', '/settings/api-tokens'],
  ['api-reference', '/help/api'],
  ['api-reference-top', '/help/api#deals'],
  ['webhooks', '/settings/webhooks'],
  ['webhook', '/settings/webhooks/1'],
  ['webhook-new', '/settings/webhooks/new'],
  ['duplicates', '/duplicates?kind=contacts'],
  ['duplicates-companies', '/duplicates?kind=companies'],
  ['merge', '/duplicates/merge?kind=contacts&ids=2&ids=81'],
];
// EXTRA=name:/path,… adds pages (a record made for the occasion); ONLY=leads,lead-board takes just those.
for (const extra of process.env.EXTRA?.split(',') ?? []) all.push(extra.split(':') as [string, string]);
const only = process.env.ONLY?.split(',');
const pages = only ? all.filter(([name]) => only.includes(name)) : all;
fs.mkdirSync(out, { recursive: true });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
for (const [label, width, height] of [['desktop', 1280, 800], ['phone', 390, 844]] as const) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
  for (const [name, url] of pages) {
    await page.goto(base + url);
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${out}/${name}-${label}.png`, fullPage: !name.endsWith('board') && !name.endsWith('-top') });
    // A record's task panel with one task being edited in place.
    if (name === 'deal' && (await page.locator('.task-edit').count())) {
      await page.locator('.task-edit').first().click();
      await page.locator('.task-editing').waitFor();
      await page.locator('#tasks-panel').screenshot({ path: `${out}/task-panel-edit-${label}.png` });
    }
  }
  await context.close();
}
await browser.close();
console.log(`screenshots in ${out}`);
