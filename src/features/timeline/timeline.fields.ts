import { auditedKind, type FieldLabel } from '../../lib/entities.js';

/** How each entity's fields read on a timeline: the labels come from the entity registry. */
export type { FieldKind, RefTable } from '../../lib/entities.js';
export type TimelineField = FieldLabel;

export function timelineField(entityType: string, field: string): TimelineField {
  return auditedKind(entityType)?.fields[field] ?? { label: field.replace(/_id$/, '').replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()) };
}

export function entityNoun(entityType: string): string {
  return auditedKind(entityType)?.noun ?? entityType.replace(/_/g, ' ');
}
