import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Viewer } from '../types.js';
import { ForbiddenError } from './errors.js';
import { getSettings, type CrmSettings } from '../features/settings/settings.queries.js';

/** Who is asking and what they may see: passed into every query that lists or loads records. */
export interface Scope {
  viewer: Viewer;
  /** With rep_visibility = own, a rep sees only records assigned to them. */
  ownOnly: boolean;
  settings: CrmSettings;
  /** Rows per list page: the viewer's choice, else the CRM default. */
  pageSize?: number;
}

/** `known`: settings the caller already read (the session plugin keeps them between requests). */
export async function scopeFor(db: Kysely<Database>, viewer: Viewer, known?: CrmSettings): Promise<Scope> {
  const settings = known ?? (await getSettings(db));
  return { viewer, ownOnly: viewer.role === 'rep' && settings.rep_visibility === 'own', settings, pageSize: viewer.pageSize ?? settings.page_size };
}

/** Reps edit records assigned to them or to no one; managers and admins edit all. */
export function canEdit(viewer: Viewer, assignedTo: number | null): boolean {
  return viewer.role !== 'rep' || assignedTo === null || assignedTo === viewer.id;
}

export function assertCanEdit(viewer: Viewer, assignedTo: number | null, noun: string): void {
  if (!canEdit(viewer, assignedTo)) {
    throw new ForbiddenError(`This ${noun} is assigned to someone else. Ask them or a manager to change it.`);
  }
}

export function canManage(viewer: Viewer): boolean {
  return viewer.role === 'admin' || viewer.role === 'manager';
}
