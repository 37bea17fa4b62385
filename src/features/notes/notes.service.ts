import type { Note } from '../../db/schema.js';
import type { Viewer } from '../../types.js';
import { ForbiddenError, NotFoundError } from '../../lib/errors.js';
import { nowIso } from '../../lib/time.js';
import { record } from '../timeline/timeline.queries.js';
import { touchDeal } from '../deals/deals.queries.js';
import type { Trx } from '../../lib/writes.js';
import type { Executor } from '../../lib/entities.js';
import * as q from './notes.queries.js';


export async function addNote(trx: Trx, viewer: Viewer, entityType: string, entityId: number, body: string): Promise<number> {
  const now = nowIso();
  const id = await q.insertNote(trx, { entity_type: entityType, entity_id: entityId, body, user_id: viewer.id }, now);
  // A note is activity: it resets a deal's rotting clock.
  if (entityType === 'deal') await touchDeal(trx, entityId, now);
  await record(trx, { entityType: 'note', entityId: id, action: 'created', userId: viewer.id, changes: { body: [null, body], [entityType]: [null, entityId] } });
  return id;
}

/** The author or an admin may change a note. */
function assertMayChange(viewer: Viewer, note: Note): void {
  if (note.user_id !== viewer.id && viewer.role !== 'admin') throw new ForbiddenError('Only the author or an admin can change this note.');
}

export async function editNote(trx: Trx, viewer: Viewer, note: Note, body: string): Promise<void> {
  assertMayChange(viewer, note);
  await q.updateNoteBody(trx, note.id, body, nowIso());
  await record(trx, { entityType: 'note', entityId: note.id, action: 'updated', userId: viewer.id, changes: { body: [note.body, body] } });
}

export async function removeNote(trx: Trx, viewer: Viewer, note: Note): Promise<void> {
  assertMayChange(viewer, note);
  await q.deleteNote(trx, note.id);
  // The parent's timeline keeps a trace that a note was removed, and what it said.
  await record(trx, { entityType: note.entity_type, entityId: note.entity_id, action: 'note_deleted', userId: viewer.id, changes: { body: [note.body, null] } });
}

export async function loadNote(db: Executor, id: number): Promise<Note> {
  const note = await q.findNote(db, id);
  if (!note) throw new NotFoundError();
  return note;
}
