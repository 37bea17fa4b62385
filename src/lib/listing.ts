import { z } from 'zod';

/** Shared list mechanics: query-string parsing, FTS search terms, pagination, links. */
export interface ListBase {
  q: string;
  sort: string;
  dir: 'asc' | 'desc';
  page: number;
}

const optionalId = z.preprocess((v) => (v === '' || v === undefined ? undefined : v), z.coerce.number().int().positive().optional());
const optionalIdOrNone = z.preprocess(
  (v) => (v === '' || v === undefined ? undefined : v),
  z.union([z.literal('none'), z.coerce.number().int().positive()]).optional(),
);

export const filters = { id: optionalId, idOrNone: optionalIdOrNone };

export function listSchema<S extends readonly [string, ...string[]], E extends z.ZodRawShape>(sorts: S, defaultSort: S[number], extra: E, defaultDir: 'asc' | 'desc' = 'asc') {
  return z.object({
    q: z.preprocess((v) => (typeof v === 'string' ? v.trim().slice(0, 200) : ''), z.string()),
    sort: z.preprocess((v) => (v === '' || v === undefined ? defaultSort : v), z.enum(sorts)),
    dir: z.preprocess((v) => (v === 'desc' || v === 'asc' ? v : defaultDir), z.enum(['asc', 'desc'])),
    page: z.preprocess((v) => (v === '' || v === undefined ? 1 : v), z.coerce.number().int().min(1).max(100_000)),
    ...extra,
  });
}

/**
 * FTS5 query for "as you type" search: each word becomes a quoted prefix term, all must match.
 * Returns null when nothing searchable was typed.
 */
export function ftsQuery(q: string): string | null {
  const tokens = q
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .slice(0, 8);
  if (!tokens.length) return null;
  return tokens.map((t) => `"${t}"*`).join(' ');
}

export interface PageInfo {
  page: number;
  /** With a capped count, the pages known so far: this one, and the next when there is one. */
  pages: number;
  total: number;
  /** The count stopped at its cap: "1,000+", no last page. */
  capped: boolean;
  from: number;
  to: number;
  pageSize: number;
}

export function pageInfo(total: number, page: number, pageSize: number, more?: { capped: boolean; hasNext: boolean; shown: number }): PageInfo {
  if (more?.capped) {
    const from = more.shown ? (page - 1) * pageSize + 1 : 0;
    return { page, pages: more.hasNext ? page + 1 : page, total, capped: true, pageSize, from, to: more.shown ? from + more.shown - 1 : 0 };
  }
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const p = Math.min(page, pages);
  return { page: p, pages, total, capped: false, pageSize, from: total ? (p - 1) * pageSize + 1 : 0, to: Math.min(total, p * pageSize) };
}

/** A link to the same list with some parameters changed; empty values are dropped. */
export function listUrl(path: string, params: Record<string, unknown>, overrides: Record<string, unknown> = {}): string {
  const merged = { ...params, ...overrides };
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(merged)) {
    if (v === undefined || v === null || v === '' || (k === 'page' && v === 1)) continue;
    qs.set(k, String(v));
  }
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

/** For sortable headers: the URL that sorts by `column`, flipping direction when already sorted by it. */
export function sortUrl(path: string, params: ListBase & Record<string, unknown>, column: string, defaultSort: string, defaultDir: 'asc' | 'desc' = 'asc'): string {
  const dir = params.sort === column ? (params.dir === 'asc' ? 'desc' : 'asc') : column === defaultSort ? defaultDir : 'asc';
  return listUrl(path, params, { sort: column === defaultSort ? undefined : column, dir: dir === defaultDir ? undefined : dir, page: undefined });
}

/** What list templates need: the params, page info and link builders. */
export function listView<P extends ListBase & Record<string, unknown>>(path: string, params: P, info: PageInfo, defaultSort: string, defaultDir: 'asc' | 'desc' = 'asc') {
  const activeFilters = Object.entries(params).filter(([k, v]) => !['sort', 'dir', 'page'].includes(k) && v !== undefined && v !== '' && v !== null).length;
  return {
    path,
    params,
    info,
    activeFilters,
    url: (overrides: Record<string, unknown> = {}) => listUrl(path, params, overrides),
    exportUrl: listUrl(`${path}/export.csv`, params, { page: undefined }),
    defaultSort,
    defaultDir,
    sortHref: (column: string) => sortUrl(path, params, column, defaultSort, defaultDir),
    sortMark: (column: string) => (params.sort === column ? (params.dir === 'desc' ? '▼' : '▲') : ''),
    ariaSort: (column: string) => (params.sort === column ? (params.dir === 'desc' ? 'descending' : 'ascending') : 'none'),
  };
}

export type ListView = ReturnType<typeof listView>;

/**
 * One page of a list, ids first: the total, then the page's ids over the filter and sort
 * indexes, then only those rows with their joins — so page 2,000 skips index entries, not
 * joined rows (ARCHITECTURE: deep pages must not grow with the table).
 */
export async function pageByIds<R>(opts: {
  page: number;
  pageSize: number;
  count: () => Promise<number>;
  ids: (limit: number, offset: number) => Promise<number[]>;
  rows: (ids: number[]) => Promise<R[]>;
}): Promise<{ rows: R[]; total: number }> {
  const total = await opts.count();
  const page = Math.min(opts.page, Math.max(1, Math.ceil(total / opts.pageSize)));
  const ids = await opts.ids(opts.pageSize, (page - 1) * opts.pageSize);
  return { rows: ids.length ? await opts.rows(ids) : [], total };
}
