/**
 * The API lists' query plans at Large volume (`npm run bench:api-plans`, AS=dana@orchard.test for
 * a rep): every collection, bare, with updated_since and with each filter alone; prints the time,
 * the status and the plan of the page's main query. "!!" marks a page over 5 ms or one that sorts
 * its matches (TEMP B-TREE) on a big table: a filtered page whose cost grows with the table.
 */
import path from 'node:path';
import { Kysely, SqliteDialect } from 'kysely';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase, cachedStatements } from '../src/db/database.js';
import { createApiToken } from '../src/features/api-tokens/api-tokens.queries.js';
import { API_RESOURCES } from '../src/features/api/api.resources.js';
const dbFile = path.resolve('bench/out/large.db');
const config = loadConfig({ ORCHARD_DB: dbFile, LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1', ORCHARD_API_RATE_PER_MINUTE: '100000' });
const opened = openDatabase(dbFile);
const inner = cachedStatements(opened.sqlite);
let seen: { sql: string; params: unknown; t: number }[] = [];
const timed = { close: inner.close, prepare(src: string) { const s = inner.prepare(src); return { reader: s.reader, get busy() { return s.busy; }, all(p: unknown) { const t0 = performance.now(); const r = s.all(p); seen.push({ sql: src, params: p, t: performance.now() - t0 }); return r; }, iterate: (p: unknown) => s.iterate(p), run: (p: unknown) => s.run(p) }; } };
const db2 = new Kysely<any>({ dialect: new SqliteDialect({ database: timed as any }) });
const id = (opened.sqlite.prepare("select id from users where email = ?").get(process.env.AS ?? 'admin@orchard.test') as { id: number }).id;
const tok = (await createApiToken(opened.db, id, 'prof', 'read')).secret;
const app = await buildApp({ config, db: db2 as any, sqlite: opened.sqlite, logger: false });
const headers = { authorization: `Bearer ${tok}` };
const sample: Record<string, string> = { q: 'hooli', stage_id: '3', pipeline_id: '1', assigned_to: '3', company_id: '100', customer_id: '100', status: process.env.STATUS ?? 'open', lead_status_id: '2', lead_source_id: '2', campaign_id: '1', product_id: '1', industry_id: '2', customer_group_id: '1', entity_type: 'deal', entity_id: '100', priority: 'high', type: 'call', due: 'overdue', updated_since: '2026-11-24T19:00:00Z', size_id: '1', company_size_id: '1' };
for (const r of API_RESOURCES) {
  const keys = ['', 'updated_since', ...Object.keys((r.filters as any).shape ?? {}).filter((k) => !(r.omitFilters ?? []).includes(k))];
  for (const k of keys) {
    const qs = k ? `?${k}=${encodeURIComponent(sample[k] ?? '1')}` : '';
    seen = [];
    let res = await app.inject({ url: `/api/v1/${r.name}${qs}`, headers });
    seen = [];
    const t0 = performance.now();
    res = await app.inject({ url: `/api/v1/${r.name}${qs}`, headers });
    const ms = performance.now() - t0;
    const main = seen.sort((a, b) => b.t - a.t)[0];
    let plan = '';
    try { plan = (opened.sqlite.prepare('explain query plan ' + main.sql).all(main.params as any) as any[]).map((p) => p.detail).join(' | '); } catch (e) { plan = String(e); }
    const small = ['customer-groups', 'pipelines', 'lead-statuses', 'users'].includes(r.name);
    const flag = ms > 5 || (!small && /TEMP B-TREE FOR ORDER BY/.test(plan)) ? '!!' : '  ';
    console.log(flag, res.statusCode, `${ms.toFixed(1)}ms`.padStart(8), `${r.name}${qs}`.padEnd(60), plan.slice(0, 200));
  }
}
await app.close();
