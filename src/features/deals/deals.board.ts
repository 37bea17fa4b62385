import type { Kysely } from 'kysely';
import type { Database, DealStage, Pipeline } from '../../db/schema.js';
import { canEdit, type Scope } from '../../lib/access.js';
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

export function cursorOf(card: { stage_entered_at: string; id: number }): string {
  return `${card.stage_entered_at}|${card.id}`;
}

export function parseCursor(raw: unknown): q.CardCursor | null {
  const m = typeof raw === 'string' ? /^([^|]{10,40})\|(\d+)$/.exec(raw) : null;
  return m ? { at: m[1], id: Number(m[2]) } : null;
}

export async function columnPage(db: Kysely<Database>, scope: Scope, stage: DealStage, after: q.CardCursor | null, assignedTo: number | null = null) {
  const size = scope.settings.kanban_page_size;
  const rows = await q.columnCards(db, scope, stage.id, { after, limit: size + 1, assignedTo });
  const today = todayIso(scope.viewer.timeZone);
  const cards = rows.slice(0, size).map((c) => cardView(c, stage, today, scope.viewer));
  const last = cards.at(-1);
  return { cards, next: rows.length > size && last ? cursorOf(last) : null };
}

/** What a column header shows: count, value and weighted value of the whole column. */
export interface ColumnTotals {
  stage_id: number;
  count: number;
  value: number;
  weighted: number;
}

/** Header figures per stage, from the kept counters; a stage without deals shows zeros. */
export async function columnTotals(db: Kysely<Database>, scope: Scope, stageIds: number[], assignedTo: number | null = null): Promise<(stageId: number) => ColumnTotals> {
  const sums = new Map((await q.boardSums(db, scope, stageIds, assignedTo)).map((s) => [s.stage_id, s]));
  return (stageId) => {
    const s = sums.get(stageId);
    return s ? { stage_id: stageId, count: s.count, value: s.value, weighted: weightedFromProducts(s.valueTimesPercent) } : { stage_id: stageId, count: 0, value: 0, weighted: 0 };
  };
}

export interface BoardData {
  pipeline: Pipeline;
  pipelines: Pipeline[];
  stages: DealStage[];
  columns: { stage: DealStage; totals: ColumnTotals; cards: CardView[]; next: string | null }[];
  lostReasons: { value: number | string; label: string }[];
}

/** The board: every column's totals in one grouped query, then one page of cards per column. */
export async function loadBoard(db: Kysely<Database>, scope: Scope, pipelineId: number | null, assignedTo: number | null = null): Promise<BoardData | null> {
  const pipeline = (pipelineId ? await findPipeline(db, pipelineId) : null) ?? (await findDefaultPipeline(db));
  if (!pipeline) return null;
  const [pipelines, stages, lostReasons] = await Promise.all([listPipelines(db, { activeOnly: true }), listStages(db, pipeline.id), directoryOptions(db, 'lost_reasons')]);
  const totals = await columnTotals(db, scope, stages.map((s) => s.id), assignedTo);
  const columns = [];
  for (const stage of stages) {
    const page = await columnPage(db, scope, stage, null, assignedTo);
    columns.push({ stage, totals: totals(stage.id), ...page });
  }
  return { pipeline, pipelines, stages, columns, lostReasons };
}


/** The board's "whose deals" filter: `me` or a user id; anything else shows everyone's. */
export function boardOwner(raw: unknown, viewerId: number): number | null {
  if (raw === 'me') return viewerId;
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 ? n : null;
}
