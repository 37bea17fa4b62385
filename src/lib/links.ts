import type { Scope } from './access.js';
import type { AnyKind, Executor } from './entities.js';

/**
 * May a form link to this record? Only to records the viewer can see; a link the record already
 * has may stay (a rep editing their deal keeps its company even when that company is not theirs).
 */
export async function linkable(db: Executor, scope: Scope, kind: AnyKind, id: number | null | undefined, current?: number | null): Promise<boolean> {
  if (!id || id === current) return true;
  const key = `${scope.viewer.id}:${kind.type}:${id}`;
  if (seenIn(db)?.has(key)) return true;
  const ok = (await kind.named(db, scope, [id])).length === 1;
  if (ok) seenIn(db)?.add(key);
  return ok;
}

/**
 * Checks that passed, remembered for the rest of their transaction: an import batch links
 * hundreds of rows to the same few companies and users. Only passes are kept — a record made
 * visible later in the transaction is looked up again — and nothing outlives the transaction.
 */
const passed = new WeakMap<object, Set<string>>();
export function seenIn(db: Executor): Set<string> | null {
  if (!db.isTransaction) return null;
  let set = passed.get(db);
  if (!set) passed.set(db, (set = new Set()));
  return set;
}

/** The same for a set of links: every new id must be visible. */
export async function allLinkable(db: Executor, scope: Scope, kind: AnyKind, ids: readonly number[], current: readonly number[] = []): Promise<boolean> {
  const added = [...new Set(ids)].filter((id) => !current.includes(id));
  return (await kind.named(db, scope, added)).length === added.length;
}

/** A select's current choice: a record's own link (named by the record) or an id from a URL. */
export type CurrentChoice = number | { id: number; name: string } | null | undefined;

/**
 * Keeps the current choice in a bounded option list. A record's own link is shown as the record
 * names it; an id that came from a URL or a form is looked up through the scoped base query, so
 * an option list never names a record the viewer cannot see.
 */
export async function withCurrent(db: Executor, scope: Scope, kind: AnyKind, rows: { id: number; name: string }[], current: CurrentChoice): Promise<{ id: number; name: string }[]> {
  if (!current) return rows;
  const id = typeof current === 'number' ? current : current.id;
  if (rows.some((r) => r.id === id)) return rows;
  const found = typeof current === 'number' ? (await kind.named(db, scope, [current]))[0] : current;
  return found ? [found, ...rows] : rows;
}
