import { sql, type SelectQueryBuilder } from 'kysely';
import type { Scope } from './access.js';
import type { Executor } from './entities.js';
import { pageByIds, type ListBase } from './listing.js';

/** A sort key: its ORDER BY expression and, when it orders by a joined name, that join. */
export interface SortSpec<DB, TB extends keyof DB> {
  /** ORDER BY expression; with several columns, `{dir}` marks where the chosen direction goes. */
  order: string;
  /**
   * Joins only the table this sort reads, for the ids query. Its result type is left open
   * (`any` tables): the ids query selects the id and orders by `order`, nothing typed beyond.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  join?: (q: SelectQueryBuilder<DB, TB, object>) => SelectQueryBuilder<any, any, object>;
}

/**
 * What a feature declares for its list page; `defineList` turns it into the count, the
 * ids-first page, the export query and the "first rows" panels of detail pages. Filters are
 * applied to the scoped base query before anything is selected, so their types stay exact.
 */
export interface ListSpec<DB, TB extends keyof DB, F extends Partial<ListBase>, RDB, RTB extends keyof RDB, R, S extends { n: number }> {
  /** The scoped base query from the entity registry. */
  base: (db: Executor, scope: Scope) => SelectQueryBuilder<DB, TB, object>;
  /** The base alias's id column, e.g. `c.id`. */
  id: string;
  filter: (q: SelectQueryBuilder<DB, TB, object>, f: Partial<F>) => SelectQueryBuilder<DB, TB, object>;
  sorts: Record<string, SortSpec<DB, TB>>;
  defaultSort: string;
  defaultDir: 'asc' | 'desc';
  /** The columns a row shows, with their joins (aliases match the sort expressions). */
  rows: (db: Executor) => SelectQueryBuilder<RDB, RTB, R>;
  /** The header figures over everything that matches; `n` is the count (see countOnly). */
  summary: (q: SelectQueryBuilder<DB, TB, object>) => SelectQueryBuilder<DB, TB, S>;
}

/** The usual list summary: just the count. */
export function countOnly<DB, TB extends keyof DB>(q: SelectQueryBuilder<DB, TB, object>) {
  return q.select(sql<number>`count(*)`.as('n'));
}

export function defineList<DB, TB extends keyof DB, F extends Partial<ListBase>, RDB, RTB extends keyof RDB, R, S extends { n: number }>(spec: ListSpec<DB, TB, F, RDB, RTB, R, S>) {
  const filtered = (db: Executor, scope: Scope, f: Partial<F>) => spec.filter(spec.base(db, scope), f);
  const idRef = sql.ref(spec.id);

  const sortOf = (f: Partial<F>) => {
    const s = spec.sorts[f.sort ?? spec.defaultSort] ?? spec.sorts[spec.defaultSort];
    const dir: 'asc' | 'desc' = f.dir === 'asc' || f.dir === 'desc' ? f.dir : spec.defaultDir;
    const order = s.order.includes('{dir}') ? s.order.replaceAll('{dir}', dir) : `${s.order} ${dir}`;
    return { join: s.join, order: sql.raw(`${order}, ${spec.id} ${dir}`) };
  };

  const summary = (db: Executor, scope: Scope, f: Partial<F>): Promise<S> => spec.summary(filtered(db, scope, f)).executeTakeFirstOrThrow();

  /** Ids of one page, over the filter and sort indexes; only the sort's own join is made. */
  async function pageIds(db: Executor, scope: Scope, f: Partial<F>, limit: number, offset: number): Promise<number[]> {
    const sort = sortOf(f);
    const q = filtered(db, scope, f);
    const joined = sort.join ? sort.join(q) : q;
    const rows = await joined.select(sql<number>`${idRef}`.as('id')).orderBy(sort.order).limit(limit).offset(offset).execute();
    return rows.map((r) => Number(r.id));
  }

  /** Every matching row with its joins, sorted: the CSV export and detail-page panels. */
  function rowsQuery(db: Executor, scope: Scope, f: Partial<F>) {
    const ids = filtered(db, scope, f).select(sql<number>`${idRef}`.as('id'));
    return spec.rows(db).where(sql<boolean>`${idRef} in (${ids})`).orderBy(sortOf(f).order);
  }

  return {
    summary,
    rowsQuery,
    pageIds,
    /** One page (ids first, see pageByIds) and the header figures over everything that matches. */
    async page(db: Executor, scope: Scope, f: F & { page: number }, pageSize: number): Promise<{ rows: R[]; total: number; summary: S }> {
      const totals = await summary(db, scope, f);
      const page = await pageByIds({
        page: f.page,
        pageSize,
        count: async () => Number(totals.n),
        ids: (limit, offset) => pageIds(db, scope, f, limit, offset),
        rows: (ids) => spec.rows(db).where(sql<boolean>`${idRef} in (${sql.join(ids)})`).orderBy(sortOf(f).order).execute(),
      });
      return { ...page, summary: totals };
    },
    /** The first rows and the count, for a detail page's related panel. */
    async first(db: Executor, scope: Scope, f: Partial<F>, limit: number): Promise<{ rows: R[]; total: number }> {
      const [rows, totals] = await Promise.all([rowsQuery(db, scope, f).limit(limit).execute(), summary(db, scope, f)]);
      return { rows, total: Number(totals.n) };
    },
  };
}
