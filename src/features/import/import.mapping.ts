/**
 * Matching a file's columns to a record's fields (SPEC §9): by header, case- and
 * punctuation-insensitive, with the names other CRMs' exports use. Pure functions.
 */

export interface ImportField {
  key: string;
  label: string;
  /** Header spellings that mean this field, normalized (see norm). */
  aliases: string[];
}

/** "E-mail Address" → "emailaddress". */
export const norm = (s: string) => s.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]/g, '');

/**
 * Column index → field key ('' = ignore) for each header: an exact alias first, each field taken
 * once (the first column that names it wins).
 */
export function autoMap(headers: string[], fields: ImportField[]): string[] {
  const taken = new Set<string>();
  return headers.map((h) => {
    const n = norm(h);
    const field = fields.find((f) => !taken.has(f.key) && (f.aliases.includes(n) || norm(f.label) === n || norm(f.key) === n));
    if (!field) return '';
    taken.add(field.key);
    return field.key;
  });
}

/** A row's cells as field → text under a mapping ('' and missing cells are null). */
export function mapRow(cells: string[], mapping: string[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  mapping.forEach((key, i) => {
    if (!key) return;
    const v = (cells[i] ?? '').trim();
    if (v !== '' || !(key in out)) out[key] = v === '' ? (out[key] ?? null) : v;
  });
  return out;
}

/** "Ada Lovelace" → first "Ada", last "Lovelace"; "Lovelace, Ada" → the same; one word is a last name. */
export function splitName(full: string): { first: string | null; last: string | null } {
  const s = full.trim().replace(/\s+/g, ' ');
  if (!s) return { first: null, last: null };
  if (s.includes(',')) {
    const [last, first] = s.split(',').map((x) => x.trim());
    return { first: first || null, last: last || null };
  }
  const i = s.lastIndexOf(' ');
  return i < 0 ? { first: null, last: s } : { first: s.slice(0, i), last: s.slice(i + 1) };
}
