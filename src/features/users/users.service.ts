import type { Role, User } from '../../db/schema.js';
import type { Viewer } from '../../types.js';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { nowIso } from '../../lib/time.js';
import { staleMessage, type Trx } from '../../lib/writes.js';
import { changedFields, record } from '../timeline/timeline.queries.js';
import * as q from './users.queries.js';
import { hashPassword } from '../../lib/password.js';
import { LAST_ADMIN_MESSAGE, wouldRemoveLastAdmin } from './users.rules.js';

/**
 * User writes take the caller's transaction. Passwords arrive hashed: hashing takes tens of
 * milliseconds and must not hold the database connection a transaction owns.
 */
/** A new user's fields with the password hashed, ready for createUser. */
export async function withPasswordHash<T extends { password: string }>(input: T): Promise<Omit<T, 'password'> & { password_hash: string }> {
  const { password, ...rest } = input;
  return { ...rest, password_hash: await hashPassword(password) };
}

const EMAIL_TAKEN = 'Another user already has this email.';

export async function createUser(
  trx: Trx,
  actorId: number | null,
  input: { name: string; email: string; password_hash: string; role: Role },
  values: Record<string, unknown> = input,
): Promise<number> {
  if (await q.emailTaken(trx, input.email)) throw new ValidationError({ email: EMAIL_TAKEN }, values);
  const now = nowIso();
  const id = await q.insertUser(trx, { name: input.name, email: input.email, role: input.role, password_hash: input.password_hash, created_at: now, updated_at: now });
  await record(trx, {
    entityType: 'user',
    entityId: id,
    action: 'created',
    userId: actorId ?? id,
    changes: changedFields(null, { name: input.name, email: input.email, role: input.role }, ['name', 'email', 'role']),
  });
  return id;
}

async function loadUser(db: Parameters<typeof q.findUserById>[0], id: number): Promise<User> {
  const user = await q.findUserById(db, id);
  if (!user) throw new NotFoundError();
  return user;
}

export async function updateUserByAdmin(
  trx: Trx,
  actor: Viewer,
  id: number,
  input: { name: string; email: string; role: Role; version: number },
  values: Record<string, unknown>,
): Promise<void> {
  const user = await loadUser(trx, id);
  if (await q.emailTaken(trx, input.email, id)) throw new ValidationError({ email: EMAIL_TAKEN }, values);
  if (wouldRemoveLastAdmin(user, { role: input.role }, await q.countActiveAdmins(trx))) throw new ConflictError(LAST_ADMIN_MESSAGE);
  const after = { name: input.name, email: input.email, role: input.role };
  const changes = changedFields(user, after, ['name', 'email', 'role']);
  if (!(await q.updateUser(trx, id, input.version, { ...after, updated_at: nowIso() }))) {
    throw new ConflictError(staleMessage(user.name));
  }
  await record(trx, { entityType: 'user', entityId: id, action: 'updated', userId: actor.id, changes });
}

export async function setUserActive(trx: Trx, actor: Viewer, id: number, active: boolean): Promise<User> {
  const user = await loadUser(trx, id);
  const is_active = active ? 1 : 0;
  if (user.is_active === is_active) return user;
  if (wouldRemoveLastAdmin(user, { is_active }, await q.countActiveAdmins(trx))) throw new ConflictError(LAST_ADMIN_MESSAGE);
  if (!active && id === actor.id) throw new ConflictError('You cannot deactivate yourself. Ask another admin to do it.');
  await q.updateUser(trx, id, null, { is_active, updated_at: nowIso() });
  // A deactivated user is signed out everywhere at once.
  if (!active) await q.deleteSessionsOfUser(trx, id);
  await record(trx, {
    entityType: 'user',
    entityId: id,
    action: active ? 'reactivated' : 'deactivated',
    userId: actor.id,
    changes: { is_active: [user.is_active, is_active] },
  });
  return user;
}

export async function resetUserPassword(trx: Trx, actor: Viewer, id: number, password_hash: string): Promise<User> {
  const user = await loadUser(trx, id);
  await q.updateUser(trx, id, null, { password_hash, updated_at: nowIso() });
  await q.deleteSessionsOfUser(trx, id, id === actor.id ? actor.sessionId : undefined);
  await record(trx, { entityType: 'user', entityId: id, action: 'password_reset', userId: actor.id });
  return user;
}

export async function updateProfile(trx: Trx, actor: Viewer, input: { name: string; time_zone: string | null }): Promise<void> {
  const user = await loadUser(trx, actor.id);
  const changes = changedFields(user, input, ['name', 'time_zone']);
  await q.updateUser(trx, actor.id, null, { ...input, updated_at: nowIso() });
  await record(trx, { entityType: 'user', entityId: actor.id, action: 'updated', userId: actor.id, changes });
}

export const PAGE_SIZES = [25, 50, 100] as const;

/** The viewer's rows per list page, kept on their user (a preference, audited like any change). */
export async function setListPageSize(trx: Trx, actor: Viewer, size: number): Promise<void> {
  const user = await loadUser(trx, actor.id);
  if (user.list_page_size === size) return;
  await q.updateUser(trx, actor.id, null, { list_page_size: size, updated_at: nowIso() });
  await record(trx, { entityType: 'user', entityId: actor.id, action: 'updated', userId: actor.id, changes: { list_page_size: [user.list_page_size, size] } });
}

export async function changeOwnPassword(trx: Trx, actor: Viewer, password_hash: string): Promise<void> {
  await q.updateUser(trx, actor.id, null, { password_hash, updated_at: nowIso() });
  // Other devices are signed out; this one stays.
  await q.deleteSessionsOfUser(trx, actor.id, actor.sessionId);
  await record(trx, { entityType: 'user', entityId: actor.id, action: 'password_changed', userId: actor.id });
}
