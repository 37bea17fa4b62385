import fp from 'fastify-plugin';
import type { FastifyReply } from 'fastify';

const FLASH_COOKIE = 'orchard_flash';

export interface Flash {
  type: 'success' | 'error' | 'info';
  message: string;
}

declare module 'fastify' {
  interface FastifyReply {
    /** A message shown once on the next page (after a 303) — or on this one, for htmx swaps. */
    flash(type: Flash['type'], message: string): FastifyReply;
  }
}

export default fp(async (app) => {
  app.decorateReply('flash', function (this: FastifyReply, type: Flash['type'], message: string) {
    const flash: Flash = { type, message };
    this.locals.flash = flash;
    this.setCookie(FLASH_COOKIE, JSON.stringify(flash), { path: '/', httpOnly: true, sameSite: 'lax', secure: app.config.secureCookies, maxAge: 60 });
    return this;
  });

  app.addHook('onRequest', async (request, reply) => {
    const raw = request.cookies[FLASH_COOKIE];
    if (!raw || request.method !== 'GET') return;
    try {
      const parsed = JSON.parse(raw) as Flash;
      if (parsed && typeof parsed.message === 'string') reply.locals.flash = { type: parsed.type === 'error' ? 'error' : parsed.type === 'info' ? 'info' : 'success', message: parsed.message.slice(0, 500) };
    } catch {
      /* a tampered cookie is simply dropped */
    }
    reply.clearCookie(FLASH_COOKIE, { path: '/' });
  });
});
