import { sql, type Kysely } from 'kysely';
import { newSecret } from '../features/webhooks/webhooks.outbox.js';
import type { Database } from '../db/schema.js';
import { findUserByEmail } from '../features/users/users.queries.js';
import { createUser, withPasswordHash } from '../features/users/users.service.js';
import { seedCustomerDatabase } from './customers.demo.js';
import { seedDeals } from './deals.demo.js';
import { seedLeads } from './leads.demo.js';
import { seedTasks } from './tasks.demo.js';

export const DEMO_PASSWORD = 'orchard-demo';

export const DEMO_TEAM = [
  { name: 'Avery Admin', email: 'admin@orchard.test', role: 'admin' },
  { name: 'Morgan Reyes', email: 'morgan@orchard.test', role: 'manager' },
  { name: 'Dana Whitfield', email: 'dana@orchard.test', role: 'rep' },
  { name: 'Lee Okafor', email: 'lee@orchard.test', role: 'rep' },
  { name: 'Priya Natarajan', email: 'priya@orchard.test', role: 'rep' },
] as const;

export interface DemoContext {
  db: Kysely<Database>;
  userIds: Record<string, number>;
  repIds: number[];
  adminId: number;
}

/** A demo team; later features add their records through their own seed steps. Idempotent. */
export async function seedDemoTeam(db: Kysely<Database>): Promise<DemoContext> {
  const userIds: Record<string, number> = {};
  for (const u of DEMO_TEAM) {
    const existing = await findUserByEmail(db, u.email);
    if (existing) {
      userIds[u.email] = existing.id;
      continue;
    }
    const user = await withPasswordHash({ ...u, password: DEMO_PASSWORD + '-2026' });
    userIds[u.email] = await db.transaction().execute((trx) => createUser(trx, null, user));
  }
  const repIds = DEMO_TEAM.filter((u) => u.role === 'rep').map((u) => userIds[u.email]);
  return { db, userIds, repIds, adminId: userIds['admin@orchard.test'] };
}

export type DemoStep = (ctx: DemoContext) => Promise<string>;

/** Seed steps in dependency order; each returns a line for the console. */
/** A paused webhook, so the settings show what one looks like (paused: the demo sends nothing out). Idempotent. */
async function seedWebhook(ctx: DemoContext): Promise<string> {
  if (await ctx.db.selectFrom('webhooks').select('id').executeTakeFirst()) return 'Webhook: already there';
  const now = new Date().toISOString();
  await ctx.db
    .insertInto('webhooks')
    .values({ url: 'https://hooks.example.com/orchard', description: 'Billing: invoice won deals (paused)', events: JSON.stringify(['deal.won', 'deal.lost']), secret: newSecret(), is_active: 0, created_by: ctx.adminId, created_at: now, updated_at: now })
    .execute();
  return 'Webhook: 1 (paused)';
}

export const DEMO_STEPS: DemoStep[] = [seedCustomerDatabase, seedDeals, seedLeads, seedTasks, seedWebhook];

export async function seedDemo(db: Kysely<Database>): Promise<string[]> {
  const ctx = await seedDemoTeam(db);
  const lines = [`Team: ${DEMO_TEAM.map((u) => `${u.email} (${u.role})`).join(', ')} — password "${DEMO_PASSWORD}-2026"`];
  for (const step of DEMO_STEPS) lines.push(await step(ctx));
  await backdate(db);
  return lines;
}

/**
 * Demo records look lived-in: companies, contacts and customers were added over the last
 * months (deals are backdated by their own step), and each record's "created" timeline entry
 * carries the record's own date — not "just now".
 */
async function backdate(db: Kysely<Database>): Promise<void> {
  const day = 86_400_000;
  for (const [table, spread] of [['companies', 240], ['contacts', 200], ['customers', 180], ['customer_groups', 300]] as const) {
    const rows = await db.selectFrom(table).select(['id', 'created_at']).execute();
    for (const r of rows) {
      if (Date.now() - Date.parse(r.created_at) > day) continue; // already dated (a second seed run)
      const at = new Date(Date.now() - (30 + ((r.id * 37) % spread)) * day - ((r.id * 7919) % day)).toISOString();
      await db.updateTable(table).set({ created_at: at, updated_at: at }).where('id', '=', r.id).execute();
    }
  }
  for (const [type, table] of [['company', 'companies'], ['contact', 'contacts'], ['customer', 'customers'], ['customer_group', 'customer_groups'], ['deal', 'deals']] as const) {
    await sql`update audit_entries set created_at = (select t.created_at from ${sql.table(table)} t where t.id = audit_entries.entity_id)
      where entity_type = ${type} and action = 'created' and exists (select 1 from ${sql.table(table)} t where t.id = audit_entries.entity_id)`.execute(db);
  }
}
