import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { nowIso } from '../../lib/time.js';

type Executor = Kysely<Database> | Transaction<Database>;

export function findTwoFactor(db: Executor, userId: number) {
  return db.selectFrom('users').select(['id', 'email', 'totp_secret', 'totp_enabled_at', 'totp_last_step']).where('id', '=', userId).executeTakeFirst();
}

/** A new secret waits for its first code before it counts. */
export async function setPendingSecret(db: Executor, userId: number, secret: string): Promise<void> {
  await db.updateTable('users').set({ totp_secret: secret, totp_enabled_at: null, totp_last_step: null }).where('id', '=', userId).execute();
}

export async function enableTwoFactor(db: Executor, userId: number, step: number, codeHashes: string[]): Promise<void> {
  const now = nowIso();
  await db.updateTable('users').set({ totp_enabled_at: now, totp_last_step: step, updated_at: now }).where('id', '=', userId).execute();
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  await db.insertInto('recovery_codes').values(codeHashes.map((code_hash) => ({ user_id: userId, code_hash, used_at: null, created_at: now }))).execute();
}

export async function disableTwoFactor(db: Executor, userId: number): Promise<void> {
  await db.updateTable('users').set({ totp_secret: null, totp_enabled_at: null, totp_last_step: null, updated_at: nowIso() }).where('id', '=', userId).execute();
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
}

/** Moves the last used step forward only: the same code cannot sign in twice. */
export async function useTimeStep(db: Executor, userId: number, step: number): Promise<boolean> {
  const res = await db.updateTable('users').set({ totp_last_step: step }).where('id', '=', userId).where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)])).executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Marks an unused recovery code used; false when there is none with this hash. */
export async function useRecoveryCode(db: Executor, userId: number, codeHash: string): Promise<boolean> {
  const res = await db.updateTable('recovery_codes').set({ used_at: nowIso() }).where('user_id', '=', userId).where('code_hash', '=', codeHash).where('used_at', 'is', null).executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function recoveryCodesLeft(db: Executor, userId: number): Promise<number> {
  const row = await db.selectFrom('recovery_codes').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirstOrThrow();
  return Number(row.n);
}
