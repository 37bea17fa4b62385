import { sql, type Insertable, type Updateable } from 'kysely';
import type { LeadStatus, LeadStatusesTable } from '../../db/schema.js';
import type { Executor } from '../../lib/entities.js';

export function listLeadStatuses(db: Executor): Promise<LeadStatus[]> {
  return db.selectFrom('lead_statuses').selectAll().orderBy('position').orderBy('id').execute();
}

/** Each status with how many leads sit in it (the settings page's in-use figure), from the kept totals. */
export function listLeadStatusesWithCounts(db: Executor) {
  return db
    .selectFrom('lead_statuses as s')
    .selectAll('s')
    .select((eb) => eb.selectFrom('lead_status_totals as t').select(sql<number>`cast(total(t.leads) as integer)`.as('n')).whereRef('t.lead_status_id', '=', 's.id').as('leads_count'))
    .orderBy('s.position')
    .orderBy('s.id')
    .execute();
}

export function findLeadStatus(db: Executor, id: number): Promise<LeadStatus | undefined> {
  return db.selectFrom('lead_statuses').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findDefaultLeadStatus(db: Executor): Promise<LeadStatus | undefined> {
  return db.selectFrom('lead_statuses').selectAll().where('is_default', '=', 1).executeTakeFirst();
}

export function findConversionTarget(db: Executor): Promise<LeadStatus | undefined> {
  return db.selectFrom('lead_statuses').selectAll().where('is_conversion_target', '=', 1).executeTakeFirst();
}

export async function leadStatusNameTaken(db: Executor, name: string, exceptId?: number): Promise<boolean> {
  const row = await db
    .selectFrom('lead_statuses')
    .select('id')
    .where(sql`lower(name)`, '=', name.toLowerCase())
    .$if(Boolean(exceptId), (q) => q.where('id', '!=', exceptId!))
    .executeTakeFirst();
  return Boolean(row);
}

/** Leads in the status, and whether the status history (the conversion report's source) names it. */
export async function leadStatusUse(db: Executor, id: number): Promise<{ leads: number; history: boolean }> {
  const leads = await db.selectFrom('leads').select(sql<number>`count(*)`.as('n')).where('lead_status_id', '=', id).executeTakeFirstOrThrow();
  const history = await db
    .selectFrom('lead_status_history')
    .select('id')
    .where((eb) => eb.or([eb('to_status_id', '=', id), eb('from_status_id', '=', id)]))
    .limit(1)
    .executeTakeFirst();
  return { leads: Number(leads.n), history: Boolean(history) };
}

export async function insertLeadStatus(db: Executor, values: Insertable<LeadStatusesTable>): Promise<number> {
  const row = await db.insertInto('lead_statuses').values(values).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function updateLeadStatusRow(db: Executor, id: number, values: Updateable<LeadStatusesTable>): Promise<void> {
  await db.updateTable('lead_statuses').set(values).where('id', '=', id).execute();
}

export async function deleteLeadStatusRow(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('lead_statuses').where('id', '=', id).execute();
}
