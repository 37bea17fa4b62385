import { sql, type Kysely } from 'kysely';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/schema.js';
import { sqlLimit } from '../../db/database.js';

/** How many newly overdue tasks one transaction takes; the pass loops until none are left. */
const BATCH = 500;

/**
 * One pass of the overdue job (SPEC §8): each open, assigned task whose due time has passed and
 * whose assignee has not been told gets one `task_overdue` notification. Marking the task and
 * writing the notification happen in one transaction that starts by writing, so SQLite's write
 * lock serialises two processes on one file: the second finds the tasks already marked. A
 * restart finds them marked too. The partial index `tasks_overdue_watch` holds only open,
 * untold tasks, so the pass reads the few that just went overdue.
 */
export async function runOverduePass(db: Kysely<Database>, now = new Date().toISOString()): Promise<number> {
  let told = 0;
  for (;;) {
    const marked = await db.transaction().execute(async (trx) => {
      const rows = await sql<{ id: number; assigned_to: number | null; title: string }>`
        update tasks set overdue_notified_at = ${now}
        where id in (
          select id from tasks
          where status in ('pending', 'in_progress') and overdue_notified_at is null and due_at < ${now}
          order by due_at limit ${sqlLimit(BATCH)}
        )
        returning id, assigned_to, title`.execute(trx);
      const notes = rows.rows.filter((r) => r.assigned_to !== null);
      if (notes.length) {
        await trx
          .insertInto('notifications')
          .values(notes.map((r) => ({ user_id: r.assigned_to!, kind: 'task_overdue' as const, entity_type: 'task', entity_id: r.id, title: r.title, actor_id: null, read_at: null, created_at: now })))
          .execute();
      }
      told += notes.length;
      return rows.rows.length;
    });
    if (marked < BATCH) return told;
  }
}

/**
 * Runs the pass every minute in this process. A pass that fails is logged and tried again next
 * minute; closing the app (SIGTERM) stops the timer and waits for a pass in flight.
 */
export function startOverdueJob(app: FastifyInstance, opts: { intervalMs?: number; onTold?: (n: number) => void } = {}): { stop: () => Promise<void> } {
  let running: Promise<void> | null = null;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    const started = performance.now();
    running = runOverduePass(app.db)
      .then((n) => {
        if (n) {
          app.log.info({ told: n, ms: Math.round(performance.now() - started) }, 'overdue tasks notified');
          opts.onTold?.(n);
        }
      })
      .catch((err) => app.log.error({ err }, 'overdue job pass failed'))
      .finally(() => {
        running = null;
      });
  };
  const first = setTimeout(tick, 1_000);
  const timer = setInterval(tick, opts.intervalMs ?? 60_000);
  first.unref();
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
