import t from 'tap';
import { buildTestApp, loginAs } from '../../helpers/app.js';
import { makeCompany, makeDeal, makeUser, stagesOf } from '../../helpers/factories.js';
t.test('defaults are seeded', async (t) => {
  const { app } = await buildTestApp(t);
  const names = async (table: 'company_sizes' | 'lead_sources' | 'lost_reasons') => (await app.db.selectFrom(table).select('name').orderBy('position').execute()).map((r) => r.name);
  t.same(await names('company_sizes'), ['Small', 'Medium', 'Large']);
  t.same(await names('lead_sources'), ['Website', 'Referral', 'Cold call', 'Trade show', 'Social media']);
  t.same(await names('lost_reasons'), ['Price', 'Competitor', 'No budget', 'No decision', 'Timing']);
});

t.test('admins and managers edit directories; reps get 403', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await loginAs(app, await makeUser(app, { role: 'rep' }));
  t.equal((await rep.get('/settings/directories/industries')).statusCode, 403);
  t.equal((await rep.post('/settings/directories/industries', { name: 'Mining', is_active: '1' })).statusCode, 403);
  const m = await loginAs(app, await makeUser(app, { role: 'manager' }));
  t.equal((await m.get('/settings/directories/industries')).statusCode, 200);
  t.equal((await m.get('/settings/directories/nope')).statusCode, 404);
  t.equal((await m.post('/settings/directories/industries', { name: 'Mining', is_active: '1' })).statusCode, 303);
  const dup = await m.post('/settings/directories/industries', { name: 'mining', is_active: '1' });
  t.equal(dup.statusCode, 422);
  t.match(dup.body, /already in the list/);
  const product = await m.post('/settings/directories/products', { name: 'Widget', code: 'W-1', price_cents: '1,299.50', is_active: '1' });
  t.equal(product.statusCode, 303);
  const row = await app.db.selectFrom('products').selectAll().executeTakeFirstOrThrow();
  t.equal(row.price_cents, 129950);
  const badCampaign = await m.post('/settings/directories/campaigns', { name: 'Spring', starts_on: '2026-05-01', ends_on: '2026-04-01', budget_cents: 'lots', is_active: '1' });
  t.equal(badCampaign.statusCode, 422);
  t.match(badCampaign.body, /end date is before the start date/);
  t.match(badCampaign.body, /Budget must be an amount/);
});

t.test('an item in use cannot be deleted (409); deactivated items stay on records but are not offered', async (t) => {
  const { app } = await buildTestApp(t);
  const admin = await makeUser(app, { role: 'admin' });
  const software = await app.db.selectFrom('industries').select('id').where('name', '=', 'Software').executeTakeFirstOrThrow();
  const company = await makeCompany(app, admin, { name: 'Soft Co', industry_id: software.id });
  const c = await loginAs(app, admin);
  const del = await c.post(`/settings/directories/industries/${software.id}/delete`);
  t.equal(del.statusCode, 409);
  t.match(del.body, /&quot;Software&quot; is used by 1 company. Deactivate it instead/);
  t.ok(await app.db.selectFrom('industries').select('id').where('id', '=', software.id).executeTakeFirst());

  t.equal((await c.post(`/settings/directories/industries/${software.id}/toggle-active`)).statusCode, 303);
  const newForm = await c.get('/companies/new');
  t.notMatch(newForm.body, />Software</, 'inactive items are not offered for new records');
  const editForm = await c.get(`/companies/${company}/edit`);
  t.match(editForm.body, /Software \(inactive\)/, 'but stay on the record that uses it');
  t.match((await c.get(`/companies/${company}`)).body, /Software/);
  const pick = await c.post('/companies', { name: 'New Co', industry_id: String(software.id), is_active: '1' });
  t.equal(pick.statusCode, 422);
  t.match(pick.body, /Choose an active industry/);

  const unused = await app.db.selectFrom('industries').select('id').where('name', '=', 'Media').executeTakeFirstOrThrow();
  t.equal((await c.post(`/settings/directories/industries/${unused.id}/delete`)).statusCode, 303);
});

t.test('reorder writes positions', async (t) => {
  const { app } = await buildTestApp(t);
  const c = await loginAs(app, await makeUser(app, { role: 'admin' }));
  const before = await app.db.selectFrom('company_sizes').select('id').orderBy('position').execute();
  const ids = before.map((r) => String(r.id)).reverse();
  const res = await c.post('/settings/directories/company-sizes/reorder', { ids }, { headers: { 'hx-request': 'true', 'hx-target': 'directory-company-sizes' } });
  t.equal(res.statusCode, 204);
  const after = await app.db.selectFrom('company_sizes').select(['id', 'name']).orderBy('position').execute();
  t.same(after.map((r) => r.name), ['Large', 'Medium', 'Small']);
});

t.test('each directory says which forms use it; one a lead uses cannot be deleted', async (t) => {
  const { app } = await buildTestApp(t);
  const m = await loginAs(app, await makeUser(app, { role: 'manager' }));
  for (const kind of ['products', 'campaigns', 'lead-sources']) {
    const body = (await m.get(`/settings/directories/${kind}`)).body;
    t.match(body, /Leads (say|name)/, `${kind}: used by leads`);
    t.notMatch(body, /Not used by any form yet/);
  }
  const source = await app.db.selectFrom('lead_sources').select('id').orderBy('id').executeTakeFirstOrThrow();
  await m.post('/leads', { title: 'Sourced', lead_source_id: source.id, assigned_to: '' });
  const del = await m.post(`/settings/directories/lead-sources/${source.id}/delete`);
  t.equal(del.statusCode, 409, 'a source in use is not deleted');
  t.match(del.body, /used by 1 lead/);
  const lost = (await m.get('/settings/directories/lost-reasons')).body;
  t.match(lost, /Asked when a deal is marked lost/);
  t.notMatch(lost, /Not used by any form yet/);
});

/* ---------- pipelines (one file per area: tap starts a process per file) ---------- */
const stage = (over: Record<string, string | number> = {}) => ({ name: 'Demo', color: '#22c55e', probability: '30', rotting_days: '', is_default: '0', is_won: '0', is_lost: '0', ...over });

t.test('the Sales pipeline is seeded with its stages', async (t) => {
  const { app } = await buildTestApp(t);
  const { pipeline, stages, by } = await stagesOf(app);
  t.equal(pipeline.is_default, 1);
  t.same(stages.map((s) => s.name), ['Lead', 'Qualified', 'Proposal', 'Negotiation', 'Won', 'Lost']);
  t.equal(by('Lead').is_default, 1);
  t.equal(by('Won').is_won, 1);
  t.equal(by('Lost').is_lost, 1);
});

t.test('pipelines: managers only; name unique case-insensitively; default cannot be deleted or disabled', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await loginAs(app, await makeUser(app, { role: 'rep' }));
  t.equal((await rep.get('/settings/pipelines')).statusCode, 403);
  const c = await loginAs(app, await makeUser(app, { role: 'manager' }));
  t.equal((await c.get('/settings/pipelines')).statusCode, 200);
  const dup = await c.post('/settings/pipelines', { name: 'SALES', description: '', is_active: '1', is_default: '0' });
  t.equal(dup.statusCode, 422);
  t.match(dup.body, /Another pipeline already has this name/);
  const { pipeline } = await stagesOf(app);
  const del = await c.post(`/settings/pipelines/${pipeline.id}/delete`);
  t.equal(del.statusCode, 409);
  t.match(del.body, /default pipeline/);
  t.equal((await c.post(`/settings/pipelines/${pipeline.id}/toggle-active`)).statusCode, 409);

  t.equal((await c.post('/settings/pipelines', { name: 'Partners', description: '', is_active: '1', is_default: '1' })).statusCode, 303);
  const partners = await app.db.selectFrom('pipelines').selectAll().where('name', '=', 'Partners').executeTakeFirstOrThrow();
  t.equal(partners.is_default, 1, 'a new default takes over');
  t.equal((await app.db.selectFrom('pipelines').select('is_default').where('id', '=', pipeline.id).executeTakeFirstOrThrow()).is_default, 0);
  const sales = await c.post(`/settings/pipelines/${pipeline.id}/delete`);
  t.equal(sales.statusCode, 409, 'still has stages');
  t.match(sales.body, /still has 6 stages/);
  t.equal((await c.post(`/settings/pipelines/${partners.id}/toggle-active`)).statusCode, 409, 'the new default cannot be disabled');
  const empty = await c.post('/settings/pipelines', { name: 'Empty', description: '', is_active: '1', is_default: '0' });
  t.equal(empty.statusCode, 303);
  const e = await app.db.selectFrom('pipelines').select('id').where('name', '=', 'Empty').executeTakeFirstOrThrow();
  t.equal((await c.post(`/settings/pipelines/${e.id}/delete`)).statusCode, 303, 'an empty pipeline that is not the default can go');
});

t.test('stages: unique names per pipeline, one won / lost / default each, delete refusals', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const c = await loginAs(app, await makeUser(app, { role: 'admin' }));
  const { pipeline, by } = await stagesOf(app);
  const base = `/settings/pipelines/${pipeline.id}/stages`;
  const dupName = await c.post(base, stage({ name: 'proposal' }));
  t.equal(dupName.statusCode, 422);
  t.match(dupName.body, /already has a stage with this name/);
  const secondWon = await c.post(base, stage({ name: 'Won again', is_won: '1' }));
  t.equal(secondWon.statusCode, 422);
  t.match(secondWon.body, /Won is already the won stage/);
  t.equal((await c.post(base, stage({ name: 'Lost again', is_lost: '1' }))).statusCode, 422);
  t.equal((await c.post(base, stage({ name: 'Default again', is_default: '1' }))).statusCode, 422);
  const badProb = await c.post(base, stage({ probability: '101', color: 'green' }));
  t.equal(badProb.statusCode, 422);
  t.match(badProb.body, /from 0 to 100/);
  t.match(badProb.body, /Pick a colour/);
  t.equal((await c.post(base, stage({ name: 'Demo' }))).statusCode, 303);

  await makeDeal(app, rep, { stage_id: by('Proposal').id });
  const inUse = await c.post(`${base}/${by('Proposal').id}/delete`);
  t.equal(inUse.statusCode, 409);
  t.match(inUse.body, /holds 1 deal/);
  const def = await c.post(`${base}/${by('Lead').id}/delete`);
  t.equal(def.statusCode, 409);
  t.match(def.body, /default stage/);
  const demo = await app.db.selectFrom('deal_stages').select('id').where('name', '=', 'Demo').executeTakeFirstOrThrow();
  t.equal((await c.post(`${base}/${demo.id}/delete`)).statusCode, 303);

  const ids = (await stagesOf(app)).stages.map((s) => String(s.id)).reverse();
  t.equal((await c.post(`${base}/reorder`, { ids })).statusCode, 303);
  t.same((await stagesOf(app)).stages.map((s) => s.name), ['Lost', 'Won', 'Negotiation', 'Proposal', 'Qualified', 'Lead']);
});
