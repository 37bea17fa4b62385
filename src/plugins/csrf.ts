import fp from 'fastify-plugin';
import csrf from '@fastify/csrf-protection';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Double-submit token: the secret lives in an HttpOnly cookie, the token in every form (`_csrf`),
 * in `<meta name="csrf-token">` and in htmx's `x-csrf-token` header. Checked in preHandler
 * because form fields are parsed only by then.
 */
export default fp(async (app) => {
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieOpts: { path: '/', sameSite: 'lax', httpOnly: true, secure: app.config.secureCookies },
  });

  app.addHook('preHandler', (request, reply, done) => {
    if (SAFE.has(request.method) || request.routeOptions.config?.csrf === false) return done();
    app.csrfProtection(request, reply, done);
  });
});

declare module 'fastify' {
  interface FastifyContextConfig {
    csrf?: boolean;
  }
}
