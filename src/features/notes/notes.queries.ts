import type { Kysely, Transaction } from 'kysely';
import type { Database, Note } from '../../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

export async function insertNote(db: Executor, values: { entity_type: string; entity_id: number; body: string; user_id: number }, now: string): Promise<number> {
  const row = await db.insertInto('notes').values({ ...values, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export function findNote(db: Executor, id: number): Promise<Note | undefined> {
  return db.selectFrom('notes').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function updateNoteBody(db: Executor, id: number, body: string, now: string): Promise<void> {
  await db.updateTable('notes').set({ body, updated_at: now }).where('id', '=', id).execute();
}

export async function deleteNote(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('notes').where('id', '=', id).execute();
}

/** Notes go with their record when it is deleted (the audit trail stays). */
export async function deleteNotesOf(db: Executor, entityType: string, entityId: number): Promise<void> {
  await db.deleteFrom('notes').where('entity_type', '=', entityType).where('entity_id', '=', entityId).execute();
}
