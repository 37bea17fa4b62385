import type { Kysely, Transaction } from 'kysely';
import type { CustomerGroup, Database } from '../../db/schema.js';
import type { Viewer } from '../../types.js';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { nowIso } from '../../lib/time.js';
import { changedFields, record } from '../timeline/timeline.queries.js';
import { registerTimelineFields } from '../timeline/timeline.fields.js';
import { deleteNotesOf } from '../notes/notes.queries.js';
import { deleteRefusal } from '../companies/companies.rules.js';
import * as q from './customer-groups.queries.js';
import type { CustomerGroupInput } from './customer-groups.schemas.js';

export const GROUP_FIELDS = ['name', 'code', 'description', 'discount_percent', 'priority', 'is_active'] as const;

registerTimelineFields('customer_group', 'customer group', {
  name: { label: 'Name' },
  code: { label: 'Code' },
  description: { label: 'Description' },
  discount_percent: { label: 'Discount', kind: 'percent' },
  priority: { label: 'Priority' },
  is_active: { label: 'Active', kind: 'bool' },
});

type DB = Kysely<Database>;
type Trx = Transaction<Database>;

async function validate(trx: Trx, input: CustomerGroupInput, current: CustomerGroup | null, values: Record<string, unknown>): Promise<void> {
  if (await q.groupCodeTaken(trx, input.code, current?.id)) throw new ValidationError({ code: 'Another group already uses this code.' }, values);
}

const valuesOf = ({ version: _v, ...rest }: CustomerGroupInput) => rest;

export async function createCustomerGroup(db: DB, viewer: Viewer, input: CustomerGroupInput, values: Record<string, unknown>): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await validate(trx, input, null, values);
    const data = valuesOf(input);
    const id = await q.insertCustomerGroup(trx, data, nowIso());
    await record(trx, { entityType: 'customer_group', entityId: id, action: 'created', userId: viewer.id, changes: changedFields(null, data, GROUP_FIELDS) });
    return id;
  });
}

async function load(trx: Trx, id: number): Promise<CustomerGroup> {
  const group = await q.findCustomerGroup(trx, id);
  if (!group) throw new NotFoundError();
  return group;
}

export async function updateCustomerGroupFromForm(db: DB, viewer: Viewer, id: number, input: CustomerGroupInput, values: Record<string, unknown>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const current = await load(trx, id);
    await validate(trx, input, current, values);
    const data = valuesOf(input);
    const changes = changedFields(current, data, GROUP_FIELDS);
    if (!(await q.updateCustomerGroup(trx, id, input.version ?? null, data, nowIso()))) {
      throw new ConflictError(`${current.name} was changed by someone else while you were editing. Reload to see their changes, then edit again.`);
    }
    if (Object.keys(changes).length) await record(trx, { entityType: 'customer_group', entityId: id, action: 'updated', userId: viewer.id, changes });
  });
}

export async function deleteCustomerGroupChecked(db: DB, viewer: Viewer, id: number): Promise<CustomerGroup> {
  return db.transaction().execute(async (trx) => {
    const current = await load(trx, id);
    const refusal = deleteRefusal(current.name, [{ noun: 'customer', count: await q.countCustomersInGroup(trx, id) }]);
    if (refusal) throw new ConflictError(refusal.replace('Reassign or remove', 'Move or remove'));
    await deleteNotesOf(trx, 'customer_group', id);
    await q.deleteCustomerGroup(trx, id);
    await record(trx, { entityType: 'customer_group', entityId: id, action: 'deleted', userId: viewer.id, changes: { name: [current.name, null] } });
    return current;
  });
}
