import type { Kysely } from 'kysely';
import type { Database, Role, User } from '../../db/schema.js';
import type { Viewer } from '../../types.js';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { hashPassword } from '../../lib/password.js';
import { nowIso } from '../../lib/time.js';
import { changedFields, record } from '../timeline/timeline.queries.js';
import { registerTimelineFields } from '../timeline/timeline.fields.js';
import * as q from './users.queries.js';
import { LAST_ADMIN_MESSAGE, wouldRemoveLastAdmin } from './users.rules.js';

registerTimelineFields('user', 'user', {
  name: { label: 'Name' },
  email: { label: 'Email' },
  role: { label: 'Role' },
  is_active: { label: 'Active', kind: 'bool' },
  time_zone: { label: 'Time zone' },
});

type DB = Kysely<Database>;
const EMAIL_TAKEN = 'Another user already has this email.';

export async function createUser(
  db: DB,
  actorId: number | null,
  input: { name: string; email: string; password: string; role: Role },
  values: Record<string, unknown> = input,
): Promise<number> {
  const password_hash = await hashPassword(input.password);
  return db.transaction().execute(async (trx) => {
    if (await q.emailTaken(trx, input.email)) throw new ValidationError({ email: EMAIL_TAKEN }, values);
    const now = nowIso();
    const id = await q.insertUser(trx, { name: input.name, email: input.email, role: input.role, password_hash, created_at: now, updated_at: now });
    await record(trx, {
      entityType: 'user',
      entityId: id,
      action: 'created',
      userId: actorId ?? id,
      changes: changedFields(null, { name: input.name, email: input.email, role: input.role }, ['name', 'email', 'role']),
    });
    return id;
  });
}

async function loadUser(db: DB | Parameters<typeof q.findUserById>[0], id: number): Promise<User> {
  const user = await q.findUserById(db, id);
  if (!user) throw new NotFoundError();
  return user;
}

export async function updateUserByAdmin(
  db: DB,
  actor: Viewer,
  id: number,
  input: { name: string; email: string; role: Role; version: number },
  values: Record<string, unknown>,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const user = await loadUser(trx, id);
    if (await q.emailTaken(trx, input.email, id)) throw new ValidationError({ email: EMAIL_TAKEN }, values);
    if (wouldRemoveLastAdmin(user, { role: input.role }, await q.countActiveAdmins(trx))) throw new ConflictError(LAST_ADMIN_MESSAGE);
    const after = { name: input.name, email: input.email, role: input.role };
    const changes = changedFields(user, after, ['name', 'email', 'role']);
    if (!(await q.updateUser(trx, id, input.version, { ...after, updated_at: nowIso() }))) {
      throw new ConflictError(`${user.name} was changed by someone else while you were editing. Reload the page to see their changes, then edit again.`);
    }
    await record(trx, { entityType: 'user', entityId: id, action: 'updated', userId: actor.id, changes });
  });
}

export async function setUserActive(db: DB, actor: Viewer, id: number, active: boolean): Promise<User> {
  return db.transaction().execute(async (trx) => {
    const user = await loadUser(trx, id);
    const is_active = active ? 1 : 0;
    if (user.is_active === is_active) return user;
    if (wouldRemoveLastAdmin(user, { is_active }, await q.countActiveAdmins(trx))) throw new ConflictError(LAST_ADMIN_MESSAGE);
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
  });
}

export async function resetUserPassword(db: DB, actor: Viewer, id: number, password: string): Promise<User> {
  const password_hash = await hashPassword(password);
  return db.transaction().execute(async (trx) => {
    const user = await loadUser(trx, id);
    await q.updateUser(trx, id, null, { password_hash, updated_at: nowIso() });
    await q.deleteSessionsOfUser(trx, id, id === actor.id ? actor.sessionId : undefined);
    await record(trx, { entityType: 'user', entityId: id, action: 'password_reset', userId: actor.id });
    return user;
  });
}

export async function updateProfile(db: DB, actor: Viewer, input: { name: string; time_zone: string | null }): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const user = await loadUser(trx, actor.id);
    const changes = changedFields(user, input, ['name', 'time_zone']);
    await q.updateUser(trx, actor.id, null, { ...input, updated_at: nowIso() });
    await record(trx, { entityType: 'user', entityId: actor.id, action: 'updated', userId: actor.id, changes });
  });
}

export async function changeOwnPassword(db: DB, actor: Viewer, password: string): Promise<void> {
  const password_hash = await hashPassword(password);
  await db.transaction().execute(async (trx) => {
    await q.updateUser(trx, actor.id, null, { password_hash, updated_at: nowIso() });
    // Other devices are signed out; this one stays.
    await q.deleteSessionsOfUser(trx, actor.id, actor.sessionId);
    await record(trx, { entityType: 'user', entityId: actor.id, action: 'password_changed', userId: actor.id });
  });
}
