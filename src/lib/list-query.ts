import { sql, type SelectQueryBuilder } from 'kysely';
import type { Scope } from './access.js';
import type { Executor } from './entities.js';
import { pageByIds, type ListBase } from './listing.js';
import { quoteId } from './bulk.js';
import { sqlLimit } from '../db/database.js';

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

/** Past this many matches a filtered list says "1,000+" instead of counting every row. */
export const COUNT_CAP = 1000;

/** How many of a broad term's newest matches global search picks its few from. */
const TOP_CANDIDATES = 200;

/** A list's header figures: the count (exact, or COUNT_CAP with capped) and, for deals, their value. */
export interface ListSummary {
  n: number;
  totalValue: number | null;
  capped: boolean;
}

type FtsTable = 'companies_fts' | 'contacts_fts' | 'customers_fts' | 'deals_fts' | 'leads_fts';

/**
 * What a feature declares for its list page; `defineList` turns it into the count, the
 * ids-first page, the export query and the "first rows" panels of detail pages. Filters are
 * applied to the scoped base query before anything is selected, so their types stay exact.
 */
export interface ListSpec<DB, TB extends keyof DB, F extends Partial<ListBase>, RDB, RTB extends keyof RDB, R> {
  /** The scoped base query from the entity registry (`walk`: see entities ownOnly). */
  base: (db: Executor, scope: Scope, walk?: boolean) => SelectQueryBuilder<DB, TB, object>;
  /** The base alias's id column, e.g. `c.id`. */
  id: string;
  /** Every filter but the text search, which `search` describes. */
  filter: (q: SelectQueryBuilder<DB, TB, object>, f: Partial<F>) => SelectQueryBuilder<DB, TB, object>;
  /** The full-text index and the MATCH expression for the typed search (null: no FTS search). */
  search?: { table: FtsTable; match: (f: Partial<F>) => string | null };
  sorts: Record<string, SortSpec<DB, TB>>;
  defaultSort: string;
  defaultDir: 'asc' | 'desc';
  /** The columns a row shows, with their joins (aliases match the sort expressions). */
  rows: (db: Executor) => SelectQueryBuilder<RDB, RTB, R>;
  /** A column the header totals (deals: their value). */
  value?: string;
  /** Exact figures from kept counters when the filters allow it (deals: deal_stage_totals); null otherwise. */
  exact?: (db: Executor, scope: Scope, f: Partial<F>) => Promise<{ n: number; totalValue: number | null }> | null;
  /** false: never count the whole table, show "1,000+" (tasks: counting 500,000 rows costs 10 ms a page). */
  countWhole?: boolean;
}

/**
 * An API page: rows after `after` in id order (stable while rows are added) — or, with
 * `updatedSince`, the rows changed since then in order of change (updated_at, id) — with
 * `columns` of the base table.
 */
export interface KeysetOptions {
  after: { id: number; updatedAt: string | null } | null;
  updatedSince: string | null;
  limit: number;
  /** Columns of the base table to read (default: the id only). */
  columns?: readonly string[];
  /** Instead of columns: each row as JSON text (`json`) from this SQL expression over the base alias, beside its id and updated_at. */
  json?: (alias: string) => Promise<string>;
  /** Only this record (a GET through the same scoped query as the list). */
  id?: number;
  /**
   * With `json`: the page's records come as one buffer (`packed`), read through this executor,
   * and `rows` carry only their id and updated_at (keysetPage).
   */
  packed?: Executor;
}

/** An API page: its rows (with `packed`, only their keys; the records' JSON joined by commas in `packed`). */
export interface KeysetResult {
  rows: Record<string, unknown>[];
  more: boolean;
  packed?: Buffer;
}

const selectLists = new Map<string, ReturnType<typeof sql.raw>>();

/**
 * `"p"."id" as "id", …` for a table's columns (and `extra`, a last SQL piece), made once per
 * list: built as one raw piece it costs Kysely nothing to compile, where a reference per column
 * was a fifth of an API list's JavaScript. The names come from the table's own definition
 * (api.resources columnsOf).
 */
function selectList(alias: string, columns: readonly string[], extra = '') {
  const key = `${alias}\u0001${columns.join('\u0001')}\u0001${extra}`;
  let list = selectLists.get(key);
  if (!list) {
    const parts = columns.map((c) => `${quoteId(alias)}.${quoteId(c)} as ${quoteId(c)}`);
    if (extra) parts.push(extra);
    selectLists.set(key, (list = sql.raw(parts.join(', '))));
  }
  return list;
}

/**
 * The API's list page over a scoped, filtered query: rows in id order after a cursor — a page
 * boundary does not move when records are added (new ones have higher ids) or removed — read
 * in one pass over the primary key or a filter's (column, id) index; changed-since pages in one
 * pass over the updated_at index. No count, no offset.
 */
export async function keysetPage<DB, TB extends keyof DB>(q: SelectQueryBuilder<DB, TB, object>, idColumn: string, o: KeysetOptions): Promise<KeysetResult> {
  const alias = idColumn.replace(/\.id$/, '');
  const id = sql.ref(idColumn);
  let columns = o.columns ?? ['id'];
  let order = sql`${id}`;
  if (o.updatedSince !== null) {
    const updated = sql.ref(`${alias}.updated_at`);
    // Told that few rows changed, the planner walks the updated_at index even beside a rep's
    // assigned_to (else it sorted all of a rep's 20,000 deals for one page); when many did, that
    // walk still stops after a page.
    q = q.where(sql<boolean>`likelihood(${updated} >= ${o.updatedSince}, 0.001)`);
    if (o.after) q = q.where(sql<boolean>`(${updated}, ${id}) > (${o.after.updatedAt ?? ''}, ${o.after.id})`);
    order = sql`${updated}, ${id}`;
    if (!columns.includes('updated_at')) columns = [...columns, 'updated_at'];
  } else if (o.after) q = q.where(sql<boolean>`${id} > ${o.after.id}`);
  if (o.id !== undefined) q = q.where(sql<boolean>`${id} = ${o.id}`);
  const selection = o.json ? selectList(alias, ['id', 'updated_at'], `${await o.json(alias)} as "json"`) : selectList(alias, columns);
  const page = q.select(selection as never).orderBy(order).limit(o.limit + 1);
  if (o.json && o.packed) {
    const packed = await packedPage(o.packed, page, o.limit, o.updatedSince !== null);
    if (packed) return packed;
  }
  const rows = (await page.execute()) as Record<string, unknown>[];
  return { rows: rows.slice(0, o.limit), more: rows.length > o.limit };
}

const NEWLINE = 10;
const COMMA = 44;

/**
 * A page of JSON records read as one BLOB: SQLite joins them (group_concat) over the ordered,
 * limited page, so JavaScript gets one buffer instead of a string and an object per record, and
 * sends it without decoding or encoding UTF-8: reading and writing a page of 50 contacts took
 * 90 → 55 µs, 50 deals 140 → 93 (the server's CPU per API request ~14 % less). Records are
 * joined by a newline, a byte SQLite's JSON never holds outside an escape, then by commas.
 * group_concat keeps the order the page's rows arrive in, which is the page's ORDER BY; their
 * keys, joined alongside, prove it — if they ever were out of order (or a record held a newline)
 * the caller reads the rows instead (null).
 */
async function packedPage(db: Executor, page: SelectQueryBuilder<never, never, object>, limit: number, byUpdated: boolean): Promise<KeysetResult | null> {
  const keyOf = byUpdated ? sql`k.id || ' ' || k.updated_at` : sql`k.id`;
  const r = (await sql<{ n: number; body: Buffer | null; keys: string | null }>`select count(*) as n, cast(group_concat(k.json, char(10)) as blob) as body, group_concat(${keyOf}, char(10)) as keys from ${page} as k`.execute(db)).rows[0];
  if (!r) return null;
  if (!r.n) return { rows: [], more: false, packed: Buffer.alloc(0) };
  if (!r.body || r.keys === null) return null;
  const more = r.n > limit;
  // The keys ("id" or "id updated_at" per line) read by hand: String.prototype.split made a string
  // of each short id and looked it up in V8's string table (~2 % of an API request's CPU).
  const keys = r.keys;
  const rows: { id: number; updated_at: string }[] = [];
  let at = 0;
  for (let k = 0; k < r.n; k++) {
    let id = 0;
    const start = at;
    for (let c = keys.charCodeAt(at); c >= 48 && c <= 57; c = keys.charCodeAt(++at)) id = id * 10 + c - 48;
    if (at === start) return null;
    let updated = '';
    if (byUpdated) {
      if (keys.charCodeAt(at) !== 32) return null;
      const end = keys.indexOf('\n', at);
      updated = keys.slice(at + 1, end === -1 ? keys.length : end);
      at = end === -1 ? keys.length : end;
    }
    if (k < r.n - 1 ? keys.charCodeAt(at) !== NEWLINE : at !== keys.length) return null;
    at++;
    if (k === limit) break;
    const prev = rows[rows.length - 1];
    if (prev && !(byUpdated ? updated > prev.updated_at || (updated === prev.updated_at && id > prev.id) : id > prev.id)) return null;
    rows.push({ id, updated_at: updated });
  }
  let body = r.body;
  if (more) body = body.subarray(0, body.lastIndexOf(NEWLINE));
  let separators = 0;
  for (let i = body.indexOf(NEWLINE); i !== -1; i = body.indexOf(NEWLINE, i + 1)) {
    body[i] = COMMA;
    separators++;
  }
  if (separators !== rows.length - 1) return null;
  return { rows, more, packed: body };
}

/**
 * Whether a rep's visible records under these filters are many (more than COUNT_CAP): counted
 * from the indexes that find the rep's own, stopping at COUNT_CAP + 1. The API's id-ordered
 * pages walk the table when the rep sees much of it (a page's worth is near) and gather the
 * rep's few when not — walking for a new rep with nothing read the whole table (contacts: 49 ms
 * a page at Large volume; tasks assigned to someone else: 119 ms).
 */
export async function manyVisible<DB, TB extends keyof DB>(db: Executor, key: string, few: SelectQueryBuilder<DB, TB, object>): Promise<boolean> {
  // Both plans give the same rows, so the choice may be a little stale: it is kept a minute per
  // list and rep (the count cost as much as the page it chose a plan for).
  const kept = manyKept.get(key);
  if (kept && Date.now() - kept.at < MANY_KEPT_MS) return kept.many;
  const inner = few.select(sql<number>`1`.as('one')).limit(COUNT_CAP + 1);
  const row = await db.selectFrom(inner.as('m' as never) as never).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
  const many = Number((row as { n: number }).n) > COUNT_CAP;
  manyKept.delete(key);
  manyKept.set(key, { at: Date.now(), many });
  if (manyKept.size > 1000) manyKept.delete(manyKept.keys().next().value!);
  return many;
}

const MANY_KEPT_MS = 60_000;
const manyKept = new Map<string, { at: number; many: boolean }>();

/** How a search narrows the list: the few matching ids, or (a broad term) a probe per row. */
type Matches = { ids: number[] } | { broad: string } | null;

const NOT_FILTERS = new Set(['sort', 'dir', 'page']);
const isFiltered = (f: object) => Object.entries(f).some(([k, v]) => !NOT_FILTERS.has(k) && v !== undefined && v !== null && v !== '');

export function defineList<DB, TB extends keyof DB, F extends Partial<ListBase>, RDB, RTB extends keyof RDB, R>(spec: ListSpec<DB, TB, F, RDB, RTB, R>) {
  const idRef = sql.ref(spec.id);

  /**
   * One pass over the full-text index, shared by the count and the page: up to COUNT_CAP + 1
   * ids. A term matching fewer is applied as that id list (row lookups for those few only); a
   * broad one as a probe while the sort's index is walked (`+id` keeps SQLite from looking up
   * every match first), so "hooli" in 200,000 deals reads one page's worth of index entries.
   */
  async function matches(db: Executor, f: Partial<F>): Promise<Matches> {
    const match = spec.search?.match(f) ?? null;
    if (!spec.search || !match) return null;
    const table = sql.table(spec.search.table);
    const found = await sql<{ id: number }>`select rowid as id from ${table} where ${table} match ${match} limit ${sqlLimit(COUNT_CAP + 1)}`.execute(db);
    return found.rows.length > COUNT_CAP ? { broad: match } : { ids: found.rows.map((r) => Number(r.id)) };
  }

  function filtered(db: Executor, scope: Scope, f: Partial<F>, m: Matches, walk = false) {
    const q = spec.filter(spec.base(db, scope, walk), f);
    if (!m || !spec.search) return q;
    if ('ids' in m) return q.where(sql<boolean>`${idRef} in (select value from json_each(${JSON.stringify(m.ids)}))`);
    const table = sql.table(spec.search.table);
    return q.where(sql<boolean>`+${idRef} in (select rowid from ${table} where ${table} match ${m.broad})`);
  }

  const sortOf = (f: Partial<F>) => {
    const s = spec.sorts[f.sort ?? spec.defaultSort] ?? spec.sorts[spec.defaultSort];
    const dir: 'asc' | 'desc' = f.dir === 'asc' || f.dir === 'desc' ? f.dir : spec.defaultDir;
    const order = s.order.includes('{dir}') ? s.order.replaceAll('{dir}', dir) : `${s.order} ${dir}`;
    return { join: s.join, order: sql.raw(`${order}, ${spec.id} ${dir}`) };
  };

  /**
   * The header figures without work that grows with the table: kept counters when the list
   * has them, a plain count when nothing narrows it (SQLite counts a b-tree without reading
   * rows), else a count that stops at COUNT_CAP + 1 rows.
   */
  async function summary(db: Executor, scope: Scope, f: Partial<F>, m?: Matches): Promise<ListSummary> {
    const exact = spec.exact?.(db, scope, f);
    if (exact) return { ...(await exact), capped: false };
    const narrowed = scope.ownOnly || isFiltered(f) || spec.countWhole === false;
    const value = spec.value ? sql.raw(spec.value) : sql`0`;
    if (!narrowed) {
      // A bare count(*) is answered from the smallest index; anything beside it would read every row.
      const columns = spec.value ? [sql<number>`count(*)`.as('n'), sql<number>`total(${value})`.as('v')] : [sql<number>`count(*)`.as('n')];
      const row = (await spec.base(db, scope).select(columns).executeTakeFirstOrThrow()) as { n: number; v?: number };
      return { n: Number(row.n), totalValue: spec.value ? Number(row.v) : null, capped: false };
    }
    const found = m === undefined ? await matches(db, f) : m;
    // A search on an otherwise whole list: the full-text pass already counted its matches.
    if (found && !scope.ownOnly && !isFiltered({ ...f, q: '' })) {
      if ('broad' in found) return { n: COUNT_CAP, totalValue: null, capped: true };
      if (!spec.value) return { n: found.ids.length, totalValue: null, capped: false };
    }
    // Count first from the indexes alone (a value would read every row); total the few after.
    // Filtered (or searched) rows are few per index entry: probe each one's links (see entities ownOnly).
    const inner = filtered(db, scope, f, found, isFiltered(f)).select(sql<number>`1`.as('one')).limit(COUNT_CAP + 1);
    const n = Number((await db.selectFrom(inner.as('m')).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
    if (n > COUNT_CAP) return { n: COUNT_CAP, totalValue: null, capped: true };
    if (!spec.value || n === 0) return { n, totalValue: spec.value ? 0 : null, capped: false };
    const total = await filtered(db, scope, f, found, isFiltered(f)).select(sql<number>`total(${value})`.as('v')).executeTakeFirstOrThrow();
    return { n, totalValue: Number((total as { v: number }).v), capped: false };
  }

  /** Ids of one page, over the filter and sort indexes; only the sort's own join is made. */
  async function pageIds(db: Executor, scope: Scope, f: Partial<F>, limit: number, offset: number, m?: Matches, walk = false): Promise<number[]> {
    const sort = sortOf(f);
    const q = filtered(db, scope, f, m === undefined ? await matches(db, f) : m, walk);
    const joined = sort.join ? sort.join(q) : q;
    const rows = await joined.select(sql<number>`${idRef}`.as('id')).orderBy(sort.order).limit(limit).offset(offset).execute();
    return rows.map((r) => Number(r.id));
  }

  const rowsByIds = (db: Executor, f: Partial<F>, ids: number[]) =>
    ids.length ? spec.rows(db).where(sql<boolean>`${idRef} in (${sql.join(ids)})`).orderBy(sortOf(f).order).execute() : Promise.resolve([] as R[]);

  /** Every matching row with its joins, sorted: the CSV export. */
  async function rowsQuery(db: Executor, scope: Scope, f: Partial<F>) {
    const ids = filtered(db, scope, f, await matches(db, f)).select(sql<number>`${idRef}`.as('id'));
    return spec.rows(db).where(sql<boolean>`${idRef} in (${ids})`).orderBy(sortOf(f).order);
  }

  /**
   * The API's list: the page's filters and search, then ids in id order after a cursor — a page
   * boundary does not move when records are added (new ones have higher ids) or removed
   * (keysetPage). No count, no offset.
   */
  async function keyset(db: Executor, scope: Scope, f: Partial<F>, o: KeysetOptions): Promise<KeysetResult> {
    const m = await matches(db, f);
    // A rep's whole list: walked in id order when they see many records, gathered when few
    // (manyVisible). Filters, a search or changed-since narrow the walk as on the list pages;
    // one record (a GET) is found by its id either way.
    const walk = !scope.ownOnly || o.id !== undefined || o.updatedSince !== null || isFiltered(f) || (await manyVisible(db, `${spec.id}:${scope.viewer.id}`, filtered(db, scope, f, m, false)));
    return keysetPage(filtered(db, scope, f, m, walk) as unknown as SelectQueryBuilder<DB, TB, object>, spec.id, o);
  }

  return {
    summary,
    rowsQuery,
    keyset,
    pageIds,
    /**
     * One page (ids first: page 2,000 skips index entries, not joined rows) and the header
     * figures. A capped count has no last page: the page asks for one row more to know
     * whether "Next" leads anywhere.
     */
    async page(db: Executor, scope: Scope, f: F & { page: number }, pageSize: number): Promise<{ rows: R[]; total: number; summary: ListSummary; hasNext: boolean; page: number }> {
      const m = await matches(db, f);
      const totals = await summary(db, scope, f, m);
      const lastPage = totals.capped ? Infinity : Math.max(1, Math.ceil(totals.n / pageSize));
      const page = Math.min(f.page, lastPage);
      const ids = await pageIds(db, scope, f, pageSize + 1, (page - 1) * pageSize, m, totals.capped || isFiltered(f));
      const rows = await rowsByIds(db, f, ids.slice(0, pageSize));
      return { rows, total: totals.n, summary: totals, hasNext: ids.length > pageSize, page };
    },
    /**
     * The best few and whether there are more, nothing counted: global search's groups. A term
     * with many matches picks from its newest TOP_CANDIDATES, read in the full-text index's own
     * order, so "a" costs the same as "acme".
     */
    async top(db: Executor, scope: Scope, f: Partial<F>, limit: number): Promise<{ rows: R[]; more: boolean }> {
      const m = await matches(db, f);
      if (m && 'broad' in m && spec.search) {
        const table = sql.table(spec.search.table);
        const sort = sortOf(f);
        const newest = sql<boolean>`${idRef} in (select rowid from ${table} where ${table} match ${m.broad} order by rowid desc limit ${sqlLimit(TOP_CANDIDATES)})`;
        const found = await spec.filter(spec.base(db, scope, true), f).where(newest).select(sql<number>`${idRef}`.as('id')).orderBy(sort.order).limit(limit).execute();
        return { rows: await rowsByIds(db, f, (found as { id: number }[]).map((r) => Number(r.id))), more: true };
      }
      // Matches come in rowid order: the newest TOP_CANDIDATES are the ones picked from.
      const picked: Matches = m && 'ids' in m && m.ids.length > TOP_CANDIDATES ? { ids: m.ids.slice(-TOP_CANDIDATES) } : m;
      const ids = await pageIds(db, scope, f, limit + 1, 0, picked, true);
      return { rows: await rowsByIds(db, f, ids.slice(0, limit)), more: ids.length > limit || picked !== m };
    },
    /** The first rows and the count (capped), for a detail page's related panel. */
    async first(db: Executor, scope: Scope, f: Partial<F>, limit: number): Promise<{ rows: R[]; total: number; capped: boolean }> {
      const m = await matches(db, f);
      const totals = await summary(db, scope, f, m);
      const rows = await rowsByIds(db, f, await pageIds(db, scope, f, limit, 0, m, totals.capped || isFiltered(f)));
      return { rows, total: totals.n, capped: totals.capped };
    },
  };
}
