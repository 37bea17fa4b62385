import type { ServerResponse } from 'node:http';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { nowIso } from '../../lib/time.js';

interface Stream {
  userId: number;
  sessionId: string;
  res: ServerResponse;
  /** The unread count this tab was last sent. */
  sent: number;
}

/**
 * The live bell (SPEC §8): one Server-Sent Events stream per signed-in tab (`GET /events`).
 * The hub sends a tab its unread count when it changes. It learns of changes two ways: a poke
 * right after a write in this process (a request that may have notified someone, the overdue
 * job), and a poll every few seconds while any stream is open — which also sees what another
 * process on the same file wrote. Either way it is one grouped, indexed count for all the
 * users connected, never a query per tab. A heartbeat keeps proxies from closing idle streams
 * and re-checks the sessions: a stream whose session ended (logout anywhere, expiry, a
 * deactivated user) is closed.
 */
export class EventHub {
  private streams = new Set<Stream>();
  private poll: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private poked: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private closed = false;

  constructor(
    private db: Kysely<Database>,
    private opts: { pollMs?: number; heartbeatMs?: number; onError?: (err: unknown) => void } = {},
  ) {}

  get size(): number {
    return this.streams.size;
  }

  /** Takes over a response as an event stream, starting with the count the page was just given. */
  open(res: ServerResponse, who: { userId: number; sessionId: string }, unread: number): void {
    if (this.closed) {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // Proxies that buffer (nginx) would hold the events back.
      'x-accel-buffering': 'no',
    });
    const stream: Stream = { ...who, res, sent: unread };
    res.write(`retry: 5000\nevent: unread\ndata: ${unread}\n\n`);
    this.streams.add(stream);
    res.on('close', () => this.streams.delete(stream));
    this.startTimers();
  }

  /** Something may have changed: count again soon (many writes in a burst make one count). */
  poke(): void {
    if (!this.streams.size || this.poked || this.closed) return;
    this.poked = setTimeout(() => {
      this.poked = null;
      void this.tick();
    }, 50);
    this.poked.unref();
  }

  /** Sends each tab whose count changed its new count: one query for every connected user. */
  tick(): Promise<void> {
    if (this.ticking) return this.ticking.then(() => this.tick());
    this.ticking = (async () => {
      try {
        if (!this.streams.size) return;
        const users = [...new Set([...this.streams].map((s) => s.userId))];
        const rows = await this.db
          .selectFrom('notifications')
          .select(['user_id', sql<number>`count(*)`.as('n')])
          .where('read_at', 'is', null)
          .where('user_id', 'in', users)
          .groupBy('user_id')
          .execute();
        const counts = new Map(rows.map((r) => [r.user_id, Number(r.n)]));
        for (const s of this.streams) {
          const n = counts.get(s.userId) ?? 0;
          if (n !== s.sent) {
            s.sent = n;
            s.res.write(`event: unread\ndata: ${n}\n\n`);
          }
        }
      } catch (err) {
        this.opts.onError?.(err);
      } finally {
        this.ticking = null;
      }
    })();
    return this.ticking;
  }

  /** Ends the streams of one session (its user signed out here). */
  closeSession(sessionId: string): void {
    for (const s of this.streams) if (s.sessionId === sessionId) this.end(s);
  }

  /** Ends every stream (the server is shutting down) and stops the timers. */
  closeAll(): void {
    this.closed = true;
    for (const s of this.streams) this.end(s);
    this.stopTimers();
  }

  /** Heartbeat: a comment line on every stream, and streams whose session ended are closed. */
  async beat(): Promise<void> {
    if (!this.streams.size) return;
    try {
      const ids = [...new Set([...this.streams].map((s) => s.sessionId))];
      const live = await this.db
        .selectFrom('sessions as s')
        .innerJoin('users as u', 'u.id', 's.user_id')
        .select('s.id')
        .where('s.id', 'in', ids)
        .where('u.is_active', '=', 1)
        .where('s.expires_at', '>', nowIso())
        .execute();
      const alive = new Set(live.map((r) => r.id));
      for (const s of this.streams) {
        if (alive.has(s.sessionId)) s.res.write(': ping\n\n');
        else this.end(s);
      }
    } catch (err) {
      this.opts.onError?.(err);
    }
  }

  private end(s: Stream): void {
    this.streams.delete(s);
    s.res.end();
  }

  private startTimers(): void {
    if (this.poll) return;
    this.poll = setInterval(() => {
      if (!this.streams.size) return this.stopTimers();
      void this.tick();
    }, this.opts.pollMs ?? 3_000);
    this.heartbeat = setInterval(() => void this.beat(), this.opts.heartbeatMs ?? 25_000);
    this.poll.unref();
    this.heartbeat.unref();
  }

  private stopTimers(): void {
    if (this.poll) clearInterval(this.poll);
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.poked) clearTimeout(this.poked);
    this.poll = this.heartbeat = this.poked = null;
  }
}
