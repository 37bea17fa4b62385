import type { Kysely, Transaction } from 'kysely';
import type { Database, SecurityEventKind } from '../../db/schema.js';
import { addDays, nowIso } from '../../lib/time.js';

type Executor = Kysely<Database> | Transaction<Database>;

/** How long the security log keeps an event. */
export const SECURITY_LOG_DAYS = 180;

export interface SecurityEventInput {
  kind: SecurityEventKind;
  userId?: number | null;
  actorId?: number | null;
  email?: string | null;
  ip?: string | null;
  detail?: string | null;
}

export async function recordSecurityEvent(db: Executor, e: SecurityEventInput): Promise<void> {
  await db
    .insertInto('security_events')
    .values({ kind: e.kind, user_id: e.userId ?? null, actor_id: e.actorId ?? null, email: e.email?.slice(0, 254) ?? null, ip: e.ip ?? null, detail: e.detail?.slice(0, 500) ?? null, created_at: nowIso() })
    .execute();
}

/** Newest first, one page at a time (keyset on the time index). */
export function listSecurityEvents(db: Executor, opts: { before?: { at: string; id: number } | null; limit: number; kind?: SecurityEventKind | null }) {
  return db
    .selectFrom('security_events as e')
    .leftJoin('users as u', 'u.id', 'e.user_id')
    .leftJoin('users as a', 'a.id', 'e.actor_id')
    .select(['e.id', 'e.kind', 'e.email', 'e.ip', 'e.detail', 'e.created_at', 'e.user_id', 'u.name as user_name', 'a.name as actor_name'])
    .$if(Boolean(opts.kind), (q) => q.where('e.kind', '=', opts.kind!))
    .$if(Boolean(opts.before), (q) => q.where((eb) => eb.or([eb('e.created_at', '<', opts.before!.at), eb.and([eb('e.created_at', '=', opts.before!.at), eb('e.id', '<', opts.before!.id)])])))
    .orderBy('e.created_at', 'desc')
    .orderBy('e.id', 'desc')
    .limit(opts.limit)
    .execute();
}

export async function purgeOldSecurityEvents(db: Executor): Promise<void> {
  await db.deleteFrom('security_events').where('created_at', '<', addDays(nowIso(), -SECURITY_LOG_DAYS)).execute();
}
