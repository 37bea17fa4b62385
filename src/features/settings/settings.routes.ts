import type { FastifyPluginAsync } from 'fastify';

/** The settings index: one card per section the viewer may open (reps have none). */
const settingsRoutes: FastifyPluginAsync = async (app) => {
  app.get('/settings', { config: { access: ['admin', 'manager'] } }, async (_request, reply) => {
    return reply.render('settings/index', { title: 'Settings' });
  });
};

export default settingsRoutes;
