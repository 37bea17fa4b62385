import type { Contact } from '../../db/schema.js';
import type { Scope } from '../../lib/access.js';
import { company, contact } from '../../lib/entities.js';
import { ValidationError, type FieldErrors } from '../../lib/errors.js';
import { nowIso } from '../../lib/time.js';
import { commitUpdate, loadEditable, recordCreated, removeRecord, type Trx } from '../../lib/writes.js';
import { changedFields } from '../timeline/timeline.queries.js';
import { isAssignable } from '../users/users.queries.js';
import { linkable } from '../../lib/links.js';
import * as q from './contacts.queries.js';
import type { ContactInput } from './contacts.schemas.js';

/** Contact writes: each takes the caller's transaction (see lib/writes). */
export const CONTACT_FIELDS = ['first_name', 'last_name', 'position', 'email', 'phone', 'company_id', 'assigned_to'] as const;

async function validate(trx: Trx, scope: Scope, input: ContactInput, current: Contact | null, values: Record<string, unknown>): Promise<void> {
  const errors: FieldErrors = {};
  if (!(await linkable(trx, scope, company, input.company_id, current?.company_id))) errors.company_id = 'Choose a company from the list.';
  if (input.assigned_to && !(await isAssignable(trx, input.assigned_to, current?.assigned_to))) errors.assigned_to = 'Choose an active user.';
  if (Object.keys(errors).length) throw new ValidationError(errors, values);
}

const valuesOf = ({ version: _v, ...rest }: ContactInput) => rest;

export async function createContact(trx: Trx, scope: Scope, input: ContactInput, values: Record<string, unknown>): Promise<number> {
  await validate(trx, scope, input, null, values);
  const data = valuesOf(input);
  const id = await q.insertContact(trx, data, nowIso());
  await recordCreated(trx, scope, contact, id, changedFields(null, data, CONTACT_FIELDS));
  return id;
}

export async function updateContactFromForm(trx: Trx, scope: Scope, id: number, input: ContactInput, values: Record<string, unknown>): Promise<void> {
  const current = await loadEditable(trx, scope, contact, id);
  await validate(trx, scope, input, current, values);
  const data = valuesOf(input);
  const updated = await q.updateContact(trx, id, input.version ?? null, data, nowIso());
  await commitUpdate(trx, scope, { kind: contact, id, name: contact.nameOf(current), updated, changes: changedFields(current, data, CONTACT_FIELDS) });
}

export async function deleteContactChecked(trx: Trx, scope: Scope, id: number): Promise<Contact> {
  const current = await loadEditable(trx, scope, contact, id);
  await removeRecord(trx, scope, contact, current, { related: [[company, current.company_id]] });
  return current;
}
