import { sql } from 'kysely';
import type { Lead, LeadStatus } from '../../db/schema.js';
import { canEdit, type Scope } from '../../lib/access.js';
import { company, contact, customer, deal, lead } from '../../lib/entities.js';
import { ConflictError, ValidationError, type FieldErrors } from '../../lib/errors.js';
import { nowIso } from '../../lib/time.js';
import { commitUpdate, loadEditable, recordCreated, removeRecord, type Trx } from '../../lib/writes.js';
import { changedFields, record, type Changes } from '../timeline/timeline.queries.js';
import { isAssignable } from '../users/users.queries.js';
import { isSelectable } from '../directories/directories.queries.js';
import { findConversionTarget, findDefaultLeadStatus, findLeadStatus } from '../lead-statuses/lead-statuses.queries.js';
import { createCustomer, updateCustomerFromForm } from '../customers/customers.service.js';
import { createCompany } from '../companies/companies.service.js';
import { createContact } from '../contacts/contacts.service.js';
import { createDeal } from '../deals/deals.service.js';
import * as q from './leads.queries.js';
import { leadKey, statusRefusal } from './leads.rules.js';
import type { ConvertInput, LeadInput, LeadMoveInput } from './leads.schemas.js';

/** Lead writes: each takes the caller's transaction (see lib/writes). */
export const LEAD_FIELDS = [
  'title', 'description', 'contact_name', 'contact_email', 'contact_phone', 'company_name', 'value_cents',
  'lead_source_id', 'campaign_id', 'product_id', 'lead_status_id', 'assigned_to',
] as const;

/** How a lead is named on the records it became: "L-17 Acme website". */
export const leadLabel = (l: Pick<Lead, 'id' | 'title'>) => `${leadKey(l.id)} ${l.title}`;

async function resolve(trx: Trx, input: LeadInput, current: Lead | null, values: Record<string, unknown>): Promise<LeadStatus> {
  const errors: FieldErrors = {};
  if (input.contact_email && (await q.leadEmailTaken(trx, input.contact_email, current?.id))) errors.contact_email = 'Another lead already uses this email.';
  if (input.lead_source_id && !(await isSelectable(trx, 'lead_sources', input.lead_source_id, current?.lead_source_id))) errors.lead_source_id = 'Choose an active lead source.';
  if (input.campaign_id && !(await isSelectable(trx, 'campaigns', input.campaign_id, current?.campaign_id))) errors.campaign_id = 'Choose an active campaign.';
  if (input.product_id && !(await isSelectable(trx, 'products', input.product_id, current?.product_id))) errors.product_id = 'Choose an active product.';
  if (input.assigned_to && !(await isAssignable(trx, input.assigned_to, current?.assigned_to))) errors.assigned_to = 'Choose an active user.';
  const statusId = input.lead_status_id ?? current?.lead_status_id;
  const status = statusId ? await findLeadStatus(trx, statusId) : await findDefaultLeadStatus(trx);
  if (!status) errors.lead_status_id = 'Choose a status from the list.';
  else if (status.id !== current?.lead_status_id) {
    const refusal = statusRefusal(status, Boolean(current?.converted_at));
    if (refusal) errors.lead_status_id = refusal;
  }
  if (Object.keys(errors).length || !status) throw new ValidationError(errors, values);
  return status;
}

async function statusChanged(trx: Trx, scope: Scope, leadId: number, from: number | null, to: number, now: string): Promise<void> {
  await q.insertStatusHistory(trx, { lead_id: leadId, from_status_id: from, to_status_id: to, user_id: scope.viewer.id, created_at: now });
}

const dataOf = (input: LeadInput, statusId: number) => ({
  title: input.title, description: input.description, contact_name: input.contact_name, contact_email: input.contact_email, contact_phone: input.contact_phone,
  company_name: input.company_name, value_cents: input.value, lead_source_id: input.lead_source_id, campaign_id: input.campaign_id, product_id: input.product_id,
  lead_status_id: statusId, assigned_to: input.assigned_to,
});

export async function createLead(trx: Trx, scope: Scope, input: LeadInput, values: Record<string, unknown>): Promise<number> {
  const status = await resolve(trx, input, null, values);
  const now = nowIso();
  const data = dataOf(input, status.id);
  const id = await q.insertLead(trx, { ...data, converted_at: null, customer_id: null, company_id: null, deal_id: null, status_entered_at: now, created_at: now, updated_at: now });
  await statusChanged(trx, scope, id, null, status.id, now);
  await recordCreated(trx, scope, lead, id, changedFields(null, data, LEAD_FIELDS));
  return id;
}

export async function updateLeadFromForm(trx: Trx, scope: Scope, id: number, input: LeadInput, values: Record<string, unknown>): Promise<void> {
  const current = await loadEditable(trx, scope, lead, id);
  const status = await resolve(trx, input, current, values);
  const now = nowIso();
  const moved = status.id !== current.lead_status_id;
  const data = dataOf(input, status.id);
  const updated = await q.updateLead(trx, id, input.version ?? null, { ...data, updated_at: now, ...(moved ? { status_entered_at: now } : {}) });
  await commitUpdate(trx, scope, { kind: lead, id, name: current.title, updated, changes: changedFields(current, data, LEAD_FIELDS), action: moved ? 'status_changed' : 'updated' });
  if (moved) await statusChanged(trx, scope, id, current.lead_status_id, status.id, now);
}

export interface LeadMoveResult {
  lead: Lead;
  fromStatusId: number;
  toStatusId: number;
}

/** The board's drag and "Move to…": one set of status rules for every path. */
export async function moveLead(trx: Trx, scope: Scope, id: number, input: LeadMoveInput): Promise<LeadMoveResult> {
  const current = await loadEditable(trx, scope, lead, id);
  const status = await findLeadStatus(trx, input.lead_status_id);
  if (!status) throw new ValidationError({ lead_status_id: 'Choose a status from the list.' }, input);
  if (status.id === current.lead_status_id) return { lead: current, fromStatusId: current.lead_status_id, toStatusId: status.id };
  const refusal = statusRefusal(status, Boolean(current.converted_at));
  if (refusal) throw new ConflictError(refusal);
  const now = nowIso();
  const updated = await q.updateLead(trx, id, null, { lead_status_id: status.id, status_entered_at: now, updated_at: now });
  await commitUpdate(trx, scope, { kind: lead, id, name: current.title, updated, changes: { lead_status_id: [current.lead_status_id, status.id] }, action: 'status_changed' });
  await statusChanged(trx, scope, id, current.lead_status_id, status.id, now);
  return { lead: { ...current, lead_status_id: status.id }, fromStatusId: current.lead_status_id, toStatusId: status.id };
}

export async function deleteLeadChecked(trx: Trx, scope: Scope, id: number): Promise<Lead> {
  const current = await loadEditable(trx, scope, lead, id);
  await removeRecord(trx, scope, lead, current, { nameField: 'title', related: [[customer, current.customer_id], [company, current.company_id]] });
  return current;
}

/* ---------- Conversion (SPEC §4) ---------- */

/** A second conversion is refused with where the lead went. */
export function alreadyConverted(l: Pick<Lead, 'converted_at'>): boolean {
  return l.converted_at !== null;
}

/** Runs a composed service and reports its field errors under the conversion form's names. */
async function asConversion<T>(values: Record<string, unknown>, names: Record<string, string>, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    const errors: FieldErrors = {};
    for (const [k, v] of Object.entries(err.fieldErrors)) errors[names[k] ?? '_form'] = errors[names[k] ?? '_form'] ?? v;
    throw new ValidationError(errors, values);
  }
}

const splitName = (name: string) => {
  const parts = name.trim().split(/\s+/);
  return parts.length > 1 ? { first_name: parts.slice(0, -1).join(' '), last_name: parts.at(-1) ?? null } : { first_name: parts[0] || null, last_name: null };
};

export interface ConversionResult {
  customerId: number;
  customerCreated: boolean;
  companyId: number | null;
  dealId: number | null;
}

/**
 * Converts a lead in the caller's transaction: the customer (created, or the existing one with
 * that email updated), the company (none, linked or created), an optional deal with the lead's
 * contact, then the lead moves to the conversion target with its links. Every record touched gets
 * a timeline entry. Any refusal throws, so the caller's rollback leaves nothing written.
 */
export async function convertLead(trx: Trx, scope: Scope, id: number, input: ConvertInput, values: Record<string, unknown>): Promise<ConversionResult> {
  const current = await loadEditable(trx, scope, lead, id);
  if (alreadyConverted(current)) throw new ConflictError(`${leadKey(id)} was already converted.`);
  const target = await findConversionTarget(trx);
  if (!target) throw new ConflictError('No lead status is marked as the conversion target. Ask an admin to mark one in Settings › Lead statuses.');
  const label = leadLabel(current);
  const owner = current.assigned_to ?? scope.viewer.id;
  const from: Changes = { lead: [null, label] };

  // Company: none, an existing one the viewer can see, or a new one.
  let companyId: number | null = null;
  if (input.company_mode === 'existing') {
    const found = input.company_id ? await company.named(trx, scope, [input.company_id]) : [];
    if (!found.length) throw new ValidationError({ company_id: 'Choose a company from the list.' }, values);
    companyId = found[0].id;
    await record(trx, { entityType: 'company', entityId: companyId, action: 'lead_converted', userId: scope.viewer.id, changes: from });
  } else if (input.company_mode === 'new') {
    const name = input.company_new_name ?? '';
    companyId = await asConversion(values, { name: 'company_new_name' }, () =>
      createCompany(trx, scope, { name, website: null, phone: null, email: null, street: null, city: null, state: null, postal_code: null, country: null, industry_id: null, size_id: null, description: null, assigned_to: owner, is_active: 1 }, values),
    );
    await record(trx, { entityType: 'company', entityId: companyId, action: 'lead_converted', userId: scope.viewer.id, changes: from });
  }

  // Customer: the one with this email is updated, else a new one.
  const email = input.customer_email;
  const existing = email ? await trx.selectFrom('customers').selectAll().where('email', 'is not', null).where(sql`lower(email)`, '=', email.toLowerCase()).executeTakeFirst() : undefined;
  let customerId: number;
  const customerNames = { name: 'customer_name', email: 'customer_email', phone: 'customer_phone', company_id: 'company_id', assigned_to: '_form', customer_group_id: '_form' };
  if (existing) {
    if (!(await customer.findRow(trx, scope, existing.id)) || !canEdit(scope.viewer, existing.assigned_to)) {
      throw new ValidationError({ customer_email: 'A customer with this email exists and is assigned to someone else. Ask them or a manager to convert this lead.' }, values);
    }
    customerId = existing.id;
    await asConversion(values, customerNames, () =>
      updateCustomerFromForm(trx, scope, existing.id, {
        name: input.customer_name, email: existing.email, phone: input.customer_phone ?? existing.phone, company_id: companyId ?? existing.company_id,
        customer_group_id: existing.customer_group_id, assigned_to: existing.assigned_to,
      }, values),
    );
  } else {
    customerId = await asConversion(values, customerNames, () =>
      createCustomer(trx, scope, { name: input.customer_name, email, phone: input.customer_phone, company_id: companyId, customer_group_id: null, assigned_to: owner }, values),
    );
  }
  await record(trx, { entityType: 'customer', entityId: customerId, action: 'lead_converted', userId: scope.viewer.id, changes: from });

  // Deal: optional, with the lead's contact as a contact of the deal.
  let dealId: number | null = null;
  if (input.create_deal) {
    const contactIds: number[] = [];
    if (current.contact_name || current.contact_email) {
      const same = current.contact_email
        ? await contact.named(trx, scope, (await trx.selectFrom('contacts').select('id').where(sql`email collate nocase`, '=', current.contact_email).limit(5).execute()).map((r) => r.id))
        : [];
      const name = splitName(current.contact_name ?? current.contact_email?.split('@')[0] ?? '');
      contactIds.push(
        same[0]?.id ??
          (await asConversion(values, {}, () =>
            createContact(trx, scope, { ...name, position: null, email: current.contact_email, phone: current.contact_phone, company_id: companyId, assigned_to: owner }, values),
          )),
      );
    }
    dealId = await asConversion(values, { title: 'deal_title', value: 'deal_value', pipeline_id: 'pipeline_id', stage_id: 'stage_id', expected_close_date: 'expected_close_date' }, () =>
      createDeal(trx, scope, {
        title: input.deal_title ?? current.title, description: current.description, value: input.deal_value, expected_close_date: input.expected_close_date, probability: null,
        pipeline_id: input.pipeline_id ?? 0, stage_id: input.stage_id, company_id: companyId, customer_id: customerId, contact_ids: contactIds, assigned_to: owner,
        lost_reason_id: null, lost_reason: null,
      }, values, { leadId: id, leadLabel: label }),
    );
  }

  // The lead: to the conversion target, with its links.
  const now = nowIso();
  const updated = await q.updateLead(trx, id, null, { lead_status_id: target.id, status_entered_at: now, converted_at: now, customer_id: customerId, company_id: companyId, deal_id: dealId, updated_at: now });
  const dealTitle = dealId ? (await trx.selectFrom('deals').select('title').where('id', '=', dealId).executeTakeFirst())?.title ?? null : null;
  const changes: Changes = { lead_status_id: [current.lead_status_id, target.id], customer_id: [null, customerId] };
  if (companyId) changes.company_id = [null, companyId];
  if (dealTitle) changes.deal = [null, dealTitle];
  await commitUpdate(trx, scope, { kind: lead, id, name: current.title, updated, changes, action: 'converted' });
  if (current.lead_status_id !== target.id) await statusChanged(trx, scope, id, current.lead_status_id, target.id, now);
  return { customerId, customerCreated: !existing, companyId, dealId };
}
