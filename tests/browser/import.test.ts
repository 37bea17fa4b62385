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

t.test('duplicates in Chromium: find a pair, tick two, compare, pick values, merge through the confirmation', async (t) => {
  const { createContact } = await import('../../src/features/contacts/contacts.service.js');
  const { createDeal } = await import('../../src/features/deals/deals.service.js');
  const server = await startServer(
    {},
    withAdmin(async (db, scope) => {
      await db.transaction().execute(async (trx) => {
        const blank = { position: null, email: null, phone: null, company_id: null, assigned_to: null };
        const a = await createContact(trx, scope, { ...blank, first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' } as never, {});
        const b = await createContact(trx, scope, { ...blank, first_name: 'Ada', last_name: 'Lovelace', email: 'ADA@example.com', phone: '+44 20 7946 0000', position: 'Analyst' } as never, {});
        await createContact(trx, scope, { ...blank, first_name: 'Grace', last_name: 'Hopper' } as never, {});
        const pipeline = (await trx.selectFrom('pipelines').select('id').where('is_default', '=', 1).executeTakeFirstOrThrow()).id;
        await createDeal(trx, scope, { title: 'Engine', description: null, value: 5000, expected_close_date: null, probability: null, pipeline_id: pipeline, stage_id: null, company_id: null, customer_id: null, contact_ids: [b], assigned_to: scope.viewer.id, lost_reason_id: null, lost_reason: null } as never, {});
        void a;
      });
    }),
  );
  t.teardown(server.stop);
  const { page, close } = await openBrowser({ width: 1280, height: 900 });
  t.teardown(close);
  await signIn(page, server.base);
  await page.click('nav a:has-text("Duplicates")');
  await page.waitForURL(/\/duplicates$/);
  t.match(await page.locator('.dup-group h2').first().textContent(), /Same email: ada@example\.com/, 'the pair is found by its email, case aside');
  await shot(page, 'duplicates');
  await Promise.all([page.waitForURL(/\/duplicates\/merge\?/), page.click('button:has-text("Compare and merge")')]);
  t.equal(await page.locator('input[name=pick_phone]:checked').count(), 1, 'one phone picked by default');
  await page.locator('input[name=pick_email]').nth(1).check();
  await shot(page, 'duplicates-merge');
  page.once('dialog', (d) => void d.accept());
  await Promise.all([page.waitForURL(/\/contacts\/\d+$/), page.click('button:has-text("Merge")')]);
  t.match(await page.locator('body').textContent(), /Merged into Ada Lovelace/, 'the flash says so');
  const main = (await page.locator('main').textContent()) ?? '';
  t.match(main, /ADA@example\.com/, 'the picked email kept');
  t.match(main, /\+44 20 7946 0000/, "the other's phone filled the empty one");
  t.match(main, /Engine/, "the other's deal moved here");
  t.match(main, /merged a duplicate into this contact/, 'the timeline says so');
  await page.goto(`${server.base}/duplicates?kind=contacts&by=email`);
  t.match(await page.locator('main').textContent(), /No likely duplicates here/, 'no pair left');
  t.same(jsErrors(page), []);
});
