import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';

const healthRoutes: FastifyPluginAsync = async (app) => {
  app.get('/healthz', { config: { access: 'public' }, logLevel: 'warn' }, async (_request, reply) => {
    await sql`select 1`.execute(app.db);
    return reply.header('cache-control', 'no-store').send({ status: 'ok' });
  });
};

export default healthRoutes;
