import { sql } from 'kysely';
import type { Scope } from '../../lib/access.js';
import type { Executor } from '../../lib/entities.js';
import type { DuplicateKind, Signal } from './duplicates.kinds.js';

export const GROUPS_PER_PAGE = 20;
/** Members shown per group; a bigger group says how many more there are. */
export const MEMBERS_SHOWN = 8;

export interface DuplicateGroup {
  key: string;
  count: number;
  members: Record<string, unknown>[];
}

/**
 * How many groups each signal finds among the records the viewer may see. Each is one walk of the
 * key's partial index (GROUP BY on an indexed column), never a pairwise comparison.
 */
export async function groupCounts(db: Executor, scope: Scope, d: DuplicateKind): Promise<Map<Signal['by'], number>> {
  const out = new Map<Signal['by'], number>();
  for (const s of d.signals) {
    const col = sql.ref(`${d.alias}.${s.column}`);
    const inner = d
      .base(db, scope)
      .select(col.as('key'))
      .where(sql<boolean>`${col} is not null`)
      .groupBy(col)
      .having(sql<boolean>`count(*) > 1`);
    const row = await db.selectFrom(inner.as('g')).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    out.set(s.by, Number(row?.n ?? 0));
  }
  return out;
}

/** One page of groups in key order, each with its first members (one query for all of them). */
export async function groupPage(db: Executor, scope: Scope, d: DuplicateKind, s: Signal, page: number): Promise<DuplicateGroup[]> {
  const col = sql.ref(`${d.alias}.${s.column}`);
  const keys = await d
    .base(db, scope)
    .select([col.as('key'), (eb) => eb.fn.countAll<number>().as('n')])
    .where(sql<boolean>`${col} is not null`)
    .groupBy(col)
    .having(sql<boolean>`count(*) > 1`)
    .orderBy(col)
    .limit(GROUPS_PER_PAGE)
    .offset((page - 1) * GROUPS_PER_PAGE)
    .execute();
  if (!keys.length) return [];
  const wanted = keys.map((k) => String((k as { key: unknown }).key));
  const ranked = d
    .base(db, scope)
    .selectAll(d.alias as never)
    .select([col.as('dup_key'), sql<number>`row_number() over (partition by ${col} order by ${sql.ref(`${d.alias}.id`)})`.as('rn')])
    .where(col, 'in', wanted);
  const rows = (await db.selectFrom(ranked.as('m')).selectAll().where('m.rn', '<=', MEMBERS_SHOWN).orderBy('m.dup_key').orderBy('m.id').execute()) as Record<string, unknown>[];
  const byKey = new Map<string, Record<string, unknown>[]>();
  for (const r of rows) {
    const list = byKey.get(String(r.dup_key)) ?? [];
    list.push(r);
    byKey.set(String(r.dup_key), list);
  }
  return keys.map((k) => {
    const key = String((k as { key: unknown }).key);
    return { key, count: Number((k as { n: unknown }).n), members: byKey.get(key) ?? [] };
  });
}

/** How many related records each of `ids` has: shown beside a merge so nobody is surprised. */
export async function relatedCounts(db: Executor, d: DuplicateKind, ids: number[]): Promise<Map<number, Record<string, number>>> {
  const out = new Map<number, Record<string, number>>(ids.map((id) => [id, {}]));
  const add = (id: number, what: string, n: number) => {
    const o = out.get(id);
    if (o) o[what] = (o[what] ?? 0) + n;
  };
  for (const [table, column] of d.pointers) {
    const rows = await db.selectFrom(table).select([sql.ref(column).as('id'), (eb) => eb.fn.countAll<number>().as('n')]).where(sql.ref(column), 'in', ids).groupBy(sql.ref(column)).execute();
    for (const r of rows as { id: number; n: number }[]) add(r.id, table, Number(r.n));
  }
  if (d.kind.type === 'contact') {
    const rows = await db.selectFrom('deal_contacts').select(['contact_id as id', (eb) => eb.fn.countAll<number>().as('n')]).where('contact_id', 'in', ids).groupBy('contact_id').execute();
    for (const r of rows) add(r.id, 'deals', Number(r.n));
  }
  for (const table of ['tasks', 'notes'] as const) {
    const rows = await db.selectFrom(table).select(['entity_id as id', (eb) => eb.fn.countAll<number>().as('n')]).where('entity_type', '=', d.kind.type).where('entity_id', 'in', ids).groupBy('entity_id').execute();
    for (const r of rows) add(Number(r.id), table, Number(r.n));
  }
  return out;
}
