import type { Worker } from 'node:worker_threads';
import type { FastifyInstance } from 'fastify';
import { startWorker } from '../../lib/workers.js';
import { dueCount, WebhookDispatcher } from './webhooks.dispatcher.js';

/**
 * Runs the delivery worker (webhooks.dispatcher) in a thread of its own, started when there is an
 * active webhook (at start, or when one is saved) — an Orchard without webhooks runs no thread.
 * An in-memory database (no file to share) dispatches on the event loop instead. A thread that
 * ends unexpectedly is started again a second later; what it had in flight is still pending in
 * the file and is sent again with the same webhook-id.
 */
export class WebhookRunner {
  private worker: Worker | null = null;
  private local: WebhookDispatcher | null = null;
  private closing = false;

  constructor(private readonly app: FastifyInstance) {}

  private get inMemory(): boolean {
    return this.app.config.dbPath === ':memory:';
  }

  /** At start: a worker if any webhook is active. */
  async start(): Promise<void> {
    if (await this.anyActive()) this.ensure();
  }

  /** A webhook was saved or a delivery queued by hand: make sure something sends. */
  wake(): void {
    this.ensure();
  }

  private async anyActive(): Promise<boolean> {
    return Boolean(await this.app.db.selectFrom('webhooks').select('id').where('is_active', '=', 1).executeTakeFirst());
  }

  private ensure(): void {
    if (this.closing) return;
    if (this.inMemory) {
      this.local ??= new WebhookDispatcher({ db: this.app.db, config: this.app.config, log: this.app.log });
      this.local.start();
      return;
    }
    if (this.worker) return;
    const { webhookTimeoutMs, webhookAllowPrivate, webhookRetryScale } = this.app.config;
    // Sends are I/O; the thread needs little memory of its own.
    const worker = startWorker(import.meta.url, 'webhooks.worker', { dbPath: this.app.config.dbPath, config: { webhookTimeoutMs, webhookAllowPrivate, webhookRetryScale } }, { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 48 });
    worker.on('message', (m: { log?: string; err?: string }) => m.log && this.app.log.error({ err: m.err }, m.log));
    worker.on('error', (e) => this.app.log.error({ err: e }, 'webhook worker failed'));
    worker.on('exit', () => {
      this.worker = null;
      if (!this.closing) setTimeout(() => this.ensure(), 1000).unref();
    });
    this.worker = worker;
  }

  /** Until no due delivery to an active webhook is pending (tests, the bench), or the time is up. */
  async drain(timeoutMs = 10_000): Promise<boolean> {
    if (this.local) return this.local.drain(timeoutMs);
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if ((await dueCount(this.app.db)) === 0) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  }

  /** Stop sending: the thread finishes what is in flight and writes it down, then ends. */
  async stop(): Promise<void> {
    this.closing = true;
    await this.local?.stop();
    const worker = this.worker;
    if (worker) {
      const ended = new Promise((r) => worker.once('exit', r));
      worker.postMessage('stop');
      await ended;
    }
  }
}
