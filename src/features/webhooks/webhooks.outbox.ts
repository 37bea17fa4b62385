import { createHmac, randomBytes } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { nowIso } from '../../lib/time.js';

/**
 * The outbox (SPEC §12): every audit entry a write makes (timeline recordMany) passes through
 * here inside the same transaction, so an event is stored exactly when its change commits — a
 * rolled-back change sends nothing — and every write path (pages, API, import, merge, conversion)
 * emits the same events. With no active webhook subscribed, this costs one small query.
 */
export const WEBHOOK_EVENTS = [
  'deal.created',
  'deal.updated',
  'deal.stage_changed',
  'deal.won',
  'deal.lost',
  'deal.deleted',
  'lead.created',
  'lead.updated',
  'lead.status_changed',
  'lead.converted',
  'lead.deleted',
  'company.created',
  'company.updated',
  'company.deleted',
  'contact.created',
  'contact.updated',
  'contact.deleted',
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'task.created',
  'task.updated',
  'task.completed',
  'task.deleted',
  'note.created',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** What an audit entry carries (timeline AuditInput). */
interface Entry {
  entityType: string;
  entityId: number;
  action: string;
  userId: number | null;
  changes?: Record<string, [unknown, unknown]> | null;
}

const OBJECTS = new Set(['deal', 'lead', 'company', 'contact', 'customer', 'task', 'note']);

/** The events one audit entry means; `stageFlags` tells a won or lost stage. */
export function eventsOf(e: Entry, stageFlags: Map<number, { won: boolean; lost: boolean }>): WebhookEvent[] {
  if (!OBJECTS.has(e.entityType)) return [];
  const t = e.entityType;
  const out: string[] = [];
  switch (e.action) {
    case 'created':
    case 'updated':
    case 'deleted':
      out.push(`${t}.${e.action}`);
      if (t === 'task' && e.action === 'updated' && e.changes?.status?.[1] === 'completed') out.push('task.completed');
      break;
    case 'stage_changed': {
      out.push('deal.updated', 'deal.stage_changed');
      const to = e.changes?.stage_id?.[1];
      const flags = typeof to === 'number' ? stageFlags.get(to) : undefined;
      if (flags?.won) out.push('deal.won');
      if (flags?.lost) out.push('deal.lost');
      break;
    }
    case 'status_changed':
      out.push('lead.updated', 'lead.status_changed');
      break;
    case 'converted':
      out.push('lead.converted');
      break;
    case 'completed':
      out.push('task.completed');
      break;
  }
  return out.filter((x): x is WebhookEvent => (WEBHOOK_EVENTS as readonly string[]).includes(x));
}

export const newMsgId = () => `msg_${randomBytes(16).toString('base64url')}`;

/** Standard Webhooks: a secret is whsec_ and base64 of random bytes. */
export const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

/** Standard Webhooks signature: base64 HMAC-SHA256 of "id.timestamp.body" with the secret's bytes, as "v1,<sig>". */
export function sign(secret: string, msgId: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${msgId}.${timestamp}.${body}`).digest('base64')}`;
}

/**
 * Stores the events of these audit entries and one pending delivery per subscribed webhook,
 * in the caller's transaction. The payload is the change as the audit trail has it (the fields
 * with [before, after]); a receiver reads the whole record from the API when it needs it.
 */
export async function queueEvents(trx: Transaction<Database>, entries: readonly Entry[]): Promise<void> {
  if (!entries.some((e) => OBJECTS.has(e.entityType))) return;
  const hooks = (await trx.selectFrom('webhooks').select(['id', 'events']).where('is_active', '=', 1).execute()).map((w) => ({ id: w.id, events: new Set(JSON.parse(w.events) as string[]) }));
  if (!hooks.length) return;
  const stageIds = [...new Set(entries.filter((e) => e.action === 'stage_changed').map((e) => e.changes?.stage_id?.[1]).filter((x): x is number => typeof x === 'number'))];
  const stageFlags = new Map<number, { won: boolean; lost: boolean }>();
  if (stageIds.length) {
    for (const s of await trx.selectFrom('deal_stages').select(['id', 'is_won', 'is_lost']).where('id', 'in', stageIds).execute()) stageFlags.set(s.id, { won: s.is_won === 1, lost: s.is_lost === 1 });
  }
  const now = nowIso();
  const events: { msg_id: string; type: string; payload: string; created_at: string; to: number[] }[] = [];
  for (const e of entries) {
    for (const type of eventsOf(e, stageFlags)) {
      const to = hooks.filter((h) => h.events.has(type) || h.events.has('*')).map((h) => h.id);
      if (!to.length) continue;
      const data = { id: e.entityId, object: e.entityType, changes: e.changes ?? {}, actor_id: e.userId };
      events.push({ msg_id: newMsgId(), type, payload: JSON.stringify({ type, timestamp: now, data }), created_at: now, to });
    }
  }
  for (let i = 0; i < events.length; i += 100) {
    const part = events.slice(i, i + 100);
    const ids = (await trx.insertInto('webhook_events').values(part.map(({ to: _to, ...ev }) => ev)).returning('id').execute()).map((r) => r.id).sort((a, b) => a - b);
    const deliveries = part.flatMap((ev, k) => ev.to.map((webhook_id) => ({ webhook_id, event_id: ids[k], next_attempt_at: now, created_at: now })));
    for (let j = 0; j < deliveries.length; j += 200) await trx.insertInto('webhook_deliveries').values(deliveries.slice(j, j + 200)).execute();
  }
}
