import t from 'tap';
import { buildTestApp, loginAs } from '../../helpers/app.js';
import { makeCompany, makeContact, makeCustomer, makeDeal, makeLead, makeTask, makeUser, stagesOf } from '../../helpers/factories.js';
import { setSetting } from '../../../src/features/settings/settings.queries.js';
import { zonedToUtc } from '../../../src/lib/time.js';
import ICAL from 'ical.js';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { openDatabase } from '../../../src/db/database.js';
import { runOverduePass, startOverdueJob } from '../../../src/features/tasks/tasks.overdue.js';
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

/* ---------- calendar (one file per area: tap starts a process per file) ---------- */
const feedUrl = (body: string) => new URL(/id="calendar-url"[^>]*value="([^"]+)"/.exec(body)![1]).pathname;
const fetchFeed = (app: App, path: string) => app.inject({ method: 'GET', url: path });

t.test('the calendar feed: valid iCalendar with exactly the user\'s open dated tasks; wrong, regenerated or turned-off secrets are 404', async (t) => {
  const { app } = await buildTestApp(t);
  const rep = await makeUser(app, { name: 'Rita Rep' });
  const other = await makeUser(app);
  await app.db.updateTable('users').set({ time_zone: 'Europe/Berlin' }).where('id', '=', rep.id).execute();
  const c = await loginAs(app, rep);
  const deal = await makeDeal(app, rep, { title: 'Acme, Inc; renewal' });
  // Added through the form as Rita: due dates are her wall clock in Berlin.
  const add = async (title: string, over: Record<string, string> = {}) => {
    await c.post(`/deals/${deal}/tasks`, { title, type: 'call', priority: 'normal', due_date: '', due_time: '', assigned_to: String(rep.id), description: '', ...over }, { headers: { 'hx-request': 'true', 'hx-target': 'tasks-panel' } });
    return (await app.db.selectFrom('tasks').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow()).id;
  };
  const atTime = await add('Call Acme; about seats, and price', { due_date: '2026-12-01', due_time: '10:30', priority: 'high' });
  await app.db.updateTable('tasks').set({ description: 'Line one\nLine two' }).where('id', '=', atTime).execute();
  const allDay = await add('Send the quote — a long title that goes on and on so the content line must fold past seventy-five octets ✓', { due_date: '2026-12-02', type: 'todo' });
  const inProgress = await makeTask(app, rep, { title: 'Draft proposal', due_date: '2026-12-03', due_time: '09:00' });
  await app.db.updateTable('tasks').set({ status: 'in_progress' }).where('id', '=', inProgress).execute();
  await makeTask(app, rep, { title: 'Undated' });
  const done = await makeTask(app, rep, { title: 'Done already', due_date: '2026-11-01' });
  await app.db.updateTable('tasks').set({ status: 'completed', completed_at: '2026-11-01T00:00:00.000Z' }).where('id', '=', done).execute();
  const cancelled = await makeTask(app, rep, { title: 'Cancelled', due_date: '2026-11-01' });
  await app.db.updateTable('tasks').set({ status: 'cancelled' }).where('id', '=', cancelled).execute();
  await makeTask(app, rep, { title: 'Otto\'s task', due_date: '2026-12-01', assigned_to: other.id });

  t.match((await c.get('/profile')).body, /Turn on the calendar feed/, 'off at first');
  const on = await c.post('/profile/calendar', { action: 'on' });
  t.equal(on.statusCode, 200);
  const path = feedUrl(on.body);
  t.match(path, /^\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);
  const stored = await app.db.selectFrom('users').select('calendar_token_hash').where('id', '=', rep.id).executeTakeFirstOrThrow();
  t.ok(stored.calendar_token_hash && !path.includes(stored.calendar_token_hash), 'only a hash is stored');
  t.notMatch((await c.get('/profile')).body, /id="calendar-url"/, 'the address is shown once');

  const res = await fetchFeed(app, path);
  t.equal(res.statusCode, 200, 'no session needed: calendar apps send none');
  t.match(res.headers['content-type'], /^text\/calendar/);
  t.ok(res.body.split('\r\n').every((line) => Buffer.byteLength(line) <= 75), 'lines fold at 75 octets');
  const cal = new ICAL.Component(ICAL.parse(res.body));
  t.equal(cal.name, 'vcalendar');
  t.equal(cal.getFirstPropertyValue('version'), '2.0');
  const events = cal.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
  t.same(events.map((e) => e.uid).sort(), [atTime, allDay, inProgress].map((id) => `task-${id}@localhost`).sort(), 'exactly the open dated tasks assigned to her');
  const byUid = (id: number) => events.find((e) => e.uid.startsWith(`task-${id}@`))!;
  const call = byUid(atTime);
  t.equal(call.summary, 'Call Acme; about seats, and price', 'text escaping round-trips');
  t.equal(call.startDate.toJSDate().toISOString(), '2026-12-01T09:30:00.000Z', '10:30 in Berlin');
  t.equal(call.duration.toSeconds(), 1800);
  t.match(call.description, /Call\nDeal: Acme, Inc; renewal\nLine one\nLine two\nhttp:\/\/localhost(:80)?\/tasks\/\d+/, 'what it is about and a link back');
  const quote = byUid(allDay);
  t.equal(quote.summary, 'Send the quote — a long title that goes on and on so the content line must fold past seventy-five octets ✓', 'folded lines unfold intact, multi-byte characters too');
  t.ok(quote.startDate.isDate, 'no time given: an all-day event');
  t.equal(quote.startDate.toString(), '2026-12-02', 'on her day');

  // A wrong secret, a malformed name, a new address, turning it off: 404 each time.
  t.equal((await fetchFeed(app, `/calendar/${'A'.repeat(43)}.ics`)).statusCode, 404);
  t.equal((await fetchFeed(app, '/calendar/nope.ics')).statusCode, 404);
  t.equal((await fetchFeed(app, `${path}x`)).statusCode, 404);
  const again = await c.post('/profile/calendar', { action: 'on' });
  const path2 = feedUrl(again.body);
  t.not(path2, path);
  t.equal((await fetchFeed(app, path)).statusCode, 404, 'the old address stops working');
  t.equal((await fetchFeed(app, path2)).statusCode, 200, 'the new one works');
  await app.db.updateTable('users').set({ is_active: 0 }).where('id', '=', rep.id).execute();
  t.equal((await fetchFeed(app, path2)).statusCode, 404, 'a deactivated user\'s feed is gone');
  await app.db.updateTable('users').set({ is_active: 1 }).where('id', '=', rep.id).execute();
  const c2 = await loginAs(app, rep);
  t.equal((await c2.post('/profile/calendar', { action: 'off' })).statusCode, 303);
  t.equal((await fetchFeed(app, path2)).statusCode, 404, 'turned off: 404');
  t.equal((await c2.post('/profile/calendar', { action: 'sideways' })).statusCode, 422);
  for (const junk of ['%00.ics', `${'a'.repeat(5000)}.ics`, '..%2F..%2Fetc%2Fpasswd', `${'A'.repeat(43)}.ICS`, '%E0%A4%A.ics']) {
    t.equal((await fetchFeed(app, `/calendar/${junk}`)).statusCode < 500, true, `${junk.slice(0, 20)}: no 500`);
  }
});

/* ---------- notifications (one file per area: tap starts a process per file) ---------- */
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

const passInAnotherProcess = (dbFile: string, now: string) =>
  new Promise<number>((resolve, reject) =>
    execFile(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../../helpers/overdue-pass.ts', import.meta.url)), dbFile, now], (err, out) => (err ? reject(err) : resolve(Number(out)))),
  );

t.test('the overdue job: one notification per task per overdue episode, across restarts and two processes; indexed', async (t) => {
  const { app, dbFile } = await buildTestApp(t);
  const rep = await makeUser(app, { name: 'Rita Rep' });
  const other = await makeUser(app);
  const deal = await makeDeal(app, rep);
  const past = await makeTask(app, rep, { title: 'Call back Acme', due_date: '2026-01-05', due_time: '09:00' }, { type: 'deal', id: deal });
  const unassigned = await makeTask(app, rep, { title: 'Nobody\'s', due_date: '2026-01-05', assigned_to: null });
  const done = await makeTask(app, rep, { title: 'Already done', due_date: '2026-01-05' });
  await app.db.updateTable('tasks').set({ status: 'completed', completed_at: '2026-01-04T00:00:00.000Z' }).where('id', '=', done).execute();
  await makeTask(app, rep, { title: 'Not yet', due_date: '2099-01-05' });
  await makeTask(app, rep, { title: 'No date' });
  const theirs = await makeTask(app, rep, { title: 'For Otto', due_date: '2026-01-06', assigned_to: other.id });

  const now = '2026-06-01T12:00:00.000Z';
  t.equal(await runOverduePass(app.db, now), 2, 'the two assigned, open, overdue tasks');
  const overdue = await app.db.selectFrom('notifications').selectAll().where('kind', '=', 'task_overdue').orderBy('id').execute();
  t.same(overdue.map((n) => [n.user_id, n.entity_type, n.entity_id, n.title, n.actor_id]), [[rep.id, 'task', past, 'Call back Acme', null], [other.id, 'task', theirs, 'For Otto', null]]);
  t.ok((await app.db.selectFrom('tasks').select('overdue_notified_at').where('id', '=', unassigned).executeTakeFirstOrThrow()).overdue_notified_at, 'an unassigned task is marked, no one to tell');
  t.equal(await runOverduePass(app.db, now), 0, 'the next minute: nothing new');

  // A restart: another connection to the same file, as a new process would open.
  const second = openDatabase(dbFile);
  t.teardown(() => second.db.destroy());
  t.equal(await runOverduePass(second.db, '2026-06-01T12:01:00.000Z'), 0, 'after a restart: no duplicate');

  // Two processes on one file, racing on a newly overdue task: exactly one tells.
  const race = await makeTask(app, rep, { title: 'Racing', due_date: '2026-05-30' });
  const results = await Promise.all([passInAnotherProcess(dbFile, now), passInAnotherProcess(dbFile, now)]);
  t.equal(results[0] + results[1], 1, `one notification between two processes (${results.join(' + ')})`);
  t.equal((await app.db.selectFrom('notifications').select(sql<number>`count(*)`.as('n')).where('entity_id', '=', race).where('kind', '=', 'task_overdue').executeTakeFirstOrThrow()).n, 1);

  // Moving the due time is a new episode; so is reopening.
  const c = await loginAs(app, rep);
  const row = await app.db.selectFrom('tasks').selectAll().where('id', '=', past).executeTakeFirstOrThrow();
  t.equal((await c.post(`/tasks/${past}`, { title: row.title, type: row.type, priority: row.priority, status: 'pending', due_date: '2026-05-20', due_time: '', assigned_to: rep.id, version: row.version })).statusCode, 303);
  t.equal(await runOverduePass(app.db, now), 1, 'rescheduled and overdue again: told again');
  t.equal(await runOverduePass(app.db, now), 0);
  await c.post(`/tasks/${past}/complete`);
  t.equal(await runOverduePass(app.db, now), 0, 'done: not overdue');
  await c.post(`/tasks/${past}/reopen`);
  t.equal(await runOverduePass(app.db, now), 1, 'reopened while past due: a new episode');
  t.match((await c.get('/notifications')).body, /Your task <strong>Call back Acme<\/strong> is past due/, 'listed for the assignee, as overdue');

  // The pass reads the partial index of open, untold tasks, not the table.
  const plan = (await sql<{ detail: string }>`explain query plan select id from tasks where status in ('pending', 'in_progress') and overdue_notified_at is null and due_at < ${now} order by due_at limit 500`.execute(app.db)).rows.map((r) => r.detail).join(' | ');
  t.match(plan, /USING INDEX tasks_overdue_watch/, plan);
  t.notMatch(plan, /SCAN tasks(?! USING)/, 'no table scan');

  // The job runs in the process and stops cleanly: a pass in flight finishes first.
  const late = await makeTask(app, rep, { title: 'Due a second ago', due_date: '2026-01-01' });
  let told = 0;
  const job = startOverdueJob(app, { intervalMs: 20, onTold: (n) => (told += n) });
  for (let i = 0; i < 100 && !told; i++) await new Promise((r) => setTimeout(r, 30));
  await job.stop();
  t.equal(told, 1, 'the job told the assignee of the task that went overdue');
  t.ok((await app.db.selectFrom('tasks').select('overdue_notified_at').where('id', '=', late).executeTakeFirstOrThrow()).overdue_notified_at);
});

/** Reads a server-sent event stream over real HTTP. */
function openStream(port: number, cookie: string) {
  const events: string[] = [];
  let ended = false;
  let waiters: (() => void)[] = [];
  const wake = () => { for (const w of waiters) w(); waiters = []; };
  return new Promise<{ status: number; type: string; events: string[]; next: (n: number) => Promise<void>; ended: () => Promise<void>; isEnded: () => boolean; close: () => void }>((resolve, reject) => {
    const req = http.get({ port, path: '/events', headers: { cookie } }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          events.push(buf.slice(0, i));
          buf = buf.slice(i + 2);
        }
        wake();
      });
      res.on('end', () => { ended = true; wake(); });
      const until = (ok: () => boolean) => new Promise<void>((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`timed out; events: ${JSON.stringify(events)}`)), 8_000);
        const check = () => (ok() ? (clearTimeout(timer), done()) : waiters.push(check));
        check();
      });
      resolve({
        status: res.statusCode ?? 0,
        type: String(res.headers['content-type']),
        events,
        next: (n) => until(() => events.length >= n),
        ended: () => until(() => ended),
        isEnded: () => ended,
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

t.test('the live bell: /events streams the unread count as it changes, checks the session, closes on logout and on shutdown', async (t) => {
  const { app } = await buildTestApp(t);
  const manager = await makeUser(app, { role: 'manager' });
  const rep = await makeUser(app, { name: 'Rita Rep' });
  const deal = await makeDeal(app, manager, { title: 'Streamed deal', assigned_to: manager.id });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const r = await loginAs(app, rep);
  const cookie = [...r.cookies].map(([k, v]) => `${k}=${v}`).join('; ');

  const anonymous = await openStream(port, '');
  t.not(anonymous.status, 200, 'no session, no stream');
  anonymous.close();

  const tab = await openStream(port, cookie);
  t.equal(tab.status, 200);
  t.match(tab.type, /^text\/event-stream/);
  await tab.next(1);
  t.match(tab.events[0], /event: unread\ndata: 0$/, 'starts with the count');

  // The manager hands Rita the deal: her stream hears of it without a reload.
  const m = await loginAs(app, manager);
  const form = await m.get(`/deals/${deal}/edit`);
  const version = /name="version" value="(\d+)"/.exec(form.body)![1];
  const stage = (await stagesOf(app)).by('Lead');
  const saved = await m.post(`/deals/${deal}`, { title: 'Streamed deal', pipeline_id: stage.pipeline_id, stage_id: stage.id, value: '100', assigned_to: rep.id, version });
  t.equal(saved.statusCode, 303);
  await tab.next(2);
  t.match(tab.events[1], /event: unread\ndata: 1$/, 'the count rose');

  // Another process's write (here: straight into the file) arrives by the poll.
  await app.db.insertInto('notifications').values({ user_id: rep.id, kind: 'assigned', entity_type: 'deal', entity_id: deal, title: 'Written elsewhere', actor_id: manager.id, read_at: null, created_at: new Date().toISOString() }).execute();
  await app.events.tick();
  await tab.next(3);
  t.match(tab.events[2], /data: 2$/);
  await r.post('/notifications/read-all');
  await tab.next(4);
  t.match(tab.events[3], /data: 0$/, 'mark all read: back to none');

  // The heartbeat keeps it open while the session lives.
  await app.events.beat();
  await tab.next(5);
  t.equal(tab.events[4], ': ping');
  const mTab = await openStream(port, [...m.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
  await mTab.next(1);
  t.equal(app.events.size, 2);

  // Signing out ends this session's streams, not the manager's.
  await r.post('/logout');
  await tab.ended();
  t.ok(tab.isEnded(), 'logout closed the stream');
  t.equal(app.events.size, 1);
  // A session ended elsewhere (another process, a deactivation) is found at the heartbeat.
  await app.db.updateTable('users').set({ is_active: 0 }).where('id', '=', manager.id).execute();
  await app.events.beat();
  await mTab.ended();
  t.equal(app.events.size, 0, 'the heartbeat closed the stream of a deactivated user');

  // Shutdown: open streams are ended first, so closing does not wait on them.
  await app.db.updateTable('users').set({ is_active: 1 }).where('id', '=', manager.id).execute();
  const m2 = await loginAs(app, manager);
  const last = await openStream(port, [...m2.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
  await last.next(1);
  const started = Date.now();
  await app.close();
  await last.ended();
  t.ok(Date.now() - started < 3_000, 'the app closed promptly with a stream open');
});
