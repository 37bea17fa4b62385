import type { Kysely, Transaction } from 'kysely';
import type { Company, Database } from '../../db/schema.js';
import { assertCanEdit, type Scope } from '../../lib/access.js';
import { ConflictError, NotFoundError, ValidationError, type FieldErrors } from '../../lib/errors.js';
import { nowIso } from '../../lib/time.js';
import { changedFields, record } from '../timeline/timeline.queries.js';
import { registerTimelineFields } from '../timeline/timeline.fields.js';
import { isSelectable } from '../directories/directories.queries.js';
import { isAssignable } from '../users/users.queries.js';
import { deleteNotesOf } from '../notes/notes.queries.js';
import * as q from './companies.queries.js';
import { deleteRefusal } from './companies.rules.js';
import type { CompanyInput } from './companies.schemas.js';

export const COMPANY_FIELDS = [
  'name', 'website', 'phone', 'email', 'street', 'city', 'state', 'postal_code', 'country',
  'industry_id', 'size_id', 'description', 'assigned_to', 'is_active',
] as const;

registerTimelineFields('company', 'company', {
  name: { label: 'Name' },
  website: { label: 'Website' },
  phone: { label: 'Phone' },
  email: { label: 'Email' },
  street: { label: 'Street' },
  city: { label: 'City' },
  state: { label: 'State' },
  postal_code: { label: 'Postal code' },
  country: { label: 'Country' },
  industry_id: { label: 'Industry', ref: 'industries' },
  size_id: { label: 'Size', ref: 'company_sizes' },
  description: { label: 'Description' },
  assigned_to: { label: 'Assigned to', ref: 'users' },
  is_active: { label: 'Active', kind: 'bool' },
  contact: { label: 'Contact' },
  customer: { label: 'Customer' },
  deal: { label: 'Deal' },
});

type DB = Kysely<Database>;
type Trx = Transaction<Database>;

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

export async function createCompany(db: DB, scope: Scope, input: CompanyInput, values: Record<string, unknown>): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await validate(trx, input, null, values);
    const data = valuesOf(input);
    const id = await q.insertCompany(trx, data, nowIso());
    await record(trx, { entityType: 'company', entityId: id, action: 'created', userId: scope.viewer.id, changes: changedFields(null, data, COMPANY_FIELDS) });
    return id;
  });
}

async function loadEditable(trx: Trx, scope: Scope, id: number): Promise<Company> {
  if (!(await q.findCompany(trx, scope, id))) throw new NotFoundError();
  const company = (await q.findCompanyRow(trx, id))!;
  assertCanEdit(scope.viewer, company.assigned_to, 'company');
  return company;
}

const STALE = (name: string) => `${name} was changed by someone else while you were editing. Reload to see their changes, then edit again.`;

export async function updateCompanyFromForm(db: DB, scope: Scope, id: number, input: CompanyInput, values: Record<string, unknown>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const current = await loadEditable(trx, scope, id);
    await validate(trx, input, current, values);
    const data = valuesOf(input);
    const changes = changedFields(current, data, COMPANY_FIELDS);
    if (!(await q.updateCompany(trx, id, input.version ?? null, data, nowIso()))) throw new ConflictError(STALE(current.name));
    if (Object.keys(changes).length) await record(trx, { entityType: 'company', entityId: id, action: 'updated', userId: scope.viewer.id, changes });
  });
}

export async function toggleCompanyActive(db: DB, scope: Scope, id: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const current = await loadEditable(trx, scope, id);
    const is_active = current.is_active ? 0 : 1;
    await q.updateCompany(trx, id, null, { is_active }, nowIso());
    await record(trx, { entityType: 'company', entityId: id, action: 'updated', userId: scope.viewer.id, changes: { is_active: [current.is_active, is_active] } });
  });
}

export async function deleteCompanyChecked(db: DB, scope: Scope, id: number): Promise<Company> {
  return db.transaction().execute(async (trx) => {
    const current = await loadEditable(trx, scope, id);
    const refusal = deleteRefusal(current.name, await q.companyDependents(trx, id));
    if (refusal) throw new ConflictError(refusal);
    await deleteNotesOf(trx, 'company', id);
    await q.deleteCompany(trx, id);
    await record(trx, { entityType: 'company', entityId: id, action: 'deleted', userId: scope.viewer.id, changes: { name: [current.name, null] } });
    return current;
  });
}
