import t from 'tap';
import { buildTestApp, loginAs } from '../../helpers/app.js';
import { makeCompany, makeContact, makeCustomer, makeDeal, makeLead, makeTask, makeUser } from '../../helpers/factories.js';
import { setSetting } from '../../../src/features/settings/settings.queries.js';
import { zonedToUtc } from '../../../src/lib/time.js';

type App = Awaited<ReturnType<typeof buildTestApp>>['app'];
const panel = { 'hx-request': 'true', 'hx-target': 'tasks-panel' };
const form = (over: Record<string, string | number> = {}) => ({ title: 'Call about the proposal', type: 'call', priority: 'high', due_date: '2026-12-01', due_time: '10:30', assigned_to: '', description: '', ...over });
const tasks = (app: App) => app.db.selectFrom('tasks').selectAll().orderBy('id').execute();

t.test('wall-clock due times convert from the viewer\'s zone to UTC, across DST', async (t) => {
  t.equal(zonedToUtc('2026-12-01', '10:30', 'America/New_York'), '2026-12-01T15:30:00.000Z');
  t.equal(zonedToUtc('2026-07-01', '10:30', 'America/New_York'), '2026-07-01T14:30:00.000Z');
  t.equal(zonedToUtc('2026-03-29', '02:30', 'Europe/Berlin').slice(0, 13), '2026-03-29T01', 'a time skipped by DST lands just after the jump');
  t.equal(zonedToUtc('2026-06-15', '23:59', 'UTC'), '2026-06-15T23:59:00.000Z');
});

t.test('add a task inline on every record kind; the panel comes back; timelines on task and record', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  await app.db.updateTable('users').set({ time_zone: 'America/New_York' }).where('id', '=', rep.id).execute();
  const c = await loginAs(app, rep);
  const parents: [string, number][] = [
    ['/deals', await makeDeal(app, rep)], ['/leads', await makeLead(app, rep)], ['/companies', await makeCompany(app, rep)],
    ['/contacts', await makeContact(app, rep)], ['/customers', await makeCustomer(app, rep)],
  ];
  for (const [path, id] of parents) {
    t.match((await c.get(`${path}/${id}`)).body, /id="tasks-panel"/, `${path}: the panel is on the page`);
    const res = await c.post(`${path}/${id}/tasks`, form({ title: `Task on ${path}`, assigned_to: rep.id }), { headers: panel });
    t.equal(res.statusCode, 200, `${path}: added inline`);
    t.match(res.body, new RegExp(`Task on ${path}`));
    t.match(res.body, /Due Dec 1, 2026, 10:30 AM/, `${path}: due shown in the viewer's zone`);
    t.notMatch(res.body, /<html/, 'a fragment, not a page');
  }
  const all = await tasks(app);
  t.equal(all.length, 5);
  t.equal(all[0].due_at, '2026-12-01T15:30:00.000Z', 'stored in UTC');
  t.same(all.map((x) => x.entity_type), ['deal', 'lead', 'company', 'contact', 'customer']);
  t.match((await c.get(`/deals/${parents[0][1]}`)).body, /added a task/, 'the record\'s timeline says so');
  const noTime = await c.post(`/deals/${parents[0][1]}/tasks`, form({ title: 'By end of day', due_time: '' }), { headers: panel });
  t.match(noTime.body, /By end of day[\s\S]*?Due Dec 1, 2026</, 'a date without a time is due that day, shown without a time');
  t.equal((await c.post(`/deals/${parents[0][1]}/tasks`, form({ title: 'Plain post' }))).statusCode, 303, 'without script: a redirect back');
});

t.test('422 at each invalid field, the form kept, nothing written', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const gone = await makeUser(app);
  await app.db.updateTable('users').set({ is_active: 0 }).where('id', '=', gone.id).execute();
  const deal = await makeDeal(app, rep);
  const c = await loginAs(app, rep);
  const cases: [Record<string, string | number>, string, RegExp][] = [
    [{ title: '' }, 'title', /Title is required/],
    [{ type: 'party' }, 'type', /Choose a type/],
    [{ priority: 'urgent!' }, 'priority', /Choose a priority/],
    [{ due_date: '2026-02-30' }, 'due_date', /Enter a date like/],
    [{ due_time: '25:00' }, 'due_time', /Enter a time like 14:30/],
    [{ due_date: '', due_time: '10:00' }, 'due_date', /Pick a day for the time/],
    [{ assigned_to: gone.id }, 'assigned_to', /Choose an active user/],
  ];
  for (const [over, field, message] of cases) {
    const res = await c.post(`/deals/${deal}/tasks`, form({ title: 'Keep me', ...over }), { headers: panel });
    t.equal(res.statusCode, 422, `${field}: 422`);
    t.match(res.body, message, `${field}: the message`);
    t.match(res.body, new RegExp(`id="task-${field}-error"`), `${field}: next to the field`);
    if (field !== 'title') t.match(res.body, /value="Keep me"/, `${field}: what was typed is kept`);
    t.match(res.body, /<details class="task-add" open/, 'the form stays open');
  }
  t.equal((await tasks(app)).length, 0, 'nothing written');
});

t.test('complete and reopen with one click: completed_at, timelines, the deal\'s rotting clock', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const deal = await makeDeal(app, rep);
  const task = await makeTask(app, rep, { title: 'Send the quote' }, { type: 'deal', id: deal });
  await app.db.updateTable('deals').set({ last_activity_at: '2026-01-01T00:00:00.000Z' }).where('id', '=', deal).execute();
  const c = await loginAs(app, rep);
  const done = await c.post(`/tasks/${task}/complete`, {}, { headers: panel });
  t.equal(done.statusCode, 200);
  t.match(done.body, /<s>Send the quote<\/s>/, 'struck through');
  t.match(done.body, new RegExp(`action="/tasks/${task}/reopen"`), 'with undo');
  let row = (await tasks(app))[0];
  t.equal(row.status, 'completed');
  t.ok(row.completed_at, 'completed_at set');
  const d = await app.db.selectFrom('deals').select('last_activity_at').where('id', '=', deal).executeTakeFirstOrThrow();
  t.ok(d.last_activity_at > '2026-01-02', 'the deal\'s rotting clock is reset');
  const entries = await app.db.selectFrom('audit_entries').select(['entity_type', 'action']).where('action', 'in', ['completed', 'task_completed']).execute();
  t.same(entries.map((e) => `${e.entity_type}:${e.action}`).sort(), ['deal:task_completed', 'task:completed'], 'timeline entries on the task and on its record');
  t.match((await c.get(`/deals/${deal}`)).body, /completed a task/);
  t.equal((await c.post(`/tasks/${task}/complete`, {}, { headers: panel })).statusCode, 200, 'completing twice is harmless');
  const reopened = await c.post(`/tasks/${task}/reopen`, {}, { headers: panel });
  t.equal(reopened.statusCode, 200);
  row = (await tasks(app))[0];
  t.equal(row.status, 'pending');
  t.equal(row.completed_at, null, 'reopening clears completed_at');
  t.equal((await c.post(`/tasks/${task}/delete`)).statusCode, 303);
  t.equal((await tasks(app)).length, 0);
  t.equal((await c.post('/tasks/999999/complete')).statusCode, 404);
});

t.test('visibility and rights: no task on, or from, a record the rep cannot see; others\' tasks are theirs', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const other = await makeUser(app);
  const theirs = await makeDeal(app, other, { title: 'Their deal', assigned_to: other.id });
  const shared = await makeDeal(app, rep, { title: 'Shared deal', assigned_to: null });
  const hidden = await makeTask(app, other, { title: 'Hidden task', assigned_to: other.id }, { type: 'deal', id: theirs });
  const notMine = await makeTask(app, other, { title: 'Their task', assigned_to: other.id }, { type: 'deal', id: shared });
  const c = await loginAs(app, rep);
  t.equal((await c.post(`/tasks/${notMine}/complete`)).statusCode, 403, 'another rep\'s task on a visible record: 403');
  const manager = await loginAs(app, await makeUser(app, { role: 'manager' }));
  t.equal((await manager.post(`/tasks/${notMine}/complete`)).statusCode, 303, 'a manager may');
  await setSetting(app.db, 'rep_visibility', 'own');
  t.equal((await c.post(`/deals/${theirs}/tasks`, form())).statusCode, 404, 'no task on a record the rep cannot see');
  for (const action of ['complete', 'reopen', 'delete']) t.equal((await c.post(`/tasks/${hidden}/${action}`)).statusCode, 404, `${action}: 404`);
  t.notMatch((await c.get(`/deals/${shared}`)).body, /Hidden task/);
  t.equal((await tasks(app)).length, 2, 'nothing added');
  t.equal((await app.db.selectFrom('tasks').select('status').where('id', '=', hidden).executeTakeFirstOrThrow()).status, 'pending', 'nothing changed');
});

t.test('deleting a record deletes its tasks', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const deal = await makeDeal(app, rep);
  await makeTask(app, rep, { title: 'Goes with it' }, { type: 'deal', id: deal });
  const c = await loginAs(app, rep);
  t.equal((await c.post(`/deals/${deal}/delete`)).statusCode, 303);
  t.equal((await tasks(app)).length, 0);
});

t.test('My tasks: overdue, today (the viewer\'s own day), upcoming, done this week; All tasks: filters, sort, CSV, own visibility', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  const other = await makeUser(app);
  // Far east of UTC: "today" there is not UTC's today for much of the day.
  await app.db.updateTable('users').set({ time_zone: 'Pacific/Kiritimati' }).where('id', '=', rep.id).execute();
  const deal = await makeDeal(app, rep, { title: 'Kiritimati deal' });
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Pacific/Kiritimati' });
  const add = async (title: string, over: Record<string, unknown> = {}) => {
    const id = await makeTask(app, rep, { title, assigned_to: rep.id, ...over }, { type: 'deal', id: deal });
    return id;
  };
  await app.db.transaction().execute(async (trx) => {
    await trx.insertInto('tasks').values([
      { title: 'Late one', type: 'call', priority: 'high', status: 'pending', due_at: new Date(Date.now() - 3_600_000).toISOString(), assigned_to: rep.id, entity_type: 'deal', entity_id: deal, created_by: rep.id, description: null, completed_at: null, created_at: new Date().toISOString(), updated_at: new Date().toISOString() },
    ]).execute();
  });
  await add('Next week', { due_date: day(7), type: 'meeting' });
  await add('Someday');
  const finished = await add('Finished');
  await add('Theirs', { assigned_to: other.id, title: 'Their task' });
  const c = await loginAs(app, rep);
  // Typed in the rep's own zone, through the form.
  await c.post(`/deals/${deal}/tasks`, form({ title: 'Later today', type: 'todo', due_date: day(0), due_time: '23:59', assigned_to: rep.id }));
  await c.post(`/tasks/${finished}/complete`);
  const mine = (await c.get('/tasks/mine')).body;
  const section = (name: string) => new RegExp(`id="mine-${name}"[\\s\\S]*?</section>`).exec(mine)?.[0] ?? '';
  t.match(section('overdue'), /Late one/);
  t.match(section('today'), /Later today/, 'today is the viewer\'s own day');
  t.notMatch(section('today'), /Next week/);
  t.match(section('upcoming'), /Next week[\s\S]*Someday/, 'upcoming, undated last');
  t.match(section('done'), /<s>Finished<\/s>/);
  t.notMatch(mine, /Their task/, 'only the viewer\'s tasks');
  const late = await app.db.selectFrom('tasks').select('id').where('title', '=', 'Late one').executeTakeFirstOrThrow();
  const fragment = await c.post(`/tasks/${late.id}/complete`, {}, { headers: { 'hx-request': 'true', 'hx-target': 'my-tasks' } });
  t.equal(fragment.statusCode, 200);
  t.match(fragment.body, /id="mine-overdue"[\s\S]*?Nothing overdue/, 'completing from My tasks swaps the sections');

  const list = await c.get('/tasks');
  t.match(list.body, /Their task/, 'All tasks: everyone\'s (visibility all)');
  t.match(list.body, /Kiritimati deal/, 'with the record it is about');
  t.match((await c.get('/tasks?type=meeting')).body, /Next week/);
  t.notMatch((await c.get('/tasks?type=meeting')).body, /Someday/);
  t.notMatch((await c.get('/tasks?status=open')).body, /Finished/);
  t.match((await c.get(`/tasks?assigned_to=${other.id}`)).body, /Their task/);
  t.notMatch((await c.get('/tasks?related=none')).body, /Next week/);
  t.match((await c.get(`/tasks?due_from=${day(6)}&due_to=${day(8)}`)).body, /Next week/, 'due range in the viewer\'s days');
  t.notMatch((await c.get(`/tasks?due_from=${day(6)}&due_to=${day(8)}`)).body, /Later today/);
  t.equal((await c.get('/tasks?sort=priority&dir=desc&status=bogus&due_from=2026-02-30')).statusCode, 200, 'junk filters are ignored');
  const csv = await c.get('/tasks/export.csv?status=open');
  t.match(csv.body, /ID,Title,Type,Priority,Status,Due,Related to,Assigned to,Completed at/);
  t.match(csv.body, /Next week,Meeting,normal,To do/);
  t.notMatch(csv.body, /Finished/);
  await setSetting(app.db, 'rep_visibility', 'own');
  const otherClient = await loginAs(app, other);
  t.notMatch((await otherClient.get('/tasks')).body, /Next week/, 'own: another rep\'s tasks are not listed');
  t.notMatch((await otherClient.get('/tasks/export.csv')).body, /Next week/, 'nor exported');
});

t.test('a task\'s own page and its edits: inline on the panel and full page, 422 by the field, stale 409, its own timeline', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app, { name: 'Rita Rep' });
  const other = await makeUser(app, { name: 'Otto Other' });
  await app.db.updateTable('users').set({ time_zone: 'America/New_York' }).where('id', '=', rep.id).execute();
  const deal = await makeDeal(app, rep, { title: 'Acme renewal' });
  const c = await loginAs(app, rep);
  await c.post(`/deals/${deal}/tasks`, form({ title: 'Send the quote', assigned_to: rep.id }), { headers: panel });
  const task = (await tasks(app))[0];

  const page = await c.get(`/tasks/${task.id}`);
  t.equal(page.statusCode, 200);
  t.match(page.body, /<h1>Send the quote<\/h1>/);
  t.match(page.body, /Acme renewal/, 'the related record');
  t.match(page.body, /Dec 1, 2026, 10:30 AM/, 'due in the viewer\'s zone');
  t.match(page.body, /created this task/, 'its own timeline');

  // Inline: the panel comes back with this task as a form, filled in the viewer's zone.
  const editing = await c.get(`/tasks/${task.id}/edit`, panel);
  t.equal(editing.statusCode, 200);
  t.notMatch(editing.body, /<html/);
  t.match(editing.body, new RegExp(`id="task-${task.id}-edit-title"[^>]*value="Send the quote"|value="Send the quote"[^>]*id="task-${task.id}-edit-title"`));
  t.match(editing.body, /value="2026-12-01"/);
  t.match(editing.body, /value="10:30"/);
  const cancel = await c.get(`/deals/${deal}/tasks`, panel);
  t.match(cancel.body, /id="tasks-panel"/, 'cancel: the panel as it was');
  t.notMatch(cancel.body, /task-edit-title|-edit-title/, 'without the form');
  const bad = await c.post(`/tasks/${task.id}`, form({ title: '', version: task.version, status: 'pending' }), { headers: panel });
  t.equal(bad.statusCode, 422);
  t.match(bad.body, new RegExp(`id="task-${task.id}-edit-title-error"[^>]*>Title is required`), 'the message by the field');
  t.equal((await tasks(app))[0].title, 'Send the quote', 'nothing written');
  const saved = await c.post(`/tasks/${task.id}`, form({ title: 'Send the signed quote', due_time: '', assigned_to: other.id, version: task.version, status: 'pending' }), { headers: panel });
  t.equal(saved.statusCode, 200);
  t.match(saved.body, /Send the signed quote/);
  t.match(saved.body, /Due Dec 1, 2026</, 'no time: due by the end of that day');
  let row = (await tasks(app))[0];
  t.equal(row.title, 'Send the signed quote');
  t.equal(row.assigned_to, other.id);
  t.equal(row.due_at, zonedToUtc('2026-12-01', '23:59', 'America/New_York'));
  const notes = await app.db.selectFrom('notifications').selectAll().where('user_id', '=', other.id).execute();
  t.same(notes.map((n) => [n.entity_type, n.entity_id, n.title]), [['task', task.id, 'Send the signed quote']], 'the new assignee is told');

  const stale = await c.post(`/tasks/${task.id}`, form({ title: 'Late edit', version: task.version, status: 'pending' }));
  t.equal(stale.statusCode, 409, 'an edit of a version someone else already saved is refused');
  t.equal((await tasks(app))[0].title, 'Send the signed quote');

  // Full page: done through the form is done as with the checkbox.
  const full = await c.get(`/tasks/${task.id}/edit`);
  t.match(full.body, /<h1>Edit task<\/h1>/);
  row = (await tasks(app))[0];
  const done = await c.post(`/tasks/${task.id}`, form({ title: row.title, due_time: '', assigned_to: other.id, status: 'completed', version: row.version }));
  t.equal(done.statusCode, 303);
  t.equal(done.headers.location, `/tasks/${task.id}`);
  row = (await tasks(app))[0];
  t.equal(row.status, 'completed');
  t.ok(row.completed_at);
  const shown = await c.get(`/tasks/${task.id}`);
  t.match(shown.body, /updated this task/);
  t.match(shown.body, /Title:<\/span> <span class="tl-old">Send the quote<\/span> → <span class="tl-new">Send the signed quote/);
  t.match(shown.body, /Due:<\/span> <span class="tl-old">Dec 1, 2026, 10:30 AM<\/span>/, 'due changes read in the viewer\'s zone');
  t.match((await c.get(`/deals/${deal}`)).body, /completed a task/, 'the deal\'s timeline too');
  const unread = await c.post(`/tasks/${task.id}/reopen`, { from: 'task' });
  t.equal(unread.headers.location, `/tasks/${task.id}`, 'from its page, back to its page');

  // Visibility: with own, another rep's task on a record they cannot see is not there.
  const stranger = await makeUser(app);
  await setSetting(app.db, 'rep_visibility', 'own');
  const s = await loginAs(app, stranger);
  for (const url of [`/tasks/${task.id}`, `/tasks/${task.id}/edit`]) t.equal((await s.get(url)).statusCode, 404, `${url}: 404`);
  t.equal((await s.post(`/tasks/${task.id}`, form({ status: 'pending' }))).statusCode, 404);
  await setSetting(app.db, 'rep_visibility', 'all');
  t.equal((await s.get(`/tasks/${task.id}/edit`)).statusCode, 403, 'visible but someone else\'s: the form is refused as its post would be');
});

t.test('My tasks shows 25 per section, says there are more and links to All tasks', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app);
  for (let i = 0; i < 26; i++) await makeTask(app, rep, { title: `Overdue ${i}`, due_date: '2026-01-01' });
  await makeTask(app, rep, { title: 'Later', due_date: '2099-01-01' });
  const c = await loginAs(app, rep);
  const body = (await c.get('/tasks/mine')).body;
  t.match(body, /id="mine-overdue">Overdue <span class="count">25\+<\/span>/);
  t.equal((body.match(/Overdue \d+</g) ?? []).length, 25, '25 shown');
  t.match(body, new RegExp(`href="/tasks\\?status=open&(amp;)?assigned_to=${rep.id}">See them all`));
  t.match(body, /id="mine-upcoming">Upcoming <span class="count">1<\/span>/, 'a short section is counted exactly');
});

t.test('All tasks never counts the whole table: past 1,000 it says "more than 1,000" and pages on', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app, { role: 'admin' });
  const now = new Date().toISOString();
  await app.db.insertInto('tasks').values(Array.from({ length: 1_001 }, (_, i) => ({ title: `Bulk ${i}`, type: 'todo' as const, description: null, due_at: null, priority: 'normal' as const, status: 'pending' as const, completed_at: null, assigned_to: rep.id, entity_type: null, entity_id: null, created_by: rep.id, created_at: now, updated_at: now }))).execute();
  const c = await loginAs(app, rep);
  const body = (await c.get('/tasks')).body;
  t.match(body, /more than 1,000/, 'unfiltered, the count is capped');
  t.notMatch(body, /1,001/, 'the exact total is not counted');
  t.match(body, /href="[^"]*page=2/, 'a next page is offered');
});
