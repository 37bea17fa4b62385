import type { FastifyPluginAsync } from 'fastify';
import { NotFoundError } from '../../lib/errors.js';
import { idParam, redirectAfterPost } from '../../lib/http.js';
import { recordUrl } from '../../lib/entities.js';
import { scopeOf } from '../../plugins/session.js';
import * as q from './notifications.queries.js';

/** Where a notification leads: the record's (or the task's) own page. */
const targetOf = (n: { entity_type: string; entity_id: number }) => recordUrl(n.entity_type, n.entity_id);

const notificationsRoutes: FastifyPluginAsync = async (app) => {
  app.get('/notifications', async (request, reply) => {
    const scope = scopeOf(request);
    const items = await q.listNotifications(app.db, scope.viewer.id);
    return reply.render('notifications/index', { title: 'Notifications', items: items.map((n) => ({ ...n, href: `/notifications/${n.id}` })) });
  });

  // Visiting the link marks it read and goes to the record.
  app.get('/notifications/:id', async (request, reply) => {
    const scope = scopeOf(request);
    const n = await q.findOwnNotification(app.db, scope.viewer.id, idParam(request));
    if (!n) throw new NotFoundError();
    await q.markRead(app.db, scope.viewer.id, n.id);
    return reply.redirect(targetOf(n), 303);
  });

  // The live bell: one event stream per signed-in tab; the page's count comes first.
  app.get('/events', async (request, reply) => {
    const scope = scopeOf(request);
    const unread = await q.unreadCount(app.db, scope.viewer.id);
    reply.hijack();
    app.events.open(reply.raw, { userId: scope.viewer.id, sessionId: scope.viewer.sessionId }, unread);
  });

  app.post('/notifications/read-all', async (request, reply) => {
    const scope = scopeOf(request);
    await q.markRead(app.db, scope.viewer.id);
    reply.flash('success', 'All notifications marked as read.');
    return redirectAfterPost(request, reply, '/notifications');
  });
};

export default notificationsRoutes;
