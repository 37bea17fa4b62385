import { parentPort, workerData } from 'node:worker_threads';
import { backupTo } from './backup.js';

/** A backup off the event loop: VACUUM INTO and the integrity check take seconds on a big file. */
const { source, target } = workerData as { source: string; target: string };
try {
  await backupTo(source, target);
  parentPort!.postMessage({ ok: true });
} catch (e) {
  parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e) });
}
process.exit(0);
