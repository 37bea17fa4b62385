import t from 'tap';
import ICAL from 'ical.js';
import { buildTestApp, loginAs } from '../../helpers/app.js';
import { makeDeal, makeTask, makeUser } from '../../helpers/factories.js';

type App = Awaited<ReturnType<typeof buildTestApp>>['app'];
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
