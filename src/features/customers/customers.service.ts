import type { Kysely, Transaction } from 'kysely';
import type { Customer, Database } from '../../db/schema.js';
import { assertCanEdit, type Scope } from '../../lib/access.js';
import { ConflictError, NotFoundError, ValidationError, type FieldErrors } from '../../lib/errors.js';
import { nowIso } from '../../lib/time.js';
import { changedFields, record } from '../timeline/timeline.queries.js';
import { registerTimelineFields } from '../timeline/timeline.fields.js';
import { isAssignable } from '../users/users.queries.js';
import { findCompanyRow } from '../companies/companies.queries.js';
import { findCustomerGroup } from '../customer-groups/customer-groups.queries.js';
import { deleteNotesOf } from '../notes/notes.queries.js';
import { countDealsWhere } from '../deals/deals.queries.js';
import { deleteRefusal } from '../companies/companies.rules.js';
import * as q from './customers.queries.js';
import type { CustomerInput } from './customers.schemas.js';

export const CUSTOMER_FIELDS = ['name', 'email', 'phone', 'company_id', 'customer_group_id', 'assigned_to'] as const;

registerTimelineFields('customer', 'customer', {
  name: { label: 'Name' },
  email: { label: 'Email' },
  phone: { label: 'Phone' },
  company_id: { label: 'Company', ref: 'companies' },
  customer_group_id: { label: 'Customer group', ref: 'customer_groups' },
  assigned_to: { label: 'Assigned to', ref: 'users' },
  deal: { label: 'Deal' },
});

type DB = Kysely<Database>;
type Trx = Transaction<Database>;

async function validate(trx: Trx, input: CustomerInput, current: Customer | null, values: Record<string, unknown>): Promise<void> {
  const errors: FieldErrors = {};
  if (input.email && (await q.customerEmailTaken(trx, input.email, current?.id))) errors.email = 'Another customer already uses this email.';
  if (input.company_id && input.company_id !== current?.company_id && !(await findCompanyRow(trx, input.company_id))) errors.company_id = 'Choose a company from the list.';
  if (input.customer_group_id && input.customer_group_id !== current?.customer_group_id) {
    const group = await findCustomerGroup(trx, input.customer_group_id);
    if (!group || !group.is_active) errors.customer_group_id = 'Choose an active customer group.';
  }
  if (input.assigned_to && !(await isAssignable(trx, input.assigned_to, current?.assigned_to))) errors.assigned_to = 'Choose an active user.';
  if (Object.keys(errors).length) throw new ValidationError(errors, values);
}

const valuesOf = ({ version: _v, ...rest }: CustomerInput) => rest;

export async function createCustomer(db: DB, scope: Scope, input: CustomerInput, values: Record<string, unknown>): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await validate(trx, input, null, values);
    const data = valuesOf(input);
    const id = await q.insertCustomer(trx, data, nowIso());
    await record(trx, { entityType: 'customer', entityId: id, action: 'created', userId: scope.viewer.id, changes: changedFields(null, data, CUSTOMER_FIELDS) });
    return id;
  });
}

async function loadEditable(trx: Trx, scope: Scope, id: number): Promise<Customer> {
  if (!(await q.findCustomer(trx, scope, id))) throw new NotFoundError();
  const customer = (await q.findCustomerRow(trx, id))!;
  assertCanEdit(scope.viewer, customer.assigned_to, 'customer');
  return customer;
}

export async function updateCustomerFromForm(db: DB, scope: Scope, id: number, input: CustomerInput, values: Record<string, unknown>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const current = await loadEditable(trx, scope, id);
    await validate(trx, input, current, values);
    const data = valuesOf(input);
    const changes = changedFields(current, data, CUSTOMER_FIELDS);
    if (!(await q.updateCustomer(trx, id, input.version ?? null, data, nowIso()))) {
      throw new ConflictError(`${current.name} was changed by someone else while you were editing. Reload to see their changes, then edit again.`);
    }
    if (Object.keys(changes).length) await record(trx, { entityType: 'customer', entityId: id, action: 'updated', userId: scope.viewer.id, changes });
  });
}

export async function deleteCustomerChecked(db: DB, scope: Scope, id: number): Promise<Customer> {
  return db.transaction().execute(async (trx) => {
    const current = await loadEditable(trx, scope, id);
    const refusal = deleteRefusal(current.name, [{ noun: 'deal', count: await countDealsWhere(trx, 'customer_id', id) }]);
    if (refusal) throw new ConflictError(refusal);
    await deleteNotesOf(trx, 'customer', id);
    await q.deleteCustomer(trx, id);
    await record(trx, { entityType: 'customer', entityId: id, action: 'deleted', userId: scope.viewer.id, changes: { name: [current.name, null] } });
    if (current.company_id) {
      await record(trx, { entityType: 'company', entityId: current.company_id, action: 'related_deleted', userId: scope.viewer.id, changes: { customer: [current.name, null] } });
    }
    return current;
  });
}
