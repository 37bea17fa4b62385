import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Viewer } from '../../types.js';
import { addDays, nowIso } from '../../lib/time.js';
import { randomToken, sha256 } from '../../lib/password.js';

type DB = Kysely<Database>;

/** The cookie holds a random token; the table holds only its hash, so a leaked file opens no session. */
export async function createSession(
  db: DB,
  userId: number,
  meta: { ip: string | null; userAgent: string | null },
  idleDays: number,
): Promise<string> {
  const token = randomToken();
  const now = nowIso();
  await db
    .insertInto('sessions')
    .values({
      id: sha256(token),
      user_id: userId,
      created_at: now,
      last_seen_at: now,
      expires_at: addDays(now, idleDays),
      ip: meta.ip,
      user_agent: meta.userAgent?.slice(0, 300) ?? null,
    })
    .execute();
  return token;
}

export async function findSessionViewer(
  db: DB,
  token: string,
): Promise<{ viewer: Viewer; sessionId: string; lastSeenAt: string } | null> {
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.id as session_id', 's.last_seen_at', 's.expires_at', 'u.id', 'u.name', 'u.email', 'u.role', 'u.time_zone', 'u.list_page_size', 'u.is_active', 'u.totp_enabled_at'])
    .where('s.id', '=', sha256(token))
    .executeTakeFirst();
  if (!row || !row.is_active || row.expires_at <= nowIso()) return null;
  const timeZone = row.time_zone ?? (await defaultTimeZone(db));
  return {
    viewer: { id: row.id, name: row.name, email: row.email, role: row.role, timeZone, sessionId: row.session_id, twoFactor: row.totp_enabled_at !== null, pageSize: row.list_page_size },
    sessionId: row.session_id,
    lastSeenAt: row.last_seen_at,
  };
}

export async function defaultTimeZone(db: DB): Promise<string> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', 'default_time_zone').executeTakeFirst();
  return row ? (JSON.parse(row.value) as string) : 'UTC';
}

/** Slides the idle expiry forward, writing at most once a minute per session. */
export async function touchSession(db: DB, sessionId: string, lastSeenAt: string, idleDays: number): Promise<void> {
  const now = nowIso();
  if (Date.parse(now) - Date.parse(lastSeenAt) < 60_000) return;
  await db
    .updateTable('sessions')
    .set({ last_seen_at: now, expires_at: addDays(now, idleDays) })
    .where('id', '=', sessionId)
    .execute();
}

export async function deleteSessionByToken(db: DB, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', sha256(token)).execute();
}

export async function deleteExpiredSessions(db: DB): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<=', nowIso()).execute();
}
