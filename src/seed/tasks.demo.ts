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
  return `Tasks: ${n} tasks across records and reps.`;
}
