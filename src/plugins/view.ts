import fp from 'fastify-plugin';
import view from '@fastify/view';
import { Eta } from 'eta';
import type { FastifyReply } from 'fastify';
import { viewsDir } from '../paths.js';
import { formatterFor } from '../lib/format.js';
import { SETTING_DEFAULTS } from '../features/settings/settings.queries.js';
import { isActive, navFor } from './nav.js';
import { unreadCount } from '../features/notifications/notifications.queries.js';
import { csrfUserInfo } from './csrf.js';

declare module 'fastify' {
  interface FastifyReply {
    /** Renders a page or fragment with the request's locals; status defaults to 200. */
    render(template: string, data?: Record<string, unknown>, status?: number): Promise<FastifyReply>;
  }
}

export default fp(async (app) => {
  const eta = new Eta({
    views: viewsDir,
    cache: !app.config.isDev,
    autoEscape: true,
    autoFilter: true,
    // Anything that reaches a template prints safely, even an object a JSON body smuggled in.
    filterFunction: (v: unknown) => {
      if (v === null || v === undefined) return '';
      if (typeof v !== 'object') return String(v);
      try {
        return String(v);
      } catch {
        return '';
      }
    },
  });

  // Eta resolves an include's path on every call (a JSON.stringify and path joins, ~3 % of a list
  // page's CPU with a partial per row); the answer for (template, including file) never changes.
  if (!app.config.isDev) {
    const resolve = eta.resolvePath!.bind(eta);
    const resolved = new Map<string, string>();
    eta.resolvePath = (template, options) => {
      const key = `${options?.filepath ?? ''}\0${template}`;
      let hit = resolved.get(key);
      if (hit === undefined) resolved.set(key, (hit = resolve(template, options)));
      return hit;
    };
  }

  await app.register(view, {
    engine: { eta },
    root: viewsDir,
    viewExt: 'eta',
    production: !app.config.isDev,
    // Asset URLs carry the start time, so a restart after an upgrade never serves stale CSS or JS.
    defaultContext: { fmt: formatterFor(SETTING_DEFAULTS), navActive: isActive, assetVersion: Date.now().toString(36) },
  });

  // @fastify/view gives every reply a fresh `locals` object in its onRequest hook.

  app.decorateReply('render', async function (this: FastifyReply, template: string, data: Record<string, unknown> = {}, status = 200) {
    const request = this.request;
    // Every page reads these; set once here so error pages rendered early get them too.
    this.locals.viewer ??= request.viewer;
    this.locals.path ??= request.url.split('?')[0];
    this.locals.url ??= request.url;
    this.locals.csrfToken ??= this.generateCsrf ? this.generateCsrf({ userInfo: csrfUserInfo(request) }) : '';
    this.locals.nav ??= navFor(request.viewer);
    // The bell's unread count on every page (one indexed count).
    // An error page must render even when the database cannot answer: then the bell shows none.
    if (request.viewer && this.locals.unread === undefined) this.locals.unread = await unreadCount(app.db, request.viewer.id).catch(() => 0);
    // Money and dates follow the CRM settings and the viewer's time zone (lib/format).
    if (request.scope) this.locals.fmt ??= formatterFor(request.scope.settings, request.scope.viewer.timeZone);
    const html = await this.viewAsync(template, data);
    return this.code(status).type('text/html; charset=utf-8').send(html);
  });
});
