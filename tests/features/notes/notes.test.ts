import t from 'tap';
import { buildTestApp, loginAs } from '../../helpers/app.js';
import { makeCompany, makeContact, makeUser } from '../../helpers/factories.js';

t.test('notes: add on every detail page, line breaks kept, shown on the timeline', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app, { name: 'Rita Rep' });
  const company = await makeCompany(app, rep, { name: 'Acme' });
  const contact = await makeContact(app, rep, { first_name: 'Ann' });
  const c = await loginAs(app, rep);
  const res = await c.post(`/companies/${company}/notes`, { body: 'Called them.\nThey want a demo <b>next week</b>.' });
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, `/companies/${company}`);
  const page = await c.get(`/companies/${company}`);
  t.match(page.body, /<div class="note-box">Called them.\nThey want a demo &lt;b&gt;next week&lt;\/b&gt;.<\/div>/);
  t.match(page.body, /Rita Rep<\/strong> added a note/);

  const frag = await c.post(`/contacts/${contact}/notes`, { body: 'Prefers email.' }, { headers: { 'hx-request': 'true', 'hx-target': 'activity' } });
  t.equal(frag.statusCode, 200);
  t.match(frag.body, /^<section class="panel activity" id="activity">/);
  t.match(frag.body, /Prefers email./);
  const empty = await c.post(`/contacts/${contact}/notes`, { body: '   ' }, { headers: { 'hx-request': 'true', 'hx-target': 'activity' } });
  t.equal(empty.statusCode, 422);
  t.match(empty.body, /Write something first/);
  t.equal((await c.post('/companies/9999/notes', { body: 'x' })).statusCode, 404);
});

t.test('only the author or an admin edits or deletes a note', async (t) => {
  const { app } = await buildTestApp(t);
  const author = await makeUser(app);
  const other = await makeUser(app);
  const admin = await makeUser(app, { role: 'admin' });
  const company = await makeCompany(app, author, { name: 'Acme' });
  const a = await loginAs(app, author);
  await a.post(`/companies/${company}/notes`, { body: 'Original' });
  const note = await app.db.selectFrom('notes').selectAll().executeTakeFirstOrThrow();
  const o = await loginAs(app, other);
  t.equal((await o.post(`/notes/${note.id}`, { body: 'Hacked' })).statusCode, 403);
  t.equal((await o.post(`/notes/${note.id}/delete`)).statusCode, 403);
  t.equal((await a.post(`/notes/${note.id}`, { body: 'Edited by author' })).statusCode, 303);
  t.equal((await app.db.selectFrom('notes').select('body').where('id', '=', note.id).executeTakeFirstOrThrow()).body, 'Edited by author');
  const ad = await loginAs(app, admin);
  t.equal((await ad.post(`/notes/${note.id}/delete`)).statusCode, 303);
  t.equal(await app.db.selectFrom('notes').select('id').where('id', '=', note.id).executeTakeFirst(), undefined);
  const page = await ad.get(`/companies/${company}`);
  t.match(page.body, /deleted a note/);
});

t.test('the timeline pages with "load more"', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const company = await makeCompany(app, rep, { name: 'Chatty' });
  const c = await loginAs(app, rep);
  for (let i = 0; i < 25; i++) await c.post(`/companies/${company}/notes`, { body: `Note number ${i}` });
  const page = await c.get(`/companies/${company}`);
  t.match(page.body, /Note number 24/);
  t.notMatch(page.body, /Note number 4</);
  const more = /hx-get="([^"]+\/timeline\?before=[^"]+)"/.exec(page.body)![1].replace(/&amp;/g, '&');
  const next = await c.get(more);
  t.match(next.body, /Note number 4</);
  t.match(next.body, /created this company/, 'the oldest entry arrives last');
  t.notMatch(next.body, /Note number 24/);
});
