import t from 'tap';
import { buildTestApp, loginAs } from '../../helpers/app.js';
import { makeDeal, makeUser, stagesOf } from '../../helpers/factories.js';

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
