import type { Scope } from './access.js';
import type { Executor } from './entities.js';

/**
 * One Kanban mechanism for every board (deals by stage, leads by status): columns come from an
 * ordered stage/status table, each header's figures come from counters kept exact by triggers,
 * each column shows its first page of cards (newest arrivals first) and loads the next on scroll
 * by a keyset cursor. The feature says how to read its cards and sums and how a card shows; the
 * views/partials/_kanban* templates and public/js/app.js do the rest (drag via SortableJS, the
 * "Move to…" keyboard twin, a refusal putting the card back).
 */
export interface Cursor {
  at: string;
  id: number;
}

/** A column header's figures over the whole column. */
export interface Totals {
  count: number;
  value: number;
  /** Deals only: Σ value × probability, already divided. */
  weighted: number;
}

export interface KanbanSpec<Col extends { id: number }, Raw extends { id: number }, View> {
  /** One page of a column's cards after the cursor, newest arrivals first (limit + 1 asked). */
  cards: (db: Executor, scope: Scope, column: Col, opts: { after: Cursor | null; limit: number; assignedTo: number | null }) => Promise<Raw[]>;
  /** When the card entered its column: the cursor's first half. */
  enteredAt: (raw: Raw) => string;
  view: (raw: Raw, column: Col, scope: Scope) => View;
  /** The kept header figures of the given columns (a column without cards may be missing). */
  sums: (db: Executor, scope: Scope, columnIds: number[], assignedTo: number | null) => Promise<({ id: number } & Totals)[]>;
}

export function cursorOf(at: string, id: number): string {
  return `${at}|${id}`;
}

export function parseCursor(raw: unknown): Cursor | null {
  const m = typeof raw === 'string' ? /^([^|]{10,40})\|(\d+)$/.exec(raw) : null;
  return m ? { at: m[1], id: Number(m[2]) } : null;
}

/** The board's "whose cards" filter: `me` or a user id; anything else shows everyone's. */
export function boardOwner(raw: unknown, viewerId: number): number | null {
  if (raw === 'me') return viewerId;
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 ? n : null;
}

/** A form's or link's echo of the board's owner filter: digits only. */
export function ownerParamOf(raw: unknown): string {
  return typeof raw === 'string' ? raw.replace(/[^0-9]/g, '') : '';
}

const ZERO: Totals = { count: 0, value: 0, weighted: 0 };

export function kanban<Col extends { id: number }, Raw extends { id: number }, View>(spec: KanbanSpec<Col, Raw, View>) {
  async function columnPage(db: Executor, scope: Scope, column: Col, after: Cursor | null, assignedTo: number | null = null) {
    const size = scope.settings.kanban_page_size;
    const rows = await spec.cards(db, scope, column, { after, limit: size + 1, assignedTo });
    const shown = rows.slice(0, size);
    const last = shown.at(-1);
    return { cards: shown.map((r) => spec.view(r, column, scope)), next: rows.length > size && last ? cursorOf(spec.enteredAt(last), last.id) : null };
  }

  /** Header figures per column; a column without cards shows zeros. */
  async function columnTotals(db: Executor, scope: Scope, columnIds: number[], assignedTo: number | null = null): Promise<(id: number) => Totals> {
    const sums = new Map((columnIds.length ? await spec.sums(db, scope, columnIds, assignedTo) : []).map((s) => [s.id, s]));
    return (id) => {
      const s = sums.get(id);
      return s ? { count: s.count, value: s.value, weighted: s.weighted } : ZERO;
    };
  }

  /** Every column's totals in one grouped query, then one page of cards per column. */
  async function columns(db: Executor, scope: Scope, cols: Col[], assignedTo: number | null = null) {
    const totals = await columnTotals(db, scope, cols.map((c) => c.id), assignedTo);
    const out = [];
    for (const column of cols) out.push({ column, totals: totals(column.id), ...(await columnPage(db, scope, column, null, assignedTo)) });
    return out;
  }

  return { columnPage, columnTotals, columns };
}
