import t from 'tap';
import { buildTestApp, loginAs } from '../../helpers/app.js';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { makeDeal, makeTask, makeUser, stagesOf } from '../../helpers/factories.js';
import { openDatabase } from '../../../src/db/database.js';
import { runOverduePass, startOverdueJob } from '../../../src/features/tasks/tasks.overdue.js';

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
