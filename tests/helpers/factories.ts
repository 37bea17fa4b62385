import type { FastifyInstance } from 'fastify';
import type { Role } from '../../src/db/schema.js';
import { createUser, withPasswordHash } from '../../src/features/users/users.service.js';

export const PASSWORD = 'correct-horse-battery';
let seq = 0;

export interface TestUser {
  id: number;
  name: string;
  email: string;
  password: string;
  role: Role;
}

export async function makeUser(app: FastifyInstance, over: Partial<Omit<TestUser, 'id'>> = {}): Promise<TestUser> {
  seq += 1;
  const u = { name: over.name ?? `User ${seq}`, email: over.email ?? `user${seq}-${Date.now()}@example.test`, password: over.password ?? PASSWORD, role: over.role ?? 'rep' };
  const hashed = await withPasswordHash(u);
  const id = await app.db.transaction().execute((trx) => createUser(trx, null, hashed));
  return { id, ...u };
}

import { getSettings } from '../../src/features/settings/settings.queries.js';
import type { Scope } from '../../src/lib/access.js';
import { createCompany } from '../../src/features/companies/companies.service.js';
import { createContact } from '../../src/features/contacts/contacts.service.js';
import { createCustomer } from '../../src/features/customers/customers.service.js';
import { createCustomerGroup } from '../../src/features/customer-groups/customer-groups.service.js';

async function scopeOf(app: FastifyInstance, user: TestUser): Promise<Scope> {
  return { viewer: { id: user.id, name: user.name, email: user.email, role: user.role, timeZone: 'UTC', sessionId: '' }, ownOnly: false, settings: await getSettings(app.db) };
}

export async function makeCompany(app: FastifyInstance, by: TestUser, over: Record<string, unknown> = {}): Promise<number> {
  const scope = await scopeOf(app, by);
  return app.db.transaction().execute((trx) => createCompany(trx, scope, {
    name: 'Company', website: null, phone: null, email: null, street: null, city: null, state: null, postal_code: null, country: null,
    industry_id: null, size_id: null, description: null, assigned_to: null, is_active: 1, ...over,
  } as never, {}));
}

export async function makeContact(app: FastifyInstance, by: TestUser, over: Record<string, unknown> = {}): Promise<number> {
  const scope = await scopeOf(app, by);
  return app.db.transaction().execute((trx) => createContact(trx, scope, { first_name: 'Pat', last_name: 'Doe', position: null, email: null, phone: null, company_id: null, assigned_to: null, ...over } as never, {}));
}

export async function makeCustomer(app: FastifyInstance, by: TestUser, over: Record<string, unknown> = {}): Promise<number> {
  const scope = await scopeOf(app, by);
  return app.db.transaction().execute((trx) => createCustomer(trx, scope, { name: 'Customer', email: null, phone: null, company_id: null, customer_group_id: null, assigned_to: null, ...over } as never, {}));
}

export async function makeCustomerGroup(app: FastifyInstance, by: TestUser, over: Record<string, unknown> = {}): Promise<number> {
  const scope = await scopeOf(app, by);
  return app.db.transaction().execute((trx) => createCustomerGroup(trx, scope, { name: 'Group', code: `G${++seq}`, description: null, discount_percent: null, priority: 1, is_active: 1, ...over } as never, {}));
}

import { createDeal } from '../../src/features/deals/deals.service.js';
import { createLead } from '../../src/features/leads/leads.service.js';
import { createTask } from '../../src/features/tasks/tasks.service.js';

export async function stagesOf(app: FastifyInstance, pipelineName = 'Sales') {
  const p = await app.db.selectFrom('pipelines').selectAll().where('name', '=', pipelineName).executeTakeFirstOrThrow();
  const stages = await app.db.selectFrom('deal_stages').selectAll().where('pipeline_id', '=', p.id).orderBy('position').execute();
  const by = (name: string) => stages.find((s) => s.name === name)!;
  return { pipeline: p, stages, by };
}

export async function makeDeal(app: FastifyInstance, by: TestUser, over: Record<string, unknown> = {}): Promise<number> {
  const { pipeline } = await stagesOf(app);
  const scope = await scopeOf(app, by);
  return app.db.transaction().execute((trx) => createDeal(trx, scope, {
    title: 'Deal', description: null, value: 100_000, expected_close_date: null, probability: null, pipeline_id: pipeline.id, stage_id: null,
    company_id: null, customer_id: null, contact_ids: [], assigned_to: by.id, lost_reason_id: null, lost_reason: null, ...over,
  } as never, {}));
}

export async function makeLead(app: FastifyInstance, by: TestUser, over: Record<string, unknown> = {}): Promise<number> {
  const scope = await scopeOf(app, by);
  return app.db.transaction().execute((trx) => createLead(trx, scope, {
    title: 'Lead', description: null, contact_name: null, contact_email: null, contact_phone: null, company_name: null, value: null,
    lead_source_id: null, campaign_id: null, product_id: null, lead_status_id: null, assigned_to: by.id, ...over,
  } as never, {}));
}

/** The lead statuses by name. */
export async function leadStatuses(app: FastifyInstance) {
  const all = await app.db.selectFrom('lead_statuses').selectAll().orderBy('position').execute();
  return (name: string) => {
    const s = all.find((x) => x.name === name);
    if (!s) throw new Error(`no status ${name}`);
    return s;
  };
}

export async function makeTask(app: FastifyInstance, by: TestUser, over: Record<string, unknown> = {}, parent: { type: 'lead' | 'deal' | 'company' | 'contact' | 'customer'; id: number } | null = null): Promise<number> {
  const scope = await scopeOf(app, by);
  return app.db.transaction().execute((trx) => createTask(trx, scope, parent, {
    title: 'Task', type: 'todo', priority: 'normal', description: null, due_date: null, due_time: null, assigned_to: by.id, ...over,
  } as never, {}));
}
