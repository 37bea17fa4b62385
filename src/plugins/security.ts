import fp from 'fastify-plugin';
import helmet from '@fastify/helmet';

export default fp(async (app) => {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'script-src': ["'self'"],
        'script-src-attr': ["'none'"],
        // Badges carry their stage colour in a style attribute; scripts stay strictly 'self'.
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'form-action': ["'self'"],
        'upgrade-insecure-requests': app.config.secureCookies ? [] : null,
      },
    },
    strictTransportSecurity: app.config.secureCookies,
    crossOriginEmbedderPolicy: false,
  });
});
