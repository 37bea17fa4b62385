import { sql, type Insertable, type Kysely, type Transaction, type Updateable } from 'kysely';
import type { Database, DealStage, DealStagesTable, Pipeline, PipelinesTable } from '../../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

export function listPipelines(db: Executor, opts: { activeOnly?: boolean } = {}): Promise<Pipeline[]> {
  let q = db.selectFrom('pipelines').selectAll();
  if (opts.activeOnly) q = q.where('is_active', '=', 1);
  return q.orderBy('position').orderBy('id').execute();
}

/** Pipelines with their stage and deal counts, for the settings page. */
export function listPipelinesWithCounts(db: Executor) {
  return db
    .selectFrom('pipelines as p')
    .selectAll('p')
    .select((eb) => [
      eb.selectFrom('deal_stages').select(eb.fn.countAll<number>().as('n')).whereRef('pipeline_id', '=', 'p.id').as('stages_count'),
      eb.selectFrom('deals').select(eb.fn.countAll<number>().as('n')).whereRef('pipeline_id', '=', 'p.id').as('deals_count'),
    ])
    .orderBy('p.position')
    .orderBy('p.id')
    .execute();
}

export function findPipeline(db: Executor, id: number): Promise<Pipeline | undefined> {
  return db.selectFrom('pipelines').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findDefaultPipeline(db: Executor): Promise<Pipeline | undefined> {
  return db.selectFrom('pipelines').selectAll().where('is_active', '=', 1).orderBy('is_default', 'desc').orderBy('position').orderBy('id').limit(1).executeTakeFirst();
}

export async function pipelineNameTaken(db: Executor, name: string, exceptId?: number): Promise<boolean> {
  let q = db.selectFrom('pipelines').select('id').where(sql`lower(name)`, '=', name.toLowerCase());
  if (exceptId) q = q.where('id', '!=', exceptId);
  return Boolean(await q.executeTakeFirst());
}

export function listStages(db: Executor, pipelineId: number): Promise<DealStage[]> {
  return db.selectFrom('deal_stages').selectAll().where('pipeline_id', '=', pipelineId).orderBy('position').orderBy('id').execute();
}

export function findStage(db: Executor, id: number): Promise<DealStage | undefined> {
  return db.selectFrom('deal_stages').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function countDealsInStage(db: Executor, stageId: number): Promise<number> {
  const r = await db.selectFrom('deals').select((eb) => eb.fn.countAll<number>().as('n')).where('stage_id', '=', stageId).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function countDealsInPipeline(db: Executor, pipelineId: number): Promise<number> {
  const r = await db.selectFrom('deals').select((eb) => eb.fn.countAll<number>().as('n')).where('pipeline_id', '=', pipelineId).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Ordered settings tables (display order is `position`): pipelines, their stages, lead statuses. */
export type OrderedTable = 'pipelines' | 'deal_stages' | 'lead_statuses';

export async function nextPosition(db: Executor, table: OrderedTable, pipelineId?: number): Promise<number> {
  let q = db.selectFrom(table).select(sql<number>`coalesce(max(position), 0) + 1`.as('p'));
  if (table === 'deal_stages' && pipelineId) q = q.where('pipeline_id', '=', pipelineId);
  return (await q.executeTakeFirstOrThrow()).p;
}

export async function reorder(db: Executor, table: OrderedTable, ids: number[], pipelineId?: number): Promise<void> {
  for (const [i, id] of ids.entries()) {
    let q = db.updateTable(table).set({ position: i + 1 }).where('id', '=', id);
    if (table === 'deal_stages' && pipelineId) q = q.where('pipeline_id', '=', pipelineId);
    await q.execute();
  }
}

export function listStagesWithCounts(db: Executor, pipelineId: number) {
  return db
    .selectFrom('deal_stages as s')
    .selectAll('s')
    .select((eb) => eb.selectFrom('deals').select(eb.fn.countAll<number>().as('n')).whereRef('stage_id', '=', 's.id').as('deals_count'))
    .where('s.pipeline_id', '=', pipelineId)
    .orderBy('s.position')
    .orderBy('s.id')
    .execute();
}

export function findDefaultPipelineExcept(db: Executor, exceptId: number) {
  return db.selectFrom('pipelines').select('id').where('is_default', '=', 1).where('id', '!=', exceptId).executeTakeFirst();
}

export async function insertPipeline(db: Executor, values: Insertable<PipelinesTable>): Promise<number> {
  return (await db.insertInto('pipelines').values(values).returning('id').executeTakeFirstOrThrow()).id;
}

export async function updatePipelineRow(db: Executor, id: number, values: Updateable<PipelinesTable>): Promise<void> {
  await db.updateTable('pipelines').set(values).where('id', '=', id).execute();
}

export async function deletePipelineRow(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('pipelines').where('id', '=', id).execute();
}

export async function insertStage(db: Executor, values: Insertable<DealStagesTable>): Promise<number> {
  return (await db.insertInto('deal_stages').values(values).returning('id').executeTakeFirstOrThrow()).id;
}

export async function updateStageRow(db: Executor, id: number, values: Updateable<DealStagesTable>): Promise<void> {
  await db.updateTable('deal_stages').set(values).where('id', '=', id).execute();
}

export async function deleteStageRow(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('deal_stages').where('id', '=', id).execute();
}

/** Reports read stage history: a stage that appears there is renamed, never deleted. */
export async function stageInHistory(db: Executor, stageId: number): Promise<boolean> {
  const row = await db.selectFrom('deal_stage_history').select('id').where((eb) => eb.or([eb('from_stage_id', '=', stageId), eb('to_stage_id', '=', stageId)])).executeTakeFirst();
  return Boolean(row);
}
