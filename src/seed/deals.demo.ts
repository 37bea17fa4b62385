import { sql } from 'kysely';
import type { Scope } from '../lib/access.js';
import { getSettings } from '../features/settings/settings.queries.js';
import { createPipeline, createStage } from '../features/pipelines/pipelines.service.js';
import { listPipelines, listStages } from '../features/pipelines/pipelines.queries.js';
import { createDeal } from '../features/deals/deals.service.js';
import type { Trx } from '../lib/writes.js';
import type { DemoContext } from './demo.js';

const PRODUCTS = ['Platform licence', 'Onboarding package', 'Annual support', 'Team seats', 'Analytics add-on', 'Integration project', 'Training day', 'Hardware bundle'];

function daysAgo(n: number): string {
  return new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
}

/** Two pipelines, ~120 deals across stages; won and lost ones closed over the last six months. */
export async function seedDeals(ctx: DemoContext): Promise<string> {
  return ctx.db.transaction().execute((trx) => seedDealsIn(trx, ctx));
}

async function seedDealsIn(db: Trx, ctx: DemoContext): Promise<string> {
  const existing = await db.selectFrom('deals').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
  if (Number(existing.n) > 0) return 'Deals: already seeded.';
  const settings = await getSettings(db);
  const admin = { id: ctx.adminId, name: 'Avery Admin', email: 'admin@orchard.test', role: 'admin' as const, timeZone: 'UTC', sessionId: '' };
  const scope: Scope = { viewer: admin, ownOnly: false, settings };

  let renewals = (await listPipelines(db)).find((p) => p.name === 'Renewals')?.id;
  if (!renewals) {
    renewals = await createPipeline(db, admin, { name: 'Renewals', description: 'Existing customers coming up for renewal.', is_active: 1, is_default: 0 }, {});
    for (const [name, color, probability, flags] of [
      ['Upcoming', '#94a3b8', 60, { is_default: 1 }], ['In review', '#60a5fa', 70, {}], ['Quote sent', '#a78bfa', 85, {}],
      ['Renewed', '#16a34a', 100, { is_won: 1 }], ['Churned', '#dc2626', 0, { is_lost: 1 }],
    ] as const) {
      await createStage(db, admin, renewals, { name, color, probability, rotting_days: 21, is_default: 0, is_won: 0, is_lost: 0, ...flags }, {});
    }
  }
  const sales = (await listPipelines(db)).find((p) => p.name === 'Sales')!.id;
  const companies = await db.selectFrom('companies').select(['id', 'name']).orderBy('id').execute();
  const customers = await db.selectFrom('customers').select(['id', 'company_id']).orderBy('id').execute();
  const contacts = await db.selectFrom('contacts').select(['id', 'company_id']).execute();
  const reasons = (await db.selectFrom('lost_reasons').select('id').execute()).map((r) => r.id);

  let count = 0;
  for (const [pipelineId, total] of [[sales, 95], [renewals, 27]] as const) {
    const stages = await listStages(db, pipelineId);
    for (let i = 0; i < total; i++) {
      const stage = stages[(i * 5 + Math.floor(i / 3)) % stages.length];
      const company = companies[(i * 7 + pipelineId * 3) % companies.length];
      const customer = customers.find((c) => c.company_id === company.id);
      const people = contacts.filter((c) => c.company_id === company.id).slice(0, 1 + (i % 2)).map((c) => c.id);
      const product = PRODUCTS[i % PRODUCTS.length];
      const closed = stage.is_won || stage.is_lost;
      const id = await createDeal(db, { ...scope, viewer: { ...admin } }, {
        title: `${product} — ${company.name}`, description: null, value: (((i * 7919) % 48) + 2) * 50000,
        expected_close_date: closed ? null : daysAgo(-((i * 11) % 75) + 10), probability: null, pipeline_id: pipelineId, stage_id: stage.id,
        company_id: company.id, customer_id: customer?.id ?? null, contact_ids: people, assigned_to: ctx.repIds[(i + Math.floor(i / 4)) % ctx.repIds.length],
        lost_reason_id: stage.is_lost ? reasons[i % reasons.length] : null, lost_reason: null,
      }, {});
      // Backdate: closed deals spread over six months; open ones entered their stage days ago.
      const age = (i * 37) % 180;
      const enteredAt = new Date(Date.now() - (closed ? age : (i * 5) % 30) * 86_400_000).toISOString();
      await db.updateTable('deals').set({
        created_at: new Date(Date.now() - (age + 20) * 86_400_000).toISOString(),
        stage_entered_at: enteredAt, last_activity_at: enteredAt,
        actual_close_date: closed ? daysAgo(age) : null,
      }).where('id', '=', id).execute();
      // Its way through the pipeline (reports: moves, velocity, funnel): the open stages up to
      // where it is — a lost deal dropped out somewhere along them — spread from its creation.
      const open = stages.filter((st) => !st.is_won && !st.is_lost);
      const path = stage.is_won ? [...open, stage] : stage.is_lost ? [...open.slice(0, 1 + (i % open.length)), stage] : open.slice(0, open.findIndex((st) => st.id === stage.id) + 1);
      const from = Date.now() - (age + 20) * 86_400_000;
      const step = (Date.parse(enteredAt) - from) / Math.max(1, path.length - 1);
      await db.deleteFrom('deal_stage_history').where('deal_id', '=', id).execute();
      for (const [k, st] of path.entries())
        await db.insertInto('deal_stage_history').values({ deal_id: id, from_stage_id: k ? path[k - 1].id : null, to_stage_id: st.id, user_id: admin.id, created_at: new Date(k === path.length - 1 ? Date.parse(enteredAt) : from + k * step).toISOString() }).execute();
      count++;
    }
  }
  return `Deals: ${count} deals in 2 pipelines.`;
}
