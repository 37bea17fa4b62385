import { Worker, type ResourceLimits } from 'node:worker_threads';

/**
 * A worker thread running the module `name` beside `here` (the caller's import.meta.url). From
 * TypeScript sources (tests, bench) the thread registers tsx first: a worker does not inherit
 * the main thread's loader hooks.
 */
export function startWorker(here: string, name: string, workerData: unknown, resourceLimits?: ResourceLimits): Worker {
  if (!here.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, here), { workerData, resourceLimits });
  const script = new URL(`./${name}.ts`, here).href;
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(script)}); })`, { eval: true, workerData, resourceLimits });
}

/** Runs a one-shot worker to its end: its one message, or its error. */
export function runWorker<T>(here: string, name: string, workerData: unknown): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const worker = startWorker(here, name, workerData);
    let result: { ok?: T; error?: string } | null = null;
    worker.on('message', (m: { ok?: T; error?: string }) => (result = m));
    worker.on('error', reject);
    worker.on('exit', () => {
      if (result && result.error === undefined) resolve(result.ok as T);
      else reject(new Error(result?.error ?? 'the worker ended without an answer'));
    });
  });
}
