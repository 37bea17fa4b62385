/** Pure deal decisions (SPEC §5): no database, no HTTP. */

export interface StageFacts {
  id: number;
  pipeline_id: number;
  probability: number;
  is_won: number;
  is_lost: number;
  is_default?: number;
  rotting_days?: number | null;
}

export interface StageOutcome {
  probability: number | null;
  actual_close_date: string | null;
  lost_reason: string | null;
  lost_reason_id: number | null;
}

export const isClosedStage = (s: Pick<StageFacts, 'is_won' | 'is_lost'>) => s.is_won === 1 || s.is_lost === 1;

/**
 * What entering `to` does to a deal: won → closed today at 100 %; lost → closed today at 0 % with
 * the optional reason; an open stage → reopened (close date and reason cleared) at the stage's
 * probability, unless the form named one.
 */
export function enterStage(
  to: StageFacts,
  opts: { today: string; lostReason?: string | null; lostReasonId?: number | null; probability?: number | null },
): StageOutcome {
  if (to.is_won) return { probability: 100, actual_close_date: opts.today, lost_reason: null, lost_reason_id: null };
  if (to.is_lost) {
    return { probability: 0, actual_close_date: opts.today, lost_reason: opts.lostReason?.trim() || null, lost_reason_id: opts.lostReasonId ?? null };
  }
  return { probability: opts.probability ?? to.probability, actual_close_date: null, lost_reason: null, lost_reason_id: null };
}

/** A stage must belong to the deal's pipeline. */
export function stageMismatch(pipelineId: number, stage: StageFacts | undefined): string | null {
  if (!stage) return 'Choose a stage from the list.';
  if (stage.pipeline_id !== pipelineId) return 'That stage belongs to another pipeline. Choose a stage of this pipeline.';
  return null;
}

/** When only a pipeline is given: its default stage, else its first. */
export function initialStage<S extends StageFacts>(stagesInOrder: S[]): S | undefined {
  return stagesInOrder.find((s) => s.is_default) ?? stagesInOrder[0];
}

/** Probability-weighted value in cents. */
export function weightedValue(valueCents: number | null, probability: number | null): number {
  if (!valueCents || !probability) return 0;
  return weightedFromProducts(valueCents * probability);
}

/** A column's weighted value from Σ value × probability, the sum deal_stage_totals keeps. */
export function weightedFromProducts(sumOfValueTimesPercent: number): number {
  return Math.round(sumOfValueTimesPercent / 100);
}

/** A deal rots when nothing happened to it for the stage's rotting_days (open stages only). */
export function isRotting(lastActivityAt: string, stage: Pick<StageFacts, 'rotting_days' | 'is_won' | 'is_lost'>, now = Date.now()): boolean {
  if (!stage.rotting_days || isClosedStage(stage)) return false;
  return now - Date.parse(lastActivityAt) > stage.rotting_days * 86_400_000;
}

export function isOverdue(expectedCloseDate: string | null, today: string, closed: boolean): boolean {
  return Boolean(expectedCloseDate && !closed && expectedCloseDate < today);
}

export function dealKey(id: number): string {
  return `D-${id}`;
}

/** "D-42", "d42" or "42" typed into a search box → 42. */
export function parseDealKey(q: string): number | null {
  const m = /^\s*d-?(\d{1,12})\s*$/i.exec(q);
  return m ? Number(m[1]) : null;
}
