import type { Customer } from '../../db/schema.js';
import type { Scope } from '../../lib/access.js';
import { company, customer } from '../../lib/entities.js';
import { ConflictError, ValidationError, type FieldErrors } from '../../lib/errors.js';
import { linkable } from '../../lib/links.js';
import { nowIso } from '../../lib/time.js';
import { commitUpdate, loadEditable, recordCreated, removeRecord, type Trx } from '../../lib/writes.js';
import { changedFields } from '../timeline/timeline.queries.js';
import { isAssignable } from '../users/users.queries.js';
import { findCustomerGroup } from '../customer-groups/customer-groups.queries.js';
import { countDealsWhere } from '../deals/deals.queries.js';
import { deleteRefusal } from '../companies/companies.rules.js';
import * as q from './customers.queries.js';
import type { CustomerInput } from './customers.schemas.js';

/** Customer writes: each takes the caller's transaction (see lib/writes). */
export const CUSTOMER_FIELDS = ['name', 'email', 'phone', 'company_id', 'customer_group_id', 'assigned_to'] as const;

async function validate(trx: Trx, scope: Scope, input: CustomerInput, current: Customer | null, values: Record<string, unknown>): Promise<void> {
  const errors: FieldErrors = {};
  if (input.email && (await q.customerEmailTaken(trx, input.email, current?.id))) errors.email = 'Another customer already uses this email.';
  if (!(await linkable(trx, scope, company, input.company_id, current?.company_id))) errors.company_id = 'Choose a company from the list.';
  if (input.customer_group_id && input.customer_group_id !== current?.customer_group_id) {
    const group = await findCustomerGroup(trx, input.customer_group_id);
    if (!group || !group.is_active) errors.customer_group_id = 'Choose an active customer group.';
  }
  if (input.assigned_to && !(await isAssignable(trx, input.assigned_to, current?.assigned_to))) errors.assigned_to = 'Choose an active user.';
  if (Object.keys(errors).length) throw new ValidationError(errors, values);
}

const valuesOf = ({ version: _v, ...rest }: CustomerInput) => rest;

export async function createCustomer(trx: Trx, scope: Scope, input: CustomerInput, values: Record<string, unknown>): Promise<number> {
  await validate(trx, scope, input, null, values);
  const data = valuesOf(input);
  const id = await q.insertCustomer(trx, data, nowIso());
  await recordCreated(trx, scope, customer, id, changedFields(null, data, CUSTOMER_FIELDS));
  return id;
}

export async function updateCustomerFromForm(trx: Trx, scope: Scope, id: number, input: CustomerInput, values: Record<string, unknown>): Promise<void> {
  const current = await loadEditable(trx, scope, customer, id);
  await validate(trx, scope, input, current, values);
  const data = valuesOf(input);
  const updated = await q.updateCustomer(trx, id, input.version ?? null, data, nowIso());
  await commitUpdate(trx, scope, { kind: customer, id, name: current.name, updated, changes: changedFields(current, data, CUSTOMER_FIELDS) });
}

export async function deleteCustomerChecked(trx: Trx, scope: Scope, id: number): Promise<Customer> {
  const current = await loadEditable(trx, scope, customer, id);
  const refusal = deleteRefusal(current.name, [{ noun: 'deal', count: await countDealsWhere(trx, 'customer_id', id) }]);
  if (refusal) throw new ConflictError(refusal);
  await removeRecord(trx, scope, customer, current, { related: [[company, current.company_id]] });
  return current;
}
