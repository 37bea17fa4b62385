import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Scope } from '../../lib/access.js';

/** Customers for a deal form: those of the chosen company first, bounded, plus the current one. */
export async function customerOptions(db: Kysely<Database>, scope: Scope, companyId: number | null, currentId: number | null) {
  let q = db.selectFrom('customers as k').select(['k.id', 'k.name']);
  if (companyId) q = q.where('k.company_id', '=', companyId);
  if (scope.ownOnly) q = q.where('k.assigned_to', '=', scope.viewer.id);
  const rows = await q.orderBy(sql`k.name collate nocase`).limit(300).execute();
  if (currentId && !rows.some((r) => r.id === currentId)) {
    const cur = await db.selectFrom('customers').select(['id', 'name']).where('id', '=', currentId).executeTakeFirst();
    if (cur) rows.unshift(cur);
  }
  return rows.map((r) => ({ value: r.id, label: r.name }));
}

/** Contacts for a deal form: the chosen company's people (or the first by name), plus those linked. */
export async function contactOptions(db: Kysely<Database>, scope: Scope, companyId: number | null, linked: number[]) {
  let q = db.selectFrom('contacts as p').leftJoin('companies as c', 'c.id', 'p.company_id').select(['p.id', 'p.first_name', 'p.last_name', 'c.name as company_name']);
  if (companyId) q = q.where('p.company_id', '=', companyId);
  if (scope.ownOnly) q = q.where('p.assigned_to', '=', scope.viewer.id);
  const rows = await q.orderBy(sql`p.last_name collate nocase`).limit(300).execute();
  const missing = linked.filter((id) => !rows.some((r) => r.id === id));
  if (missing.length) {
    rows.unshift(...(await db.selectFrom('contacts as p').leftJoin('companies as c', 'c.id', 'p.company_id').select(['p.id', 'p.first_name', 'p.last_name', 'c.name as company_name']).where('p.id', 'in', missing).execute()));
  }
  return rows.map((r) => ({ value: r.id, label: [r.first_name, r.last_name].filter(Boolean).join(' ') + (r.company_name && !companyId ? ` · ${r.company_name}` : '') }));
}
