import { seenIn } from '../../lib/links.js';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, NewUser, User, UserUpdate } from '../../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

export async function countUsers(db: Executor): Promise<number> {
  const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function countActiveAdmins(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'admin')
    .where('is_active', '=', 1)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export function findUserById(db: Executor, id: number): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findUserByEmail(db: Executor, email: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where(sql`lower(email)`, '=', email.toLowerCase()).executeTakeFirst();
}

export async function emailTaken(db: Executor, email: string, exceptId?: number): Promise<boolean> {
  let q = db.selectFrom('users').select('id').where(sql`lower(email)`, '=', email.toLowerCase());
  if (exceptId) q = q.where('id', '!=', exceptId);
  return Boolean(await q.executeTakeFirst());
}

export function listUsers(db: Executor): Promise<User[]> {
  return db.selectFrom('users').selectAll().orderBy('is_active', 'desc').orderBy('name').execute();
}

/** Active users for "Assigned to" selects. */
export function listAssignableUsers(db: Executor): Promise<{ id: number; name: string }[]> {
  return db.selectFrom('users').select(['id', 'name']).where('is_active', '=', 1).orderBy('name').execute();
}

export async function insertUser(db: Executor, values: NewUser): Promise<number> {
  const row = await db.insertInto('users').values(values).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/** Updates only when the version still matches; returns false when someone else saved first. */
export async function updateUser(db: Executor, id: number, version: number | null, values: UserUpdate): Promise<boolean> {
  let q = db
    .updateTable('users')
    .set({ ...values, version: sql<number>`version + 1` })
    .where('id', '=', id);
  if (version !== null) q = q.where('version', '=', version);
  const res = await q.executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function deleteSessionsOfUser(db: Executor, userId: number, exceptSessionId?: string): Promise<void> {
  let q = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (exceptSessionId) q = q.where('id', '!=', exceptSessionId);
  await q.execute();
}

/** An assignee must be an active user — or the one already assigned, even if deactivated since. */
export async function isAssignable(db: Executor, id: number, currentId?: number | null): Promise<boolean> {
  if (seenIn(db)?.has(`active-user:${id}`)) return true;
  const row = await db.selectFrom('users').select(['id', 'is_active']).where('id', '=', id).executeTakeFirst();
  if (row?.is_active) seenIn(db)?.add(`active-user:${id}`);
  return Boolean(row && (row.is_active || id === currentId));
}

/** Active users for "Assigned to" selects, plus the current assignee marked inactive. */
export async function assigneeOptions(db: Executor, currentId?: number | null): Promise<{ value: number; label: string }[]> {
  let q = db.selectFrom('users').select(['id', 'name', 'is_active']);
  q = currentId ? q.where((eb) => eb.or([eb('is_active', '=', 1), eb('id', '=', currentId)])) : q.where('is_active', '=', 1);
  const rows = await q.orderBy('name').execute();
  return rows.map((r) => ({ value: r.id, label: r.is_active ? r.name : `${r.name} (inactive)` }));
}
