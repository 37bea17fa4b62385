import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { findUserByEmail } from '../features/users/users.queries.js';
import { createUser, withPasswordHash } from '../features/users/users.service.js';
import { seedCustomerDatabase } from './customers.demo.js';
import { seedDeals } from './deals.demo.js';

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
export const DEMO_STEPS: DemoStep[] = [seedCustomerDatabase, seedDeals];

export async function seedDemo(db: Kysely<Database>): Promise<string[]> {
  const ctx = await seedDemoTeam(db);
  const lines = [`Team: ${DEMO_TEAM.map((u) => `${u.email} (${u.role})`).join(', ')} — password "${DEMO_PASSWORD}-2026"`];
  for (const step of DEMO_STEPS) lines.push(await step(ctx));
  return lines;
}
