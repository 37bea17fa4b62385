import type { Kysely, Transaction } from 'kysely';
import type { Contact, Database } from '../../db/schema.js';
import { assertCanEdit, type Scope } from '../../lib/access.js';
import { ConflictError, NotFoundError, ValidationError, type FieldErrors } from '../../lib/errors.js';
import { nowIso } from '../../lib/time.js';
import { changedFields, record } from '../timeline/timeline.queries.js';
import { registerTimelineFields } from '../timeline/timeline.fields.js';
import { isAssignable } from '../users/users.queries.js';
import { findCompanyRow } from '../companies/companies.queries.js';
import { deleteNotesOf } from '../notes/notes.queries.js';
import * as q from './contacts.queries.js';
import type { ContactInput } from './contacts.schemas.js';

export const CONTACT_FIELDS = ['first_name', 'last_name', 'position', 'email', 'phone', 'company_id', 'assigned_to'] as const;

registerTimelineFields('contact', 'contact', {
  first_name: { label: 'First name' },
  last_name: { label: 'Last name' },
  position: { label: 'Position' },
  email: { label: 'Email' },
  phone: { label: 'Phone' },
  company_id: { label: 'Company', ref: 'companies' },
  assigned_to: { label: 'Assigned to', ref: 'users' },
});

type DB = Kysely<Database>;
type Trx = Transaction<Database>;

async function validate(trx: Trx, input: ContactInput, current: Contact | null, values: Record<string, unknown>): Promise<void> {
  const errors: FieldErrors = {};
  if (input.company_id && input.company_id !== current?.company_id && !(await findCompanyRow(trx, input.company_id))) errors.company_id = 'Choose a company from the list.';
  if (input.assigned_to && !(await isAssignable(trx, input.assigned_to, current?.assigned_to))) errors.assigned_to = 'Choose an active user.';
  if (Object.keys(errors).length) throw new ValidationError(errors, values);
}

const valuesOf = ({ version: _v, ...rest }: ContactInput) => rest;

export async function createContact(db: DB, scope: Scope, input: ContactInput, values: Record<string, unknown>): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await validate(trx, input, null, values);
    const data = valuesOf(input);
    const id = await q.insertContact(trx, data, nowIso());
    await record(trx, { entityType: 'contact', entityId: id, action: 'created', userId: scope.viewer.id, changes: changedFields(null, data, CONTACT_FIELDS) });
    return id;
  });
}

async function loadEditable(trx: Trx, scope: Scope, id: number): Promise<Contact> {
  if (!(await q.findContact(trx, scope, id))) throw new NotFoundError();
  const contact = (await q.findContactRow(trx, id))!;
  assertCanEdit(scope.viewer, contact.assigned_to, 'contact');
  return contact;
}

export async function updateContactFromForm(db: DB, scope: Scope, id: number, input: ContactInput, values: Record<string, unknown>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const current = await loadEditable(trx, scope, id);
    await validate(trx, input, current, values);
    const data = valuesOf(input);
    const changes = changedFields(current, data, CONTACT_FIELDS);
    if (!(await q.updateContact(trx, id, input.version ?? null, data, nowIso()))) {
      throw new ConflictError(`${q.contactName(current)} was changed by someone else while you were editing. Reload to see their changes, then edit again.`);
    }
    if (Object.keys(changes).length) await record(trx, { entityType: 'contact', entityId: id, action: 'updated', userId: scope.viewer.id, changes });
  });
}

export async function deleteContactChecked(db: DB, scope: Scope, id: number): Promise<Contact> {
  return db.transaction().execute(async (trx) => {
    const current = await loadEditable(trx, scope, id);
    await deleteNotesOf(trx, 'contact', id);
    await q.deleteContact(trx, id);
    await record(trx, { entityType: 'contact', entityId: id, action: 'deleted', userId: scope.viewer.id, changes: { name: [q.contactName(current), null] } });
    if (current.company_id) {
      await record(trx, { entityType: 'company', entityId: current.company_id, action: 'related_deleted', userId: scope.viewer.id, changes: { contact: [q.contactName(current), null] } });
    }
    return current;
  });
}
