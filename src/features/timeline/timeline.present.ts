import { listTimeline, namesOf, timelineCursor, type Executor, type TimelineRow } from './timeline.queries.js';
import type { RefTable } from '../../lib/entities.js';
import { entityNoun, timelineField } from './timeline.fields.js';
import { formatDateTime, formatMoney } from '../../lib/format.js';

export interface TimelineChangeLine {
  label: string;
  from: string;
  to: string;
}

export interface TimelineItem {
  id: number;
  key: string;
  /** For notes: who wrote it, so the page can offer edit and delete to them and admins. */
  authorId: number | null;
  kind: 'created' | 'changed' | 'deleted' | 'stage' | 'note' | 'other';
  who: string;
  at: string;
  summary: string;
  lines: TimelineChangeLine[];
  body: string | null;
}

const ACTION_SUMMARY: Record<string, string> = {
  created: 'created this {noun}',
  updated: 'updated this {noun}',
  deleted: 'deleted this {noun}',
  deactivated: 'deactivated this {noun}',
  reactivated: 'reactivated this {noun}',
  password_reset: 'reset the password',
  password_changed: 'changed the password',
  stage_changed: 'moved this {noun}',
  status_changed: 'moved this {noun}',
  converted: 'converted this {noun}',
  lead_converted: 'converted a lead into this {noun}',
  imported: 'imported this {noun} from a file',
  task_added: 'added a task',
  task_completed: 'completed a task',
  task_reopened: 'reopened a task',
  completed: 'completed this {noun}',
  reopened: 'reopened this {noun}',
  note: 'added a note',
  note_deleted: 'deleted a note',
  related_deleted: 'removed a related record',
  merged: 'merged a duplicate into this {noun}',
  reset: 'reset the {noun} to their defaults',
  merged_into: 'merged this {noun} into another',
  calendar_feed_on: 'made a new calendar feed address',
  calendar_feed_off: 'turned off the calendar feed',
};

function kindOf(action: string): TimelineItem['kind'] {
  if (action === 'created') return 'created';
  if (action.endsWith('deleted')) return 'deleted';
  if (action === 'stage_changed' || action === 'status_changed' || action.endsWith('converted')) return 'stage';
  if (action.startsWith('note')) return 'note';
  if (action === 'updated' || action.endsWith('activated')) return 'changed';
  return 'other';
}

/**
 * Turns stored entries into readable lines. Referenced ids are looked up in one query per
 * referenced table for the whole page of entries, never one per row.
 */
export async function presentTimeline(
  db: Executor,
  rows: TimelineRow[],
  opts: { money: (cents: number) => string; timeZone?: string } = { money: formatMoney },
): Promise<TimelineItem[]> {
  const parsed = rows.map((r) => ({ row: r, changes: r.changes ? (JSON.parse(r.changes) as Record<string, [unknown, unknown]>) : {} }));
  const noun = (row: TimelineRow) => entityNoun(row.entity_type);

  const wanted = new Map<RefTable, Set<number>>();
  for (const { row, changes } of parsed) {
    for (const [field, pair] of Object.entries(changes)) {
      const ref = timelineField(row.entity_type, field).ref;
      if (!ref) continue;
      const ids = wanted.get(ref) ?? new Set<number>();
      for (const v of pair) if (typeof v === 'number') ids.add(v);
      wanted.set(ref, ids);
    }
  }
  const names = new Map<string, Map<number, string>>();
  for (const [table, ids] of wanted) names.set(table, await namesOf(db, table, [...ids]));

  return parsed.map(({ row, changes }) => {
    const lines: TimelineChangeLine[] = [];
    let body: string | null = row.src === 'n' ? row.body : null;
    for (const [field, [oldV, newV]] of Object.entries(changes)) {
      const spec = timelineField(row.entity_type, field);
      if (field === 'body' && row.action.startsWith('note')) {
        body = typeof newV === 'string' ? newV : typeof oldV === 'string' ? oldV : null;
        continue;
      }
      const show = (v: unknown): string => {
        if (v === null || v === undefined || v === '') return '—';
        if (spec.kind === 'password') return '••••';
        if (spec.ref && typeof v === 'number') return names.get(spec.ref)?.get(v) ?? `#${v} (deleted)`;
        if (spec.kind === 'bool') return v ? 'Yes' : 'No';
        if (spec.kind === 'money' && typeof v === 'number') return opts.money(v);
        if (spec.kind === 'percent') return `${v}%`;
        if (spec.kind === 'datetime' && typeof v === 'string') return formatDateTime(v, opts.timeZone);
        return String(v);
      };
      lines.push({ label: spec.label, from: show(oldV), to: show(newV) });
    }
    // An imported record's "created" entry names its file (import job): one entry, not two.
    const file = row.action === 'created' && 'file' in changes ? String(changes.file[1] ?? '') : null;
    const template = file ? `imported this {noun} from ${file}` : (ACTION_SUMMARY[row.action] ?? row.action.replace(/_/g, ' '));
    return {
      id: row.id,
      key: `${row.src}${row.id}`,
      authorId: row.src === 'n' ? row.user_id : null,
      kind: kindOf(row.action),
      who: row.user_name ?? 'System',
      at: row.created_at,
      summary: template.replace('{noun}', noun(row)),
      lines,
      body,
    };
  });
}

/** One page of a record's timeline and the URL of the next, for detail pages and "load more". */
export async function timelinePage(
  db: Executor,
  entityType: string,
  entityId: number,
  opts: { before?: string | null; moreBase: string; limit?: number; currency?: string; timeZone?: string },
): Promise<{ timeline: TimelineItem[]; moreUrl: string | null }> {
  const limit = opts.limit ?? 20;
  const rows = await listTimeline(db, entityType, entityId, { before: opts.before, limit: limit + 1 });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    timeline: await presentTimeline(db, page, { money: (cents) => formatMoney(cents, opts.currency), timeZone: opts.timeZone }),
    moreUrl: rows.length > limit && last ? `${opts.moreBase}?before=${encodeURIComponent(timelineCursor(last))}` : null,
  };
}
