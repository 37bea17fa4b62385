/**
 * How each entity's fields read on a timeline: a label, and for references the table whose
 * `name` replaces the stored id. Features register their fields when their module loads.
 */
export type RefTable = 'users' | (string & {});
export type FieldKind = 'text' | 'bool' | 'money' | 'date' | 'percent' | 'password';

export interface TimelineField {
  label: string;
  ref?: RefTable;
  kind?: FieldKind;
}

const registry = new Map<string, Record<string, TimelineField>>();
const nouns = new Map<string, string>();

export function registerTimelineFields(entityType: string, noun: string, fields: Record<string, TimelineField>): void {
  registry.set(entityType, fields);
  nouns.set(entityType, noun);
}

export function timelineField(entityType: string, field: string): TimelineField {
  return registry.get(entityType)?.[field] ?? { label: field.replace(/_id$/, '').replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()) };
}

export function entityNoun(entityType: string): string {
  return nouns.get(entityType) ?? entityType.replace(/_/g, ' ');
}
