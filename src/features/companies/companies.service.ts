import type { Company } from '../../db/schema.js';
import type { Scope } from '../../lib/access.js';
import { company } from '../../lib/entities.js';
import { ConflictError, ValidationError, type FieldErrors } from '../../lib/errors.js';
import { nowIso } from '../../lib/time.js';
import { commitUpdate, loadEditable, recordCreated, removeRecord, type Trx } from '../../lib/writes.js';
import { changedFields } from '../timeline/timeline.queries.js';
import { isSelectable } from '../directories/directories.queries.js';
import { isAssignable } from '../users/users.queries.js';
import * as q from './companies.queries.js';
import { deleteRefusal } from './companies.rules.js';
import type { CompanyInput } from './companies.schemas.js';

/** Company writes: each takes the caller's transaction (see lib/writes). */
export const COMPANY_FIELDS = [
  'name', 'website', 'phone', 'email', 'street', 'city', 'state', 'postal_code', 'country',
  'industry_id', 'size_id', 'description', 'assigned_to', 'is_active',
] as const;

async function validate(trx: Trx, input: CompanyInput, current: Company | null, values: Record<string, unknown>): Promise<void> {
  const errors: FieldErrors = {};
  if (input.email && (await q.companyEmailTaken(trx, input.email, current?.id))) errors.email = 'Another company already uses this email.';
  if (input.industry_id && !(await isSelectable(trx, 'industries', input.industry_id, current?.industry_id))) errors.industry_id = 'Choose an active industry.';
  if (input.size_id && !(await isSelectable(trx, 'company_sizes', input.size_id, current?.size_id))) errors.size_id = 'Choose an active company size.';
  if (input.assigned_to && !(await isAssignable(trx, input.assigned_to, current?.assigned_to))) errors.assigned_to = 'Choose an active user.';
  if (Object.keys(errors).length) throw new ValidationError(errors, values);
}

function valuesOf(input: CompanyInput) {
  const { version: _v, ...rest } = input;
  return rest;
}

export async function createCompany(trx: Trx, scope: Scope, input: CompanyInput, values: Record<string, unknown>): Promise<number> {
  await validate(trx, input, null, values);
  const data = valuesOf(input);
  const id = await q.insertCompany(trx, data, nowIso());
  await recordCreated(trx, scope, company, id, changedFields(null, data, COMPANY_FIELDS));
  return id;
}

export async function updateCompanyFromForm(trx: Trx, scope: Scope, id: number, input: CompanyInput, values: Record<string, unknown>): Promise<void> {
  const current = await loadEditable(trx, scope, company, id);
  await validate(trx, input, current, values);
  const data = valuesOf(input);
  const updated = await q.updateCompany(trx, id, input.version ?? null, data, nowIso());
  await commitUpdate(trx, scope, { kind: company, id, name: current.name, updated, changes: changedFields(current, data, COMPANY_FIELDS) });
}

export async function toggleCompanyActive(trx: Trx, scope: Scope, id: number): Promise<void> {
  const current = await loadEditable(trx, scope, company, id);
  const is_active = current.is_active ? 0 : 1;
  const updated = await q.updateCompany(trx, id, null, { is_active }, nowIso());
  await commitUpdate(trx, scope, { kind: company, id, name: current.name, updated, changes: { is_active: [current.is_active, is_active] } });
}

export async function deleteCompanyChecked(trx: Trx, scope: Scope, id: number): Promise<Company> {
  const current = await loadEditable(trx, scope, company, id);
  const refusal = deleteRefusal(current.name, await q.companyDependents(trx, id));
  if (refusal) throw new ConflictError(refusal);
  await removeRecord(trx, scope, company, current);
  return current;
}
