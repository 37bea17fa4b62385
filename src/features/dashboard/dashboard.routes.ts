import type { FastifyPluginAsync } from 'fastify';

/** The home page. The full dashboard (SPEC §10) arrives with its own issue. */
const dashboardRoutes: FastifyPluginAsync = async (app) => {
  app.get('/', async (_request, reply) => reply.render('dashboard/index', { title: 'Dashboard' }));
};

export default dashboardRoutes;
