import t from 'tap';
import { buildTestApp, loginAs } from '../../helpers/app.js';
import { makeUser, stagesOf } from '../../helpers/factories.js';

type App = Awaited<ReturnType<typeof buildTestApp>>['app'];
const notes = (app: App, userId: number) => app.db.selectFrom('notifications').selectAll().where('user_id', '=', userId).orderBy('id').execute();

t.test('assigning someone else notifies them, for each of the six kinds, on create and on reassignment; assigning yourself does not', async (t) => {
  const { app } = await buildTestApp(t);
  const manager = await makeUser(app, { role: 'manager', name: 'Mona Manager' });
  const rep = await makeUser(app, { name: 'Rita Rep' });
  const { pipeline } = await stagesOf(app);
  const m = await loginAs(app, manager);
  const creates: [string, string, Record<string, string | number>][] = [
    ['lead', '/leads', { title: 'Lead for Rita', assigned_to: rep.id }],
    ['deal', '/deals', { title: 'Deal for Rita', pipeline_id: pipeline.id, assigned_to: rep.id }],
    ['company', '/companies', { name: 'Company for Rita', assigned_to: rep.id, is_active: '1' }],
    ['contact', '/contacts', { first_name: 'Contact', last_name: 'for Rita', assigned_to: rep.id }],
    ['customer', '/customers', { name: 'Customer for Rita', assigned_to: rep.id }],
  ];
  const ids: Record<string, number> = {};
  for (const [type, path, form] of creates) {
    const res = await m.post(path, form);
    t.equal(res.statusCode, 303, `${type} created`);
    ids[type] = Number(/\/(\d+)$/.exec(String(res.headers.location))![1]);
  }
  const deal = ids.deal;
  t.equal((await m.post(`/deals/${deal}/tasks`, { title: 'Task for Rita', type: 'call', priority: 'normal', assigned_to: rep.id })).statusCode, 303);
  let got = await notes(app, rep.id);
  t.same(got.map((n) => `${n.entity_type}:${n.title}:${n.actor_id}`), [
    `lead:Lead for Rita:${manager.id}`, `deal:Deal for Rita:${manager.id}`, `company:Company for Rita:${manager.id}`,
    `contact:Contact for Rita:${manager.id}`, `customer:Customer for Rita:${manager.id}`, `task:Task for Rita:${manager.id}`,
  ], 'one notification per kind, with who and what');

  // Self-assignment and unchanged assignees notify no one.
  const r = await loginAs(app, rep);
  await r.post('/leads', { title: 'My own lead', assigned_to: rep.id });
  await r.post(`/deals/${deal}/tasks`, { title: 'My own task', type: 'todo', priority: 'normal', assigned_to: rep.id });
  t.equal((await notes(app, rep.id)).length, 6, 'assigning yourself notifies no one');
  t.equal((await notes(app, manager.id)).length, 0);

  // Reassignment through a form notifies the new assignee only.
  const lead = await app.db.selectFrom('leads').selectAll().where('id', '=', ids.lead).executeTakeFirstOrThrow();
  await r.post(`/leads/${ids.lead}`, { title: lead.title, assigned_to: manager.id, version: lead.version });
  got = await notes(app, manager.id);
  t.same(got.map((n) => `${n.entity_type}:${n.entity_id}:${n.actor_id}`), [`lead:${ids.lead}:${rep.id}`], 'the new assignee hears of it');

  // The bell and the page.
  const page = await r.get('/companies');
  t.match(page.body, /aria-label="Notifications: 6 unread"/, 'the bell counts unread on every page');
  t.match(page.body, /class="bell-count" aria-hidden="true">6</);
  const list = await r.get('/notifications');
  t.match(list.body, /Mona Manager<\/strong> assigned you the deal <strong>Deal for Rita<\/strong>/);
  const first = got[0];
  t.equal((await r.get(`/notifications/${first.id}`)).statusCode, 404, 'another user\'s notification is not found');
  t.equal((await notes(app, manager.id))[0].read_at, null, 'and stays unread');
  const mine = (await notes(app, rep.id))[1];
  const open = await r.get(`/notifications/${mine.id}`);
  t.equal(open.statusCode, 303);
  t.equal(open.headers.location, `/deals/${deal}`, 'visiting it goes to the record');
  t.ok((await notes(app, rep.id))[1].read_at, 'and marks it read');
  t.match((await r.get('/companies')).body, /Notifications: 5 unread/);
  t.equal((await r.post('/notifications/read-all')).statusCode, 303);
  t.ok((await notes(app, rep.id)).every((n) => n.read_at), 'mark all read');
  t.equal((await notes(app, manager.id))[0].read_at, null, 'touches only the viewer\'s own');
  t.match((await r.get('/notifications')).body, /You are all caught up/);
});
