import type { Executor, RefTable } from '../../lib/entities.js';
import { formatMoney } from '../../lib/format.js';
import { namesOf } from '../timeline/timeline.queries.js';
import type { DuplicateKind } from './duplicates.kinds.js';

/**
 * Field values as a person reads them — names for referenced ids (one query per referenced table
 * for all rows), Yes/No, money — keyed by record id, then field.
 */
export async function presentValues(db: Executor, d: DuplicateKind, rows: Record<string, unknown>[], fields: readonly string[], currency?: string): Promise<Map<number, Record<string, string>>> {
  const wanted = new Map<RefTable, Set<number>>();
  for (const f of fields) {
    const ref = d.kind.fields[f]?.ref;
    if (!ref) continue;
    const ids = wanted.get(ref) ?? new Set<number>();
    for (const r of rows) if (typeof r[f] === 'number') ids.add(r[f] as number);
    wanted.set(ref, ids);
  }
  const names = new Map<RefTable, Map<number, string>>();
  for (const [table, ids] of wanted) names.set(table, await namesOf(db, table, [...ids]));
  const out = new Map<number, Record<string, string>>();
  for (const r of rows) {
    const shown: Record<string, string> = {};
    for (const f of fields) {
      const v = r[f];
      const spec = d.kind.fields[f];
      if (v === null || v === undefined || v === '') shown[f] = '';
      else if (spec?.ref) shown[f] = names.get(spec.ref)?.get(Number(v)) ?? `#${v}`;
      else if (spec?.kind === 'bool') shown[f] = v ? 'Yes' : 'No';
      else if (spec?.kind === 'money') shown[f] = formatMoney(Number(v), currency);
      else shown[f] = String(v);
    }
    out.set(Number(r.id), shown);
  }
  return out;
}
