import path from 'node:path';
import fp from 'fastify-plugin';
import fastifyStatic from '@fastify/static';
import { appRoot, publicDir } from '../paths.js';

/** Our own assets under /public, vendor files straight from their pinned npm packages. */
const VENDOR: Record<string, string> = {
  'htmx.min.js': 'htmx.org/dist/htmx.min.js',
  'Sortable.min.js': 'sortablejs/Sortable.min.js',
  'chart.umd.min.js': 'chart.js/dist/chart.umd.min.js',
  'pico.min.css': '@picocss/pico/css/pico.min.css',
};

export default fp(async (app) => {
  await app.register(fastifyStatic, {
    root: publicDir,
    prefix: '/public/',
    maxAge: app.config.isDev ? 0 : '1h',
  });
  for (const [name, rel] of Object.entries(VENDOR)) {
    const full = path.join(appRoot, 'node_modules', rel);
    app.get(`/vendor/${name}`, { config: { access: 'public' } }, (_req, reply) =>
      reply.header('cache-control', 'public, max-age=86400').sendFile(path.basename(full), path.dirname(full)),
    );
  }
});
