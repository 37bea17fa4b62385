import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import csrf from '@fastify/csrf-protection';
import { serverKey } from '../features/settings/settings.queries.js';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Forms that are only ever shown signed out: their tokens are bound to no session. */
const SIGNED_OUT_FORMS = new Set(['/login', '/login/two-factor', '/setup']);

/** What a CSRF token is bound to: the signed-in session, or one value for signed-out forms. */
export function csrfUserInfo(request: FastifyRequest): string {
  if (SIGNED_OUT_FORMS.has(request.routeOptions.url ?? '')) return 'signed-out';
  return request.viewer?.sessionId ?? 'signed-out';
}

/**
 * Double-submit token: the secret lives in an HttpOnly cookie, the token in every form (`_csrf`),
 * in `<meta name="csrf-token">` and in htmx's `x-csrf-token` header. Checked in preHandler
 * because form fields are parsed only by then.
 */
export default fp(async (app) => {
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieOpts: { path: '/', sameSite: 'lax', httpOnly: true, secure: app.config.secureCookies },
    // Tokens are bound to the signed-in session: another user's cookie and token, or a token
    // from before sign-in, are refused. The HMAC key is kept in the database across restarts.
    getUserInfo: csrfUserInfo,
    csrfOpts: { userInfo: true, hmacKey: await serverKey(app.db, 'csrf_hmac_key') },
  });

  app.addHook('preHandler', (request, reply, done) => {
    // A bearer token is no ambient credential (a browser never adds it by itself): no CSRF token needed.
    if (SAFE.has(request.method) || request.routeOptions.config?.csrf === false || request.apiToken) return done();
    app.csrfProtection(request, reply, done);
  });
});

declare module 'fastify' {
  interface FastifyContextConfig {
    csrf?: boolean;
  }
}
