import fs from 'node:fs';
import { ConfigError, loadConfig, type Config } from './config.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { serverLockFile } from './db/backup.js';
import { buildApp } from './app.js';
import type { FastifyInstance } from 'fastify';

/** Load config, migrate, build, listen; on SIGTERM finish requests in flight, then close the DB. */
export async function serve(config: Config, opts: { migrationsFolder?: string } = {}): Promise<void> {
  const { db, sqlite } = openDatabase(config.dbPath);
  try {
    const result = await migrateToLatest(db, sqlite, { folder: opts.migrationsFolder });
    if (result.backupFile) console.log(`Backed up the database to ${result.backupFile} before migrating.`);
    if (result.applied.length) console.log(`Applied migrations: ${result.applied.join(', ')}`);
  } catch (err) {
    await db.destroy();
    throw err;
  }

  const app = await buildApp({ config, db, sqlite, jobs: true });
  compactWhenIdle(app);
  const lock = serverLockFile(config.dbPath);
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing requests in flight');
    await app.close();
    await db.destroy();
    fs.rmSync(lock, { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
  if (config.dbPath !== ':memory:') fs.writeFileSync(lock, String(process.pid));
  const base = config.baseUrl ?? `http://localhost:${config.port}`;
  if (app.setupToken) {
    console.log(`\n  No users yet. Create the first admin at:\n\n    ${base.replace(/\/$/, '')}/setup?token=${app.setupToken}\n`);
  }
  console.log(`Orchard is running at ${base} (database ${config.dbPath})`);
}

/**
 * After a burst of requests V8 keeps its garbage until the heap next fills, so the process
 * holds its peak memory while idle. Started with --expose-gc (`npm start`, the Dockerfile), a
 * full collection runs once the server has been quiet for a few seconds after work.
 */
export function compactWhenIdle(app: FastifyInstance, quietMs = 5_000): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return;
  let lastRequest = 0;
  let dirty = false;
  app.addHook('onResponse', async () => {
    lastRequest = Date.now();
    dirty = true;
  });
  const timer = setInterval(() => {
    if (dirty && Date.now() - lastRequest >= quietMs) {
      dirty = false;
      gc();
    }
  }, 1_000);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));
}

export async function main(): Promise<void> {
  try {
    await serve(loadConfig());
  } catch (err) {
    if (err instanceof ConfigError) console.error(`orchard: ${err.message}`);
    else console.error(`orchard: failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

const isEntry = process.argv[1] && import.meta.url === new URL(`file://${fs.realpathSync(process.argv[1])}`).href;
if (isEntry) await main();
