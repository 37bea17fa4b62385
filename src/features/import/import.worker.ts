import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../../db/database.js';
import { runBatch, WORKER_BATCH_BUDGET_MS, WORKER_BATCH_SIZE } from './import.job.js';

/**
 * Imports' batches on a connection of this thread's own (see ImportRunner): one import at a time,
 * in the order they were started, each batch one transaction as before. Between batches the
 * thread looks for a "stop" (the app closing): it ends after the batch in flight.
 */
const { dbPath } = workerData as { dbPath: string };
const { db, sqlite } = openDatabase(dbPath);
const queue: number[] = [];
let stopping = false;
let busy = false;

async function finish(): Promise<never> {
  await db.destroy();
  // The thread ends here (in tests, a loader's message port would keep it alive).
  process.exit(0);
}

async function drain(): Promise<void> {
  if (busy) return;
  busy = true;
  while (queue.length && !stopping) {
    const importId = queue.shift()!;
    let error: string | undefined;
    try {
      for (;;) {
        const r = await runBatch({ db, sqlite }, importId, WORKER_BATCH_SIZE, WORKER_BATCH_BUDGET_MS);
        if (r !== 'more' || stopping) break;
        // Let a "stop" in.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (e) {
      error = e instanceof Error ? `${e.message}\n${e.stack}` : String(e);
    }
    parentPort!.postMessage({ done: importId, error });
  }
  busy = false;
  if (stopping) await finish();
}

parentPort!.on('message', (m: { run?: number } | 'stop') => {
  if (m === 'stop') {
    stopping = true;
    if (!busy) void finish();
    return;
  }
  if (typeof m.run === 'number') {
    queue.push(m.run);
    void drain();
  }
});
