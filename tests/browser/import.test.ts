import fs from 'node:fs';
import t from 'tap';
import { jsErrors, openBrowser, shot, signIn, startServer, withAdmin } from './helpers.js';

const prepare = withAdmin(async () => {});

/** 1,500 contacts (one bad row, one phone column to ignore): enough to see the bar move. */
function contactsCsv(): Buffer {
  const lines = ['First Name,Last Name,E-mail Address,Mobile Phone,Organization'];
  for (let i = 0; i < 1500; i++) lines.push(i === 1 ? ',,no-name@example.com,,' : `Person${i},Example,person${i}@example.com,+1 555 ${String(i).padStart(4, '0')},Company ${i % 40}`);
  return Buffer.from(lines.join('\r\n'));
}

t.test('import contacts in Chromium: upload, change a mapping, preview, progress, summary, skipped rows', async (t) => {
  const server = await startServer({}, prepare);
  t.teardown(server.stop);
  const { page, close } = await openBrowser({ width: 1280, height: 900 });
  t.teardown(close);
  await signIn(page, server.base);
  await page.click('nav a:has-text("Import")');
  await page.waitForURL(/\/import$/);
  await shot(page, 'import-upload');
  await page.setInputFiles('input[name=file]', { name: 'contacts.csv', mimeType: 'text/csv', buffer: contactsCsv() });
  await Promise.all([page.waitForURL(/\/import\/\d+$/), page.click('button:has-text("Upload and map columns")')]);

  // The columns matched by their names; ignore the phone column and update the preview.
  t.equal(await page.locator('select[name=col_2]').inputValue(), 'email', 'E-mail Address → Email');
  t.equal(await page.locator('select[name=col_3]').inputValue(), 'phone', 'Mobile Phone → Phone');
  t.equal(await page.locator('select[name=col_4]').inputValue(), 'company', 'Organization → Company');
  await page.selectOption('select[name=col_3]', '');
  await Promise.all([page.waitForLoadState('load'), page.click('button:has-text("Update the preview")')]);
  await page.locator('#count-create').waitFor();
  t.equal(await page.locator('select[name=col_3]').inputValue(), '', 'the change is kept');
  t.equal(await page.locator('#count-create').textContent(), '1,499');
  t.equal(await page.locator('#count-skip').textContent(), '1');
  t.match(await page.locator('.import-problems').textContent(), /Line 3: Enter a first or a last name/);
  t.equal(await page.locator('#import-preview tbody tr').count(), 20, 'the first rows as they will be stored');
  await shot(page, 'import-mapping');

  // Import: the bar shows while it runs, then the page becomes the summary by itself.
  await page.click('button:has-text("Import 1,499 contacts")');
  const sawBar = await page.locator('#import-progress progress').waitFor({ timeout: 3000 }).then(() => true, () => false);
  if (sawBar) await shot(page, 'import-progress');
  await page.locator('h2:text-is("Done")').waitFor({ timeout: 60_000 });
  t.equal(await page.locator('#done-created').textContent(), '1,499');
  t.equal(await page.locator('#done-skipped').textContent(), '1');
  await shot(page, 'import-summary');

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('a:has-text("Download the skipped rows")')]);
  const text = fs.readFileSync(await download.path()).toString('utf8').replace(/^\uFEFF/, '');
  t.match(text, /^First Name,Last Name,E-mail Address,Mobile Phone,Organization,Line,Why it was skipped\r\n,,no-name@example.com,,,3,Enter a first or a last name\./);

  // The contacts are there, without the ignored phone.
  await page.goto(`${server.base}/contacts?q=person42%40example.com`);
  t.match(await page.locator('main').textContent(), /Person42/);

  // Revert from the summary, through its confirmation dialog: the contacts are gone again.
  await page.goBack();
  await page.locator('h2:text-is("Done")').waitFor();
  page.once('dialog', (d) => void d.accept());
  await page.click('button:has-text("Revert this import")');
  await page.locator('h2:text-is("Reverted")').waitFor({ timeout: 60_000 });
  await shot(page, 'import-reverted');
  await page.goto(`${server.base}/contacts?q=person42%40example.com`);
  t.notMatch(await page.locator('main').textContent(), /Person42/, 'reverted: the imported contact is gone');
  t.same(jsErrors(page), [], 'no console errors');
});
