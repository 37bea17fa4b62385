import type { CustomerGroup } from '../../db/schema.js';
import type { Scope } from '../../lib/access.js';
import { customerGroup } from '../../lib/entities.js';
import { ConflictError, ValidationError } from '../../lib/errors.js';
import { nowIso } from '../../lib/time.js';
import { commitUpdate, loadEditable, recordCreated, removeRecord, type Trx } from '../../lib/writes.js';
import { changedFields } from '../timeline/timeline.queries.js';
import { deleteRefusal } from '../companies/companies.rules.js';
import * as q from './customer-groups.queries.js';
import type { CustomerGroupInput } from './customer-groups.schemas.js';

/** Customer group writes: each takes the caller's transaction (see lib/writes). */
export const GROUP_FIELDS = ['name', 'code', 'description', 'discount_percent', 'priority', 'is_active'] as const;

async function validate(trx: Trx, input: CustomerGroupInput, current: CustomerGroup | null, values: Record<string, unknown>): Promise<void> {
  if (await q.groupCodeTaken(trx, input.code, current?.id)) throw new ValidationError({ code: 'Another group already uses this code.' }, values);
}

const valuesOf = ({ version: _v, ...rest }: CustomerGroupInput) => rest;

export async function createCustomerGroup(trx: Trx, scope: Scope, input: CustomerGroupInput, values: Record<string, unknown>): Promise<number> {
  await validate(trx, input, null, values);
  const data = valuesOf(input);
  const id = await q.insertCustomerGroup(trx, data, nowIso());
  await recordCreated(trx, scope, customerGroup, id, changedFields(null, data, GROUP_FIELDS));
  return id;
}

export async function updateCustomerGroupFromForm(trx: Trx, scope: Scope, id: number, input: CustomerGroupInput, values: Record<string, unknown>): Promise<void> {
  const current = await loadEditable(trx, scope, customerGroup, id);
  await validate(trx, input, current, values);
  const data = valuesOf(input);
  const updated = await q.updateCustomerGroup(trx, id, input.version ?? null, data, nowIso());
  await commitUpdate(trx, scope, { kind: customerGroup, id, name: current.name, updated, changes: changedFields(current, data, GROUP_FIELDS) });
}

export async function deleteCustomerGroupChecked(trx: Trx, scope: Scope, id: number): Promise<CustomerGroup> {
  const current = await loadEditable(trx, scope, customerGroup, id);
  const refusal = deleteRefusal(current.name, [{ noun: 'customer', count: await q.countCustomersInGroup(trx, id) }]);
  if (refusal) throw new ConflictError(refusal.replace('Reassign or remove', 'Move or remove'));
  await removeRecord(trx, scope, customerGroup, current);
  return current;
}
