/**
 * The floor for `npm run bench:http`: a bare Fastify + @fastify/view/Eta page doing one indexed
 * 50-row SELECT on the same SQLite file. App pages are measured as ratios to it.
 */
import path from 'node:path';
import Fastify from 'fastify';
import view from '@fastify/view';
import { Eta } from 'eta';
import SQLite from 'better-sqlite3';

const db = new SQLite(process.env.ORCHARD_DB ?? 'bench/out/large.db', { readonly: true });
const stmt = db.prepare('select id, name, email, city from companies order by name collate nocase, id limit 50');
const app = Fastify({ logger: false });
await app.register(view, { engine: { eta: new Eta({ views: path.resolve('bench/floor'), cache: true }) }, root: path.resolve('bench/floor'), viewExt: 'eta', production: true });
app.get('/floor', async (_request, reply) => reply.viewAsync('page', { rows: stmt.all() }).then((html) => reply.type('text/html').send(html)));
app.get('/healthz', async () => ({ status: 'ok' }));
await app.listen({ port: Number(process.env.PORT ?? 3999), host: '127.0.0.1' });
