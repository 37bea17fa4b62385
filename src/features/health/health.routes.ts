import fs from 'node:fs';
import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';

/** Below this much free disk, writes are about to fail: report it before they do. */
const MIN_FREE_BYTES = 16 * 1024 * 1024;

/**
 * Liveness and writability: 200 `{status: "ok"}`, or 503 `{status: "degraded", database: …}`
 * when the file cannot take writes (read-only, full, or at its page limit).
 */
const healthRoutes: FastifyPluginAsync = async (app) => {
  const writeProblem = (): string | null => {
    if (app.sqlite.readonly || app.sqlite.pragma('query_only', { simple: true })) return 'read-only';
    const pages = Number(app.sqlite.pragma('page_count', { simple: true }));
    const max = Number(app.sqlite.pragma('max_page_count', { simple: true }));
    const free = Number(app.sqlite.pragma('freelist_count', { simple: true }));
    if (pages >= max && free === 0) return 'full';
    try {
      fs.accessSync(app.config.dbPath, fs.constants.W_OK);
      const disk = fs.statfsSync(path.dirname(app.config.dbPath));
      if (disk.bavail * disk.bsize < MIN_FREE_BYTES) return 'disk full';
    } catch {
      return 'not writable';
    }
    return null;
  };

  app.get('/healthz', { config: { access: 'public' }, logLevel: 'warn' }, async (_request, reply) => {
    await sql`select 1`.execute(app.db);
    const problem = writeProblem();
    reply.header('cache-control', 'no-store');
    if (problem) return reply.code(503).send({ status: 'degraded', database: problem });
    return reply.send({ status: 'ok' });
  });
};

export default healthRoutes;
