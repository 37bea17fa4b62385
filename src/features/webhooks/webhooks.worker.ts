import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../../config.js';
import { openDatabase } from '../../db/database.js';
import { WebhookDispatcher } from './webhooks.dispatcher.js';

/**
 * The delivery worker's thread (see WebhookRunner): its own connection and event loop, so
 * signing, sending and writing outcomes back take no time from the thread that answers pages.
 * "stop" (the app closing) waits for the sends in flight and writes their outcomes first.
 */
const { dbPath, config } = workerData as { dbPath: string; config: Pick<Config, 'webhookTimeoutMs' | 'webhookAllowPrivate' | 'webhookRetryScale'> };
const { db } = openDatabase(dbPath);
const dispatcher = new WebhookDispatcher({ db, config, log: { error: (obj, msg) => parentPort!.postMessage({ log: msg, err: String((obj as { err?: unknown }).err) }) } });
dispatcher.start();

parentPort!.on('message', (m: unknown) => {
  if (m !== 'stop') return;
  void dispatcher
    .stop()
    .then(() => db.destroy())
    // The thread ends here (in tests, a loader's message port would keep it alive).
    .finally(() => process.exit(0));
});
