import t from 'tap';
import { buildTestApp, loginAs } from '../../helpers/app.js';
import { makeUser } from '../../helpers/factories.js';

const form = (over: Record<string, string> = {}) => ({ name: '', color: '#2e90fa', ...over });

t.test('lead statuses: settings for admins and managers, one default, one conversion target, refusals that say what to do', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await loginAs(app, await makeUser(app, { role: 'rep' }));
  t.equal((await rep.get('/settings/lead-statuses')).statusCode, 403, 'reps get 403');
  t.equal((await rep.post('/settings/lead-statuses', form({ name: 'Nope' }))).statusCode, 403);
  const m = await loginAs(app, await makeUser(app, { role: 'manager' }));
  const statuses = () => app.db.selectFrom('lead_statuses').selectAll().orderBy('position').execute();
  const byName = async (name: string) => (await statuses()).find((s) => s.name === name)!;

  const page = await m.get('/settings/lead-statuses');
  t.equal(page.statusCode, 200);
  for (const name of ['New', 'Contacted', 'Qualified', 'Converted', 'Lost']) t.match(page.body, name);
  t.match(page.body, /Conversion target/);

  // Names are unique whatever their case; bad input is 422 with the typed values kept.
  const dup = await m.post('/settings/lead-statuses', form({ name: 'contacted' }));
  t.equal(dup.statusCode, 422);
  t.match(dup.body, /Another status already has this name/);
  const badColour = await m.post('/settings/lead-statuses', form({ name: 'Nurturing', color: 'green' }));
  t.equal(badColour.statusCode, 422);
  t.match(badColour.body, /value="Nurturing"/, 'the typed name is kept');
  t.equal((await m.post('/settings/lead-statuses', form({ name: 'Odd', is_default: '1', is_final: '1' }))).statusCode, 422, 'the default cannot be final');
  t.equal((await m.post('/settings/lead-statuses', form({ name: 'Odd', is_conversion_target: '1' }))).statusCode, 422, 'the conversion target must be final');
  t.equal((await statuses()).length, 5, 'nothing written by a refusal');

  // A new default takes over in the same transaction; the old default cannot simply untick it.
  t.equal((await m.post('/settings/lead-statuses', form({ name: 'Nurturing', is_default: '1' }))).statusCode, 303);
  t.same((await statuses()).filter((s) => s.is_default).map((s) => s.name), ['Nurturing'], 'exactly one default');
  t.equal((await byName('Nurturing')).position, 6, 'added at the end');
  const untick = await m.post(`/settings/lead-statuses/${(await byName('Nurturing')).id}`, form({ name: 'Nurturing' }));
  t.equal(untick.statusCode, 409);
  t.match(untick.body, /Make another status the default first/);

  // Exactly one conversion target, taken over the same way.
  const won = await m.post('/settings/lead-statuses', form({ name: 'Won over', is_final: '1', is_conversion_target: '1' }));
  t.equal(won.statusCode, 303);
  t.same((await statuses()).filter((s) => s.is_conversion_target).map((s) => s.name), ['Won over'], 'exactly one conversion target');
  const back = await m.post(`/settings/lead-statuses/${(await byName('Converted')).id}`, form({ name: 'Converted', color: '#16a34a', is_final: '1', is_conversion_target: '1' }));
  t.equal(back.statusCode, 303);
  t.same((await statuses()).filter((s) => s.is_conversion_target).map((s) => s.name), ['Converted']);

  // Deleting: the default and the conversion target are refused; a status in use is refused; others go.
  const del = (name: string) => byName(name).then((s) => m.post(`/settings/lead-statuses/${s.id}/delete`));
  const d1 = await del('Nurturing');
  t.equal(d1.statusCode, 409);
  t.match(d1.body, /default status/);
  const d2 = await del('Converted');
  t.equal(d2.statusCode, 409);
  t.match(d2.body, /converted leads go/);
  const now = new Date().toISOString();
  await app.db.insertInto('leads').values({ title: 'A lead', lead_status_id: (await byName('Contacted')).id, status_entered_at: now, created_at: now, updated_at: now }).execute();
  const d3 = await del('Contacted');
  t.equal(d3.statusCode, 409);
  t.match(d3.body, /holds 1 lead\. Move it to another status first/);
  const finalFlip = await m.post(`/settings/lead-statuses/${(await byName('Contacted')).id}`, form({ name: 'Contacted', is_final: '1' }));
  t.equal(finalFlip.statusCode, 409, 'a status holding leads cannot become final');
  t.match(finalFlip.body, /cannot change while leads sit in it/);
  t.equal((await byName('Contacted')).is_final, 0);
  t.equal((await del('Won over')).statusCode, 303, 'an unused status is deleted');
  t.notOk((await statuses()).some((s) => s.name === 'Won over'));

  // Reorder by drag (ids in the new order), and the trail of every change.
  const ids = (await statuses()).map((s) => s.id).reverse();
  t.equal((await m.post('/settings/lead-statuses/reorder', { ids: ids.join(',') })).statusCode, 303);
  t.same((await statuses()).map((s) => s.id), ids);
  const trail = await app.db.selectFrom('audit_entries').select(['action']).where('entity_type', '=', 'lead_status').execute();
  t.ok(trail.some((a) => a.action === 'deleted') && trail.some((a) => a.action === 'reordered') && trail.filter((a) => a.action === 'created').length === 2, 'audited');
  t.equal((await m.get('/settings/lead-statuses/99999/edit')).statusCode, 404);
  t.equal((await m.get('/settings/lead-statuses/abc/edit')).statusCode, 404);
});
