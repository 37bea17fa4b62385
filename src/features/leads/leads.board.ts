import type { LeadStatus } from '../../db/schema.js';
import { canEdit } from '../../lib/access.js';
import type { Executor } from '../../lib/entities.js';
import type { Scope } from '../../lib/access.js';
import { kanban } from '../../lib/kanban.js';
import { listLeadStatuses } from '../lead-statuses/lead-statuses.queries.js';
import * as q from './leads.queries.js';
import { leadKey } from './leads.rules.js';

export function leadCardView(card: q.LeadCard, viewer: Scope['viewer']) {
  const movable = canEdit(viewer, card.assigned_to);
  return {
    ...card,
    movable,
    lockedReason: movable ? null : `Assigned to ${card.assigned_name ?? 'someone else'}: only they or a manager can move it.`,
    key: leadKey(card.id),
    subtitle: [card.contact_name, card.company_name].filter(Boolean).join(' · ') || null,
  };
}

export type LeadCardView = ReturnType<typeof leadCardView>;

/** The lead board on the shared Kanban mechanism: a column per non-final status, headers from lead_status_totals. */
export const leadBoard = kanban({
  cards: (db, scope, status: LeadStatus, opts) => q.leadColumnCards(db, scope, status.id, opts),
  enteredAt: (card) => card.status_entered_at,
  view: (card, _status, scope) => leadCardView(card, scope.viewer),
  sums: async (db, scope, ids, assignedTo) => (await q.leadBoardSums(db, scope, ids, assignedTo)).map((s) => ({ ...s, weighted: 0 })),
});

/** How the shared Kanban templates (views/partials/_kanban*) draw the lead board. */
export const LEAD_KANBAN = {
  prefix: 'status',
  noun: 'lead',
  nounPlural: 'leads',
  countTitle: 'Leads in this status',
  card: '/leads/_card',
  summary: '/leads/_board_summary',
  moveUrl: '/leads/{id}/move',
  moveField: 'lead_status_id',
  boardAttrs: null,
  columnClass: () => '',
  lost: () => false,
  weighted: () => false,
  columnUrl: (s: LeadStatus, after: string, owner: string) => `/leads/board/column/${s.id}?after=${encodeURIComponent(after)}${owner ? `&assigned_to=${owner}` : ''}`,
  moreHref: (s: LeadStatus, owner: string) => `/leads?lead_status_id=${s.id}${owner ? `&assigned_to=${owner}` : ''}`,
};

/** The board's columns: the non-final statuses in order. */
export async function boardStatuses(db: Executor): Promise<{ all: LeadStatus[]; columns: LeadStatus[] }> {
  const all = await listLeadStatuses(db);
  return { all, columns: all.filter((s) => !s.is_final) };
}
