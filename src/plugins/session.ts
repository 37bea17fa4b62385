import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Viewer } from '../types.js';
import type { Role } from '../db/schema.js';
import { ForbiddenError } from '../lib/errors.js';
import { deleteExpiredSessions, findSessionViewer, touchSession } from '../features/auth/sessions.queries.js';
import { scopeFor, type Scope } from '../lib/access.js';
import { purgeOldSecurityEvents } from '../features/security/security.queries.js';
import { touchApiToken, viewerForToken } from '../features/api-tokens/api-tokens.queries.js';
import { getSettings, type CrmSettings } from '../features/settings/settings.queries.js';
import { FigureCache } from '../lib/figure-cache.js';
import { isApiRequest } from '../lib/http.js';

export const SESSION_COOKIE = 'orchard_sid';
export const SESSION_IDLE_DAYS = 14;
/** What a user may reach before setting up a required second factor. */
const TWO_FACTOR_SETUP = /^\/(profile\/two-factor(\/.*)?|logout)$/;

/** The one guard: every route passes through it; `config.access` says who may enter (default: signed in). */
export function assertAccess(request: FastifyRequest, roles: 'user' | Role[]): Viewer {
  const viewer = request.viewer;
  if (!viewer) throw new UnauthenticatedError();
  if (roles !== 'user' && !roles.includes(viewer.role)) throw new ForbiddenError();
  return viewer;
}

export class UnauthenticatedError extends Error {
  statusCode = 401;
}

/** The request's scope (viewer + settings), computed once per request by the guard's hook. */
export function scopeOf(request: FastifyRequest): Scope {
  assertAccess(request, 'user');
  if (!request.scope) throw new UnauthenticatedError();
  return request.scope;
}

/** Handlers call this to get the signed-in viewer the guard already checked. */
export function viewerOf(request: FastifyRequest): Viewer {
  return assertAccess(request, 'user');
}

export function setSessionCookie(reply: FastifyReply, token: string): void {
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: reply.server.config.secureCookies,
    maxAge: SESSION_IDLE_DAYS * 86400,
  });
}

export default fp(async (app) => {
  // Housekeeping: expired sessions and security events past their keeping time are purged at
  // start and every hour after.
  let purge: NodeJS.Timeout | null = null;
  const housekeeping = async () => {
    await deleteExpiredSessions(app.db);
    await purgeOldSecurityEvents(app.db);
  };
  app.addHook('onReady', async () => {
    await housekeeping();
    purge = setInterval(() => {
      housekeeping().catch((err: unknown) => app.log.error({ err }, 'housekeeping failed'));
    }, 3_600_000);
    purge.unref();
  });
  app.addHook('onClose', async () => {
    if (purge) clearInterval(purge);
  });

  // Pages with customer data are never stored: after sign-out, Back shows nothing.
  app.addHook('onSend', async (request, reply) => {
    if (request.viewer && request.routeOptions.config?.access !== 'public' && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });

  // Who a token is and the CRM settings are read on every request and rarely change: both are kept
  // until the database changes (any write on this connection or another: lib/figure-cache), so a
  // revoked token or a deactivated user is refused on the very next request.
  const tokens = new FigureCache<Awaited<ReturnType<typeof viewerForToken>>>(app.sqlite);
  const settings = new FigureCache<CrmSettings>(app.sqlite, 1);

  app.decorateRequest('viewer', null);
  app.decorateRequest('dbStamp', undefined);
  app.decorateRequest('apiToken', null);
  app.decorateRequest('scope', null);

  // Static assets are public; every other route is guarded unless it says otherwise.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/public/')) route.config = { ...(route.config ?? {}), access: 'public' };
  });

  app.addHook('onRequest', async (request) => {
    // The API (/api/…) takes a personal token instead of the session cookie: it acts as its user,
    // with their role and visibility, and never carries a cookie a browser could send by itself.
    if (isApiRequest(request)) {
      const auth = request.headers.authorization;
      const bearer = typeof auth === 'string' && /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
      if (!bearer) return;
      request.dbStamp = tokens.stamp();
      const found = await tokens.get(bearer, () => viewerForToken(app.db, bearer), request.dbStamp);
      if (!found) return;
      request.viewer = found.viewer;
      request.apiToken = found.token;
      await touchApiToken(app.db, found.token.id, found.lastUsedAt);
      return;
    }
    const token = request.cookies[SESSION_COOKIE];
    if (!token) return;
    const found = await findSessionViewer(app.db, token);
    if (!found) return;
    request.viewer = found.viewer;
    await touchSession(app.db, found.sessionId, found.lastSeenAt, SESSION_IDLE_DAYS);
  });

  app.addHook('preHandler', async (request, reply) => {
    const access = request.routeOptions.config?.access ?? 'user';
    if (access === 'public') return;
    assertAccess(request, access);
    // A read-only token reads.
    if (request.apiToken?.scope === 'read' && !['GET', 'HEAD'].includes(request.method)) throw new ForbiddenError('This API token is read-only: create a read-write token in your profile to make changes.');
    if (request.viewer) request.scope = await scopeFor(app.db, request.viewer, await settings.get('settings', () => getSettings(app.db), request.dbStamp));
    // When an admin requires a second factor, a user without one sets it up before anything else.
    if (request.scope?.settings.require_two_factor && !request.viewer?.twoFactor && !TWO_FACTOR_SETUP.test(request.routeOptions.url ?? '')) {
      if (request.method === 'GET') return reply.redirect('/profile/two-factor', 303);
      throw new ForbiddenError('Set up two-factor sign-in first: your admin requires it.');
    }
  });
});
