import t from 'tap';
import { createLead } from '../../src/features/leads/leads.service.js';
import { card, column, columnCount, drag, jsErrors, openBrowser, shot, signIn, startServer, withAdmin } from './helpers.js';

/** An admin and three leads in New. */
const prepare = withAdmin(async (db, scope) => {
  for (const [title, value, email] of [['Harbor Yoga studio', 400_000, 'kim@harbor.test'], ['Vela Robotics pilot', 900_000, 'ola@vela.test'], ['Quarry signage', 100_000, null]] as const) {
    await db.transaction().execute((trx) => createLead(trx, scope, {
      title, description: null, contact_name: email ? `Contact ${title.split(' ')[0]}` : null, contact_email: email, contact_phone: null, company_name: title.split(' ').slice(0, 2).join(' '),
      value, lead_source_id: null, campaign_id: null, product_id: null, lead_status_id: null, assigned_to: scope.viewer.id,
    }, {}));
  }
});

const total = async (page: Parameters<typeof column>[0], name: string) => (await column(page, name).locator('.column-total').textContent())?.trim();

t.test('the lead board and conversion in Chromium', async (t) => {
  const server = await startServer({}, prepare);
  t.teardown(server.stop);
  const { page, close } = await openBrowser({ width: 1400, height: 900 });
  t.teardown(close);
  const errors = jsErrors(page);
  await signIn(page, server.base);

  t.test('drag a lead to another status: both headers change, and it is still there after reload', async (t) => {
    await page.goto(`${server.base}/leads/board`);
    t.same(await page.locator('.board-column h2').allTextContents(), ['New', 'Contacted', 'Qualified'], 'one column per non-final status');
    t.equal(await columnCount(page, 'New'), '3');
    t.equal(await total(page, 'New'), '$14K');
    t.equal(await columnCount(page, 'Contacted'), '0');
    await drag(page, 'Vela Robotics pilot', 'Contacted');
    await page.waitForFunction(() => document.querySelector('#board .board-column:nth-child(2) .column-count')?.textContent?.trim() === '1');
    t.equal(await columnCount(page, 'New'), '2');
    t.equal(await total(page, 'New'), '$5K');
    t.equal(await total(page, 'Contacted'), '$9K');
    t.match(await page.locator('#board-summary').textContent(), /3 open leads/);
    t.match(await page.locator('#flash').textContent(), /moved to Contacted/);
    await shot(page, 'lead-board-after-drag');
    await page.reload();
    t.equal(await column(page, 'Contacted').locator('a.card-title').first().textContent(), 'Vela Robotics pilot', 'still there after reload');
    t.equal(await columnCount(page, 'Contacted'), '1');
    t.equal(await card(page, 'Vela Robotics pilot').count(), 1);
  });

  t.test('Move to… is the keyboard twin: a final status takes the card off the board', async (t) => {
    await page.goto(`${server.base}/leads/board`);
    const quarry = card(page, 'Quarry signage');
    await quarry.locator('.move-menu > summary').click();
    await quarry.locator('select[name=lead_status_id]').selectOption({ label: 'Lost' });
    await quarry.locator('button:text-is("Move")').click();
    await page.waitForFunction(() => !document.querySelector('#board')?.textContent?.includes('Quarry signage'));
    t.equal(await columnCount(page, 'New'), '1', 'the header follows');
    t.equal(await page.locator('#board-summary').textContent().then((s) => /2 open leads/.test(s ?? '')), true);
  });

  t.test('convert a lead creating a company and a deal, then land on the lead with links to all three', async (t) => {
    await page.goto(`${server.base}/leads`);
    await page.click('a:text-is("Harbor Yoga studio")');
    await page.click('a[role=button]:has-text("Convert")');
    await page.waitForURL(/\/convert$/);
    t.equal(await page.inputValue('#f-customer_name'), 'Contact Harbor', 'the form starts from the lead');
    t.ok(await page.isVisible('#f-company_new_name'), 'the lead names a company, so "create new" is chosen');
    t.notOk(await page.isVisible('#f-company_id'), 'the existing-company picker hides until asked for');
    await page.fill('#f-company_new_name', 'Harbor Yoga Ltd');
    await page.fill('#f-deal_title', 'Harbor Yoga — memberships');
    await page.fill('#f-deal_value', '4500');
    await shot(page, 'lead-convert');
    await Promise.all([page.waitForURL(/\/leads\/\d+$/), page.click('button:has-text("Convert lead")')]);
    t.match(await page.locator('.toast, .flash').first().textContent(), /converted into a new customer, a company and a deal/);
    const panel = page.locator('.converted-panel');
    t.equal(await panel.locator('a[href^="/customers/"]').textContent(), 'Contact Harbor');
    t.equal(await panel.locator('a[href^="/companies/"]').textContent(), 'Harbor Yoga Ltd');
    t.equal(await panel.locator('a[href^="/deals/"]').textContent(), 'Harbor Yoga — memberships');
    t.match(await page.locator('.page-sub').first().textContent(), /Converted/);
    await shot(page, 'lead-converted');
    await panel.locator('a[href^="/deals/"]').click();
    await page.waitForURL(/\/deals\/\d+$/);
    t.match(await page.locator('.converted-from').textContent(), /Converted from L-\d+/, 'the deal says where it came from');
    t.match(await page.locator('.deal-value').first().textContent(), /\$4,500/);
  });

  t.same(errors, [], 'no script errors');
});
