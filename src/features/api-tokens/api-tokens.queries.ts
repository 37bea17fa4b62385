import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Viewer } from '../../types.js';
import { randomToken, sha256 } from '../../lib/password.js';
import { nowIso } from '../../lib/time.js';
import { defaultTimeZone } from '../auth/sessions.queries.js';

type Executor = Kysely<Database> | Transaction<Database>;

export const TOKEN_PREFIX = 'orch_';

export interface ApiTokenAuth {
  id: number;
  scope: 'read' | 'write';
}

/** A new token: the secret is returned once, only its hash is kept. */
export async function createApiToken(db: Executor, userId: number, name: string, scope: 'read' | 'write'): Promise<{ id: number; secret: string }> {
  const secret = `${TOKEN_PREFIX}${randomToken(32)}`;
  const row = await db
    .insertInto('api_tokens')
    .values({ user_id: userId, name, token_hash: sha256(secret), hint: secret.slice(-4), scope, created_at: nowIso(), last_used_at: null, revoked_at: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, secret };
}

/** Tokens to list: one user's, or everyone's (admins) with their owner. */
export function listApiTokens(db: Executor, userId: number | null) {
  let q = db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select(['t.id', 't.name', 't.hint', 't.scope', 't.created_at', 't.last_used_at', 't.revoked_at', 't.user_id', 'u.name as user_name']);
  if (userId !== null) q = q.where('t.user_id', '=', userId);
  return q.orderBy('t.revoked_at').orderBy('t.created_at', 'desc').limit(200).execute();
}

/** Revoked at once: the next request with it is refused. Only the owner's, unless `anyUser` (admins). */
export async function revokeApiToken(db: Executor, id: number, userId: number, anyUser: boolean): Promise<boolean> {
  let q = db.updateTable('api_tokens').set({ revoked_at: nowIso() }).where('id', '=', id).where('revoked_at', 'is', null);
  if (!anyUser) q = q.where('user_id', '=', userId);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** The user a bearer token acts as, while the token stands and the user is active. */
export async function viewerForToken(db: Kysely<Database>, secret: string): Promise<{ viewer: Viewer; token: ApiTokenAuth; lastUsedAt: string | null } | null> {
  if (!secret.startsWith(TOKEN_PREFIX) || secret.length > 200) return null;
  const row = await db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select(['t.id as token_id', 't.scope', 't.revoked_at', 't.last_used_at', 'u.id', 'u.name', 'u.email', 'u.role', 'u.time_zone', 'u.list_page_size', 'u.is_active', 'u.totp_enabled_at'])
    .where('t.token_hash', '=', sha256(secret))
    .executeTakeFirst();
  if (!row || row.revoked_at || !row.is_active) return null;
  const timeZone = row.time_zone ?? (await defaultTimeZone(db));
  return {
    viewer: { id: row.id, name: row.name, email: row.email, role: row.role, timeZone, sessionId: `token:${row.token_id}`, twoFactor: row.totp_enabled_at !== null, pageSize: row.list_page_size },
    token: { id: row.token_id, scope: row.scope },
    lastUsedAt: row.last_used_at,
  };
}

/** "Last used", written at most once a minute per token. */
export async function touchApiToken(db: Kysely<Database>, id: number, lastUsedAt: string | null): Promise<void> {
  const now = nowIso();
  if (lastUsedAt && Date.parse(now) - Date.parse(lastUsedAt) < 60_000) return;
  await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
}
