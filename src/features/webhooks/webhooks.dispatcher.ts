import { sql } from 'kysely';
import type { Config } from '../../config.js';
import type { DB } from '../../db/database.js';
import { nowIso } from '../../lib/time.js';
import { sign } from './webhooks.outbox.js';
import { postJson } from './webhooks.net.js';

/**
 * Seconds before each retry (about a day in all: 5 s … 8 h), then the delivery is marked failed.
 * Each delay is spread by ±20 % so a receiver that comes back is not hit by every retry at once.
 */
export const RETRY_DELAYS_S = [5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 28800];
export const MAX_ATTEMPTS = RETRY_DELAYS_S.length + 1;

interface Due {
  id: number;
  attempts: number;
  url: string;
  secret: string;
  msg_id: string;
  payload: string;
}

interface Outcome {
  id: number;
  attempts: number;
  ok: boolean;
  code: number | null;
  body: string | null;
  error: string | null;
  at: string;
}

/**
 * The delivery worker (SPEC §12): in the server process, it sends due deliveries — up to
 * `concurrency` at a time over keep-alive connections — signed per Standard Webhooks
 * (webhook-id, webhook-timestamp, webhook-signature), and writes the outcomes back in one
 * transaction per round: delivered on a 2xx, otherwise the next attempt after a backoff, or failed
 * after the last. A delivery is in flight in one process only (this one, in memory) until its
 * outcome is written; deliveries left pending by a stop or a crash are sent after the next start,
 * with the same webhook-id (receivers drop repeats by it).
 */
/** Deliveries to active webhooks that are pending and due (in flight ones are still pending). */
export async function dueCount(db: DB): Promise<number> {
  const due = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
    .select(sql<number>`count(*)`.as('n'))
    .where('d.status', '=', 'pending')
    .where('d.next_attempt_at', '<=', nowIso())
    .where('w.is_active', '=', 1)
    .executeTakeFirstOrThrow();
  return Number(due.n);
}

/** What the dispatcher needs: a connection, the webhook settings, somewhere to log. */
export interface DispatcherDeps {
  db: DB;
  config: Pick<Config, 'webhookTimeoutMs' | 'webhookAllowPrivate' | 'webhookRetryScale'>;
  log: { error: (obj: object, msg: string) => void };
}

export class WebhookDispatcher {
  private inFlight = new Set<number>();
  private outcomes: Outcome[] = [];
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private stopped = true;
  private sending = new Set<Promise<void>>();

  constructor(
    private readonly app: DispatcherDeps,
    private readonly opts = { concurrency: 32, idleMs: 200, busyMs: 10 },
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  /** One round: write the outcomes in, then start sends for the due deliveries there is room for. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    let started = 0;
    try {
      await this.flush();
      const room = this.opts.concurrency - this.inFlight.size;
      if (room > 0 && !this.stopped) {
        const due = await this.app.db
          .selectFrom('webhook_deliveries as d')
          .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
          .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
          .select(['d.id', 'd.attempts', 'w.url', 'w.secret', 'e.msg_id', 'e.payload'])
          .where('d.status', '=', 'pending')
          .where('d.next_attempt_at', '<=', nowIso())
          .where('w.is_active', '=', 1)
          .orderBy('d.next_attempt_at')
          .orderBy('d.id')
          .limit(room + this.inFlight.size)
          .execute();
        for (const d of due) {
          if (this.inFlight.has(d.id) || this.inFlight.size >= this.opts.concurrency) continue;
          this.send(d);
          started++;
        }
      }
    } catch (e) {
      this.app.log.error({ err: e }, 'webhook round failed');
    } finally {
      this.ticking = false;
      this.schedule(started || this.inFlight.size || this.outcomes.length ? this.opts.busyMs : this.opts.idleMs);
    }
  }

  private send(d: Due): void {
    this.inFlight.add(d.id);
    const ts = Math.floor(Date.now() / 1000);
    const headers = { 'webhook-id': d.msg_id, 'webhook-timestamp': String(ts), 'webhook-signature': sign(d.secret, d.msg_id, ts, d.payload) };
    const done = (o: Omit<Outcome, 'id' | 'attempts' | 'at'>) => {
      this.outcomes.push({ id: d.id, attempts: d.attempts + 1, at: nowIso(), ...o });
      // The next round writes it in soon; until then the id stays in flight (not sent twice).
      this.schedule(0);
    };
    const p = postJson(d.url, d.payload, headers, { timeoutMs: this.app.config.webhookTimeoutMs, allowPrivate: this.app.config.webhookAllowPrivate })
      .then((r) => done({ ok: r.status >= 200 && r.status < 300, code: r.status, body: r.body || null, error: r.status >= 200 && r.status < 300 ? null : `HTTP ${r.status}` }))
      .catch((e: unknown) => done({ ok: false, code: null, body: null, error: e instanceof Error ? e.message.slice(0, 300) : String(e) }))
      .finally(() => this.sending.delete(p));
    this.sending.add(p);
  }

  /** When the next attempt after `attempts` failed ones is due, or null when that was the last. */
  nextAttemptAt(attempts: number, from = Date.now()): string | null {
    if (attempts >= MAX_ATTEMPTS) return null;
    const base = RETRY_DELAYS_S[attempts - 1] * 1000 * this.app.config.webhookRetryScale;
    const jitter = 1 + (Math.random() * 0.4 - 0.2);
    return new Date(from + Math.round(base * jitter)).toISOString();
  }

  private async flush(): Promise<void> {
    if (!this.outcomes.length) return;
    const batch = this.outcomes.splice(0);
    await this.app.db.transaction().execute(async (trx) => {
      for (const o of batch) {
        const next = o.ok ? null : this.nextAttemptAt(o.attempts);
        await trx
          .updateTable('webhook_deliveries')
          .set({
            attempts: o.attempts,
            last_attempt_at: o.at,
            response_code: o.code,
            response_body: o.body,
            error: o.error,
            status: o.ok ? 'delivered' : next ? 'pending' : 'failed',
            delivered_at: o.ok ? o.at : null,
            next_attempt_at: next ?? o.at,
          })
          .where('id', '=', o.id)
          .execute();
      }
    });
    for (const o of batch) this.inFlight.delete(o.id);
  }

  /** Until nothing due is pending or in flight (tests, the bench), or the time is up. */
  async drain(timeoutMs = 10_000): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      await this.tick();
      if ((await dueCount(this.app.db)) === 0 && this.inFlight.size === 0 && this.outcomes.length === 0) return true;
      await new Promise((r) => setTimeout(r, 10));
    }
    return false;
  }

  /** Stop starting sends; wait for those in flight (bounded by their timeout) and write their outcomes. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.sending]);
    while (this.ticking) await new Promise((r) => setTimeout(r, 5));
    await this.flush().catch(() => {});
  }
}
