import { sql } from 'kysely';
import type { Scope } from '../lib/access.js';
import { getSettings } from '../features/settings/settings.queries.js';
import { createTask, setTaskDone } from '../features/tasks/tasks.service.js';
import { findTask, type TaskEntity } from '../features/tasks/tasks.queries.js';
import { nextDay, todayIso } from '../lib/time.js';
import type { Trx } from '../lib/writes.js';
import type { DemoContext } from './demo.js';

const WHAT: [string, 'todo' | 'call' | 'meeting' | 'email'][] = [
  ['Call to confirm the budget', 'call'], ['Send the revised proposal', 'email'], ['Demo for the ops team', 'meeting'], ['Prepare pricing options', 'todo'],
  ['Follow up on the trial', 'call'], ['Share case studies', 'email'], ['Contract review with legal', 'meeting'], ['Update the stakeholder map', 'todo'],
];

/** ~150 tasks across records and reps: overdue, due today, upcoming and done this week. */
export async function seedTasks(ctx: DemoContext): Promise<string> {
  return ctx.db.transaction().execute((trx) => seedTasksIn(trx, ctx));
}

async function seedTasksIn(db: Trx, ctx: DemoContext): Promise<string> {
  const existing = await db.selectFrom('tasks').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
  if (Number(existing.n) > 0) return 'Tasks: already seeded.';
  const settings = await getSettings(db);
  const started = new Date().toISOString();
  const parents: { type: TaskEntity; id: number; owner: number | null }[] = [];
  for (const [type, table] of [['deal', 'deals'], ['lead', 'leads'], ['company', 'companies'], ['contact', 'contacts'], ['customer', 'customers']] as const) {
    const rows = await db.selectFrom(table).select(['id', 'assigned_to']).orderBy('id').limit(type === 'deal' ? 40 : 15).execute();
    for (const r of rows) parents.push({ type, id: r.id, owner: r.assigned_to });
  }
  const today = todayIso('UTC');
  let n = 0;
  for (let i = 0; i < 150; i++) {
    const parent = i % 12 === 11 ? null : parents[(i * 7) % parents.length];
    const rep = parent?.owner ?? ctx.repIds[i % ctx.repIds.length];
    const viewer = { id: rep, name: 'Demo', email: '', role: 'rep' as const, timeZone: 'UTC', sessionId: '' };
    const scope: Scope = { viewer, ownOnly: false, settings };
    const [title, type] = WHAT[i % WHAT.length];
    const kind = i % 5; // 0 overdue, 1 today, 2–3 upcoming, 4 done
    const offset = kind === 0 ? -1 - (i % 9) : kind === 1 ? 0 : kind === 4 ? -(i % 6) : 1 + (i % 20);
    const due = i % 13 === 12 ? null : nextDay(today, offset);
    const id = await createTask(db, scope, parent ? { type: parent.type, id: parent.id } : null, {
      title, type, priority: i % 6 === 0 ? 'high' : i % 6 === 5 ? 'low' : 'normal', description: null,
      due_date: due, due_time: kind === 1 ? '23:30' : i % 3 === 0 ? null : `${String(9 + (i % 8)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`, assigned_to: rep,
    }, {});
    if (kind === 4) await setTaskDone(db, scope, (await findTask(db, id))!, true);
    n++;
  }
  // Planned over the last week, not all "just now": the tasks and the entries they wrote are backdated.
  const back = sql`strftime('%Y-%m-%dT%H:%M:%fZ', created_at, '-' || (2 + id % 5) || ' days', '-' || (id % 7) || ' hours')`;
  await db.updateTable('tasks').set({ created_at: back as never, updated_at: back as never }).execute();
  await db.updateTable('audit_entries').set({ created_at: back as never }).where('created_at', '>=', started).where((eb) => eb.or([eb('entity_type', '=', 'task'), eb('action', 'in', ['task_added', 'task_completed'])])).execute();
  const told = await seedNotifications(db, ctx);
  return `Tasks: ${n} tasks across records and reps; ${told} notifications.`;
}

/**
 * A few notifications per demo user, as a team that has been working would have: a deal and a
 * task handed over by a colleague, a task gone overdue (unread), and two older ones already read.
 * Tasks overdue now count as told, so the overdue job's first pass does not bury the bell.
 */
async function seedNotifications(db: Trx, ctx: DemoContext): Promise<number> {
  const now = Date.now();
  const ago = (hours: number) => new Date(now - hours * 3_600_000).toISOString();
  await db.updateTable('tasks').set({ overdue_notified_at: ago(1) }).where('status', 'in', ['pending', 'in_progress']).where('due_at', '<', new Date(now).toISOString()).execute();
  // Seeding the demo assigned hundreds of records "just now": that is not news to anyone.
  await db.deleteFrom('notifications').execute();
  const ids = Object.values(ctx.userIds);
  let n = 0;
  for (const [i, userId] of ids.entries()) {
    const actor = ids[(i + 1) % ids.length];
    // The admin and the manager plan their day too: a few of the reps' tasks are theirs.
    const own = await db.selectFrom('tasks').select(sql<number>`count(*)`.as('n')).where('assigned_to', '=', userId).executeTakeFirstOrThrow();
    if (!Number(own.n)) {
      const handed = await db.selectFrom('tasks').select('id').where('status', '!=', 'completed').orderBy('id').offset(i * 4).limit(4).execute();
      if (handed.length) await db.updateTable('tasks').set({ assigned_to: userId }).where('id', 'in', handed.map((h) => h.id)).execute();
    }
    const deals = await db.selectFrom('deals').select(['id', 'title']).where('assigned_to', '=', userId).orderBy('id', 'desc').limit(3).execute();
    const tasks = await db.selectFrom('tasks').select(['id', 'title', 'due_at', 'status']).where('assigned_to', '=', userId).orderBy('id').execute();
    const overdue = tasks.find((x) => x.status !== 'completed' && x.due_at && x.due_at < new Date(now).toISOString());
    const open = tasks.find((x) => x.status === 'pending' && x !== overdue);
    const rows = [
      deals[0] && { kind: 'assigned' as const, entity_type: 'deal', entity_id: deals[0].id, title: deals[0].title, actor_id: actor, read_at: null, created_at: ago(3 + i) },
      open && { kind: 'assigned' as const, entity_type: 'task', entity_id: open.id, title: open.title, actor_id: actor, read_at: null, created_at: ago(20 + i) },
      overdue && { kind: 'task_overdue' as const, entity_type: 'task', entity_id: overdue.id, title: overdue.title, actor_id: null, read_at: null, created_at: ago(30 + i) },
      deals[1] && { kind: 'assigned' as const, entity_type: 'deal', entity_id: deals[1].id, title: deals[1].title, actor_id: actor, read_at: ago(40), created_at: ago(50 + i) },
      deals[2] && { kind: 'assigned' as const, entity_type: 'deal', entity_id: deals[2].id, title: deals[2].title, actor_id: actor, read_at: ago(70), created_at: ago(80 + i) },
    ].filter((r) => Boolean(r)) as { kind: 'assigned' | 'task_overdue'; entity_type: string; entity_id: number; title: string; actor_id: number | null; read_at: string | null; created_at: string }[];
    if (!rows.length) continue;
    // Oldest first, so the newest has the highest id, as they arrive.
    rows.sort((a, b) => a.created_at.localeCompare(b.created_at));
    await db.insertInto('notifications').values(rows.map((r) => ({ ...r, user_id: userId }))).execute();
    n += rows.length;
  }
  return n;
}
