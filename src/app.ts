import Fastify, { LogController, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import qs from 'node:querystring';
import type { Config } from './config.js';
import type { DB } from './db/database.js';
import type SQLite from 'better-sqlite3';
import securityPlugin from './plugins/security.js';
import staticPlugin from './plugins/static.js';
import viewPlugin from './plugins/view.js';
import flashPlugin from './plugins/flash.js';
import sessionPlugin from './plugins/session.js';
import csrfPlugin from './plugins/csrf.js';
import importRoutes from './features/import/import.routes.js';
import errorsPlugin from './plugins/errors.js';
import healthRoutes from './features/health/health.routes.js';
import authRoutes from './features/auth/auth.routes.js';
import dashboardRoutes from './features/dashboard/dashboard.routes.js';
import usersRoutes from './features/users/users.routes.js';
import profileRoutes from './features/users/profile.routes.js';
import companiesRoutes from './features/companies/companies.routes.js';
import contactsRoutes from './features/contacts/contacts.routes.js';
import customersRoutes from './features/customers/customers.routes.js';
import customerGroupsRoutes from './features/customer-groups/customer-groups.routes.js';
import directoriesRoutes from './features/directories/directories.routes.js';
import notesRoutes from './features/notes/notes.routes.js';
import pipelinesRoutes from './features/pipelines/pipelines.routes.js';
import dealsRoutes from './features/deals/deals.routes.js';
import leadsRoutes from './features/leads/leads.routes.js';
import tasksRoutes from './features/tasks/tasks.routes.js';
import notificationsRoutes from './features/notifications/notifications.routes.js';
import searchRoutes from './features/search/search.routes.js';
import securityRoutes from './features/security/security.routes.js';
import twoFactorRoutes from './features/two-factor/two-factor.routes.js';
import settingsRoutes from './features/settings/settings.routes.js';
import leadStatusesRoutes from './features/lead-statuses/lead-statuses.routes.js';
import { ensureFirstAdmin } from './features/users/bootstrap.js';
import type { LoginLimiter } from './features/auth/login-limiter.js';
import { EventHub } from './features/notifications/notifications.events.js';
import { startOverdueJob } from './features/tasks/tasks.overdue.js';
import calendarRoutes from './features/tasks/tasks.calendar.js';
import reportsRoutes from './features/reports/reports.routes.js';
import duplicatesRoutes from './features/duplicates/duplicates.routes.js';
import apiRoutes from './features/api/api.routes.js';
import webhookRoutes from './features/webhooks/webhooks.routes.js';
import apiTokenRoutes from './features/api-tokens/api-tokens.routes.js';

export interface BuildOptions {
  config: Config;
  db: DB;
  sqlite: SQLite.Database;
  logger?: boolean;
  loginLimiter?: LoginLimiter;
  /** Start the in-process jobs (the overdue pass every minute). The server does; tests run passes themselves. */
  jobs?: boolean;
}

export async function buildApp(opts: BuildOptions): Promise<FastifyInstance> {
  const { config } = opts;
  const app = Fastify({
    logger: opts.logger === false ? false : { level: config.logLevel, redact: ['req.headers.cookie', 'req.headers["x-csrf-token"]'] },
    trustProxy: config.trustProxy,
    bodyLimit: 2 * 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true },
    // Our onResponse hook writes the one line per request.
    logController: new LogController({ disableRequestLogging: true }),
  });

  // One structured line per request.
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime), user: request.viewer?.id },
      'request',
    );
  });

  // Every route, as registered: the visibility contract test walks those that take a record id.
  const routeList: { method: string; url: string }[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routeList.push({ method, url: route.url });
  });
  app.decorate('routeList', routeList);

  app.decorate('config', config);
  app.decorate('db', opts.db);
  app.decorate('sqlite', opts.sqlite);
  app.decorate('setupToken', await ensureFirstAdmin(opts.db, config));

  // The live bell: after a request that may have written a notification (any write, or opening
  // one, which marks it read), the open streams are counted again.
  const events = new EventHub(opts.db, { onError: (err) => app.log.error({ err }, 'event streams') });
  app.decorate('events', events);
  app.addHook('onResponse', async (request) => {
    if (request.method !== 'GET' || request.url.startsWith('/notifications/')) events.poke();
  });
  // Streams never finish by themselves: end them first, or closing would wait for them.
  app.addHook('preClose', async () => events.closeAll());
  if (opts.jobs) {
    const overdue = startOverdueJob(app, { onTold: () => events.poke() });
    app.addHook('onClose', async () => overdue.stop());
  }

  // Plugins: order matters (session before csrf so a signed-out POST goes to the login page).
  await app.register(cookie);
  await app.register(formbody, { parser: (body) => qs.parse(body) });
  await app.register(securityPlugin);
  await app.register(viewPlugin);
  await app.register(flashPlugin);
  await app.register(sessionPlugin);
  await app.register(csrfPlugin);
  await app.register(errorsPlugin);
  await app.register(staticPlugin);

  // Features.
  await app.register(healthRoutes);
  await app.register(authRoutes, { limiter: opts.loginLimiter });
  await app.register(dashboardRoutes);
  await app.register(settingsRoutes);
  await app.register(leadStatusesRoutes);
  await app.register(usersRoutes);
  await app.register(profileRoutes);
  await app.register(companiesRoutes);
  await app.register(contactsRoutes);
  await app.register(customersRoutes);
  await app.register(customerGroupsRoutes);
  await app.register(directoriesRoutes);
  await app.register(notesRoutes);
  await app.register(pipelinesRoutes);
  await app.register(dealsRoutes);
  await app.register(leadsRoutes);
  await app.register(tasksRoutes);
  await app.register(notificationsRoutes);
  await app.register(calendarRoutes);
  await app.register(reportsRoutes);
  await app.register(duplicatesRoutes);
  await app.register(apiTokenRoutes);
  await app.register(apiRoutes);
  await app.register(webhookRoutes);
  await app.register(importRoutes);
  await app.register(searchRoutes);
  await app.register(securityRoutes);
  await app.register(twoFactorRoutes);

  return app;
}
