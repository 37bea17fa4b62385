import type { Kysely } from 'kysely';
import type { Database, DealStage, Pipeline } from '../../db/schema.js';
import { canEdit, type Scope } from '../../lib/access.js';
import { kanban, type Totals } from '../../lib/kanban.js';
import type { Viewer } from '../../types.js';
import { todayIso } from '../../lib/time.js';
import { directoryOptions } from '../directories/directories.queries.js';
import { findDefaultPipeline, findPipeline, listPipelines, listStages } from '../pipelines/pipelines.queries.js';
import * as q from './deals.queries.js';
import { dealKey, isClosedStage, isOverdue, isRotting, weightedFromProducts } from './deals.rules.js';

/** What a card shows, decided here so templates only print. */
export function cardView(card: q.Card, stage: DealStage, today: string, viewer: Viewer) {
  const movable = canEdit(viewer, card.assigned_to);
  return {
    ...card,
    movable,
    /** Why a card does not move, shown on hover and read on focus. */
    lockedReason: movable ? null : `Assigned to ${card.assigned_name ?? 'someone else'}: only they or a manager can move it.`,
    key: dealKey(card.id),
    overdue: isOverdue(card.expected_close_date, today, isClosedStage(stage)),
    rotting: isRotting(card.last_activity_at, stage),
    subtitle: card.customer_name ?? card.company_name,
  };
}

export type CardView = ReturnType<typeof cardView>;

/** The deals board on the shared Kanban mechanism: a column per stage, headers from deal_stage_totals. */
export const dealBoard = kanban({
  cards: (db, scope, stage: DealStage, opts) => q.columnCards(db, scope, stage.id, opts),
  enteredAt: (card) => card.stage_entered_at,
  view: (card, stage, scope) => cardView(card, stage, todayIso(scope.viewer.timeZone), scope.viewer),
  sums: async (db, scope, ids, assignedTo) =>
    (await q.boardSums(db, scope, ids, assignedTo)).map((s) => ({ id: s.stage_id, count: s.count, value: s.value, weighted: weightedFromProducts(s.valueTimesPercent) })),
});

/** How the shared Kanban templates (views/partials/_kanban*) draw the deals board. */
export const DEAL_KANBAN = {
  prefix: 'stage',
  noun: 'deal',
  nounPlural: 'deals',
  countTitle: 'Deals in this stage',
  card: '/deals/_card',
  summary: '/deals/_board_summary',
  moveUrl: '/deals/{id}/move',
  moveField: 'stage_id',
  boardAttrs: (it: { pipeline: Pipeline }) => `data-pipeline="${it.pipeline.id}"`,
  columnClass: (s: DealStage) => [s.is_won ? 'column-won' : '', s.is_lost ? 'column-lost' : ''].join(' ').trim(),
  lost: (s: DealStage) => s.is_lost === 1,
  weighted: (s: DealStage) => !s.is_won && !s.is_lost,
  columnUrl: (s: DealStage, after: string, owner: string) => `/deals/board/column/${s.id}?after=${encodeURIComponent(after)}${owner ? `&assigned_to=${owner}` : ''}`,
  moreHref: (s: DealStage, owner: string) => `/deals?pipeline_id=${s.pipeline_id}&stage_id=${s.id}${owner ? `&assigned_to=${owner}` : ''}`,
};

export interface BoardData {
  pipeline: Pipeline;
  pipelines: Pipeline[];
  stages: DealStage[];
  columns: { column: DealStage; stage: DealStage; totals: Totals; cards: CardView[]; next: string | null }[];
  lostReasons: { value: number | string; label: string }[];
}

/** The board: every column's totals in one grouped query, then one page of cards per column. */
export async function loadBoard(db: Kysely<Database>, scope: Scope, pipelineId: number | null, assignedTo: number | null = null): Promise<BoardData | null> {
  const pipeline = (pipelineId ? await findPipeline(db, pipelineId) : null) ?? (await findDefaultPipeline(db));
  if (!pipeline) return null;
  const [pipelines, stages, lostReasons] = await Promise.all([listPipelines(db, { activeOnly: true }), listStages(db, pipeline.id), directoryOptions(db, 'lost_reasons')]);
  const columns = (await dealBoard.columns(db, scope, stages, assignedTo)).map((c) => ({ ...c, stage: c.column }));
  return { pipeline, pipelines, stages, columns, lostReasons };
}
