import type { Contact } from '../../db/schema.js';
import type { Scope } from '../../lib/access.js';
import { company, contact } from '../../lib/entities.js';
import { ValidationError, type FieldErrors } from '../../lib/errors.js';
import { nowIso } from '../../lib/time.js';
import { commitUpdate, loadEditable, recordCreatedMany, removeRecord, type Trx } from '../../lib/writes.js';
import { changedFields } from '../timeline/timeline.queries.js';
import { isAssignable } from '../users/users.queries.js';
import { linkable } from '../../lib/links.js';
import * as q from './contacts.queries.js';
import type { ContactInput } from './contacts.schemas.js';

/** Contact writes: each takes the caller's transaction (see lib/writes). */
export const CONTACT_FIELDS = q.CONTACT_COLUMNS;

async function validate(trx: Trx, scope: Scope, input: ContactInput, current: Contact | null, values: Record<string, unknown>): Promise<void> {
  const errors: FieldErrors = {};
  if (!(await linkable(trx, scope, company, input.company_id, current?.company_id))) errors.company_id = 'Choose a company from the list.';
  if (input.assigned_to && !(await isAssignable(trx, input.assigned_to, current?.assigned_to))) errors.assigned_to = 'Choose an active user.';
  if (Object.keys(errors).length) throw new ValidationError(errors, values);
}

const valuesOf = ({ version: _v, ...rest }: ContactInput) => rest;

export async function createContact(trx: Trx, scope: Scope, input: ContactInput, values: Record<string, unknown>): Promise<number> {
  const [made] = await createContacts(trx, scope, [{ input, values }]);
  if (made instanceof ValidationError) throw made;
  return made;
}

/**
 * Many contacts at once (an import batch), each checked as the form checks it: the new id, or
 * why it was refused (then nothing of it is written). The valid ones go in with multi-row
 * INSERTs, their audit entries too — the form's single create is this with one.
 */
/** `from`: the file an import read them from, named in each one's "created" entry (its timeline says "imported … from a file"). */
export async function createContacts(trx: Trx, scope: Scope, items: readonly { input: ContactInput; values: Record<string, unknown> }[], from?: { file: string }): Promise<(number | ValidationError)[]> {
  const out: (number | ValidationError)[] = [];
  const ok: { at: number; data: ReturnType<typeof valuesOf> }[] = [];
  for (const [at, { input, values }] of items.entries()) {
    try {
      await validate(trx, scope, input, null, values);
      ok.push({ at, data: valuesOf(input) });
      out.push(0);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      out.push(e);
    }
  }
  const ids = await q.insertContacts(trx, ok.map((o) => o.data), nowIso());
  ok.forEach((o, k) => (out[o.at] = ids[k]));
  await recordCreatedMany(trx, scope, contact, ok.map((o, k) => ({ id: ids[k], changes: from ? { ...changedFields(null, o.data, CONTACT_FIELDS), file: [null, from.file] } : changedFields(null, o.data, CONTACT_FIELDS) })));
  return out;
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
