import { sql } from 'kysely';
import type { Scope } from '../lib/access.js';
import { getSettings } from '../features/settings/settings.queries.js';
import { listLeadStatuses } from '../features/lead-statuses/lead-statuses.queries.js';
import { findDefaultPipeline } from '../features/pipelines/pipelines.queries.js';
import { convertLead, createLead } from '../features/leads/leads.service.js';
import type { Trx } from '../lib/writes.js';
import type { DemoContext } from './demo.js';

const FIRST = ['Maya', 'Jonas', 'Priya', 'Lucas', 'Amara', 'Felix', 'Sofia', 'Kenji', 'Elena', 'Omar', 'Hannah', 'Diego', 'Ines', 'Tomas', 'Leila'];
const LAST = ['Okafor', 'Lindqvist', 'Raman', 'Moreau', 'Haddad', 'Novak', 'Brennan', 'Sato', 'Costa', 'Weber', 'Adeyemi', 'Ferreira'];
const COMPANIES = ['Brightwell Labs', 'Northpeak Logistics', 'Cobalt Dental', 'Fernhill Foods', 'Quarry & Co', 'Lumen Architects', 'Harbor Yoga', 'Pinecrest Schools', 'Vela Robotics', 'Oakline Legal', 'Saltmarsh Hotels', 'Tessera Games'];
const NEEDS = ['CRM rollout', 'Team seats', 'Website leads', 'Support plan', 'Analytics pilot', 'Onboarding', 'Integration', 'Renewal upsell'];
const CAMPAIGNS: [string, string][] = [['Spring webinar series', 'Webinar'], ['Trade fair Berlin', 'Event'], ['Q3 newsletter', 'Email'], ['Partner referrals', 'Partner']];
const PRODUCTS: [string, number][] = [['Platform licence', 1_200_000], ['Onboarding package', 350_000], ['Analytics add-on', 240_000], ['Annual support', 480_000]];

/** ~60 leads over the last six months across statuses, sources and campaigns; some converted into customers and deals. */
export async function seedLeads(ctx: DemoContext): Promise<string> {
  return ctx.db.transaction().execute((trx) => seedLeadsIn(trx, ctx));
}

async function seedLeadsIn(db: Trx, ctx: DemoContext): Promise<string> {
  const existing = await db.selectFrom('leads').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
  if (Number(existing.n) > 0) return 'Leads: already seeded.';
  const now = new Date().toISOString();
  for (const [i, [name, channel]] of CAMPAIGNS.entries()) {
    await db.insertInto('campaigns').values({ name, channel, position: i + 1, is_active: 1, created_at: now, updated_at: now }).onConflict((oc) => oc.doNothing()).execute();
  }
  for (const [i, [name, price]] of PRODUCTS.entries()) {
    await db.insertInto('products').values({ name, price_cents: price, position: i + 1, is_active: 1, created_at: now, updated_at: now }).onConflict((oc) => oc.doNothing()).execute();
  }
  const settings = await getSettings(db);
  const sources = (await db.selectFrom('lead_sources').select('id').orderBy('position').execute()).map((r) => r.id);
  const campaigns = (await db.selectFrom('campaigns').select('id').orderBy('position').execute()).map((r) => r.id);
  const products = (await db.selectFrom('products').select('id').orderBy('position').execute()).map((r) => r.id);
  const statuses = await listLeadStatuses(db);
  const open = statuses.filter((s) => !s.is_final);
  const lost = statuses.find((s) => s.is_final && !s.is_conversion_target);
  const pipeline = await findDefaultPipeline(db);
  const day = 86_400_000;

  let converted = 0;
  const total = 60;
  for (let i = 0; i < total; i++) {
    const rep = ctx.repIds[i % ctx.repIds.length];
    const viewer = { id: rep, name: 'Demo rep', email: '', role: 'rep' as const, timeZone: 'UTC', sessionId: '' };
    const scope: Scope = { viewer, ownOnly: false, settings };
    const first = FIRST[i % FIRST.length];
    const last = LAST[(i * 5) % LAST.length];
    const company = COMPANIES[(i * 7) % COMPANIES.length];
    const need = NEEDS[i % NEEDS.length];
    const kind = i % 10; // 0–1 converted, 2 lost, the rest open
    const status = kind === 2 && lost ? lost : open[(i * 3 + Math.floor(i / 4)) % open.length];
    const id = await createLead(db, scope, {
      title: `${need} — ${company}`, description: i % 3 === 0 ? `${first} asked about ${need.toLowerCase()} for their team.` : null,
      contact_name: `${first} ${last}`, contact_email: `${first}.${last}.${i}@${company.toLowerCase().replace(/[^a-z]+/g, '')}.example`.toLowerCase(),
      contact_phone: i % 2 ? `+1 555 01${String(i).padStart(2, '0')}` : null, company_name: company,
      value: (((i * 7919) % 40) + 3) * 25_000, lead_source_id: sources.length ? sources[i % sources.length] : null,
      campaign_id: i % 3 === 1 ? null : campaigns[i % campaigns.length], product_id: products[(i * 3) % products.length],
      lead_status_id: status.id, assigned_to: i % 11 === 5 ? null : rep,
    }, {});
    // Spread over six months: created, then moved on some days later.
    const age = 3 + ((i * 37) % 178);
    const createdAt = new Date(Date.now() - age * day - ((i * 7919) % day)).toISOString();
    const movedAt = new Date(Date.parse(createdAt) + Math.min(age - 1, 2 + (i % 9)) * day).toISOString();
    await db.updateTable('leads').set({ created_at: createdAt, updated_at: movedAt, status_entered_at: movedAt }).where('id', '=', id).execute();
    // Its way through the statuses (conversion funnel): the open ones up to where it is, between creation and its last move.
    const path = status === lost ? [...open.slice(0, 1 + (i % open.length)), status] : open.slice(0, open.findIndex((st) => st.id === status.id) + 1);
    const step = (Date.parse(movedAt) - Date.parse(createdAt)) / Math.max(1, path.length - 1);
    await db.deleteFrom('lead_status_history').where('lead_id', '=', id).execute();
    for (const [k, st] of path.entries())
      await db.insertInto('lead_status_history').values({ lead_id: id, from_status_id: k ? path[k - 1].id : null, to_status_id: st.id, user_id: rep, created_at: new Date(Date.parse(createdAt) + k * step).toISOString() }).execute();
    await db.updateTable('audit_entries').set({ created_at: createdAt }).where('entity_type', '=', 'lead').where('entity_id', '=', id).execute();
    if (kind <= 1 && pipeline) {
      const started = new Date(Date.now() - 1000).toISOString();
      const made = await convertLead(db, scope, id, {
        customer_name: `${first} ${last}`, customer_email: `${first}.${last}.${i}@${company.toLowerCase().replace(/[^a-z]+/g, '')}.example`.toLowerCase(), customer_phone: null,
        company_mode: kind === 0 ? 'new' : 'none', company_id: null, company_new_name: kind === 0 ? company : null,
        create_deal: 1, deal_title: `${need} — ${company}`, deal_value: (((i * 7919) % 40) + 3) * 25_000, pipeline_id: pipeline.id, stage_id: null, expected_close_date: null,
      }, {});
      const convertedAt = movedAt;
      // What the conversion made is as old as the conversion (demo backdate() then dates their timelines).
      const dated = { created_at: convertedAt, updated_at: convertedAt };
      if (made.customerCreated) await db.updateTable('customers').set(dated).where('id', '=', made.customerId).execute();
      if (made.companyId) await db.updateTable('companies').set(dated).where('id', '=', made.companyId).execute();
      if (made.dealId) {
        await db.updateTable('deals').set({ ...dated, stage_entered_at: convertedAt, last_activity_at: convertedAt }).where('id', '=', made.dealId).execute();
        await db.updateTable('deal_stage_history').set({ created_at: convertedAt }).where('deal_id', '=', made.dealId).execute();
        await db.updateTable('contacts').set(dated).where('id', 'in', (eb) => eb.selectFrom('deal_contacts').select('contact_id').where('deal_id', '=', made.dealId!)).execute();
      }
      await db.updateTable('audit_entries').set({ created_at: convertedAt }).where('action', '=', 'lead_converted').where('created_at', '>=', started).execute();
      await db.updateTable('leads').set({ converted_at: convertedAt, status_entered_at: convertedAt }).where('id', '=', id).execute();
      await db.updateTable('lead_status_history').set({ created_at: convertedAt }).where('lead_id', '=', id).where('from_status_id', 'is not', null).execute();
      await db.updateTable('audit_entries').set({ created_at: convertedAt }).where('entity_type', '=', 'lead').where('entity_id', '=', id).where('action', '=', 'converted').execute();
      converted++;
    }
  }
  return `Leads: ${total} leads, ${converted} converted into customers and deals.`;
}
