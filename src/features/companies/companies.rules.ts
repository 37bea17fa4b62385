/** A bare "example.com" is stored as "https://example.com"; null when it is not a usable URL. */
export function normalizeWebsite(input: string): string | null {
  const trimmed = input.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  try {
    const url = new URL(withScheme);
    if (!['http:', 'https:'].includes(url.protocol) || !url.hostname.includes('.') || /\s/.test(trimmed)) return null;
    return withScheme;
  } catch {
    return null;
  }
}

/** "Reassign or remove the 3 customers and 2 contacts first." — or null when nothing blocks. */
export function deleteRefusal(name: string, blockers: { noun: string; count: number }[]): string | null {
  const present = blockers.filter((b) => b.count > 0);
  if (!present.length) return null;
  const parts = present.map((b) => `${b.count} ${b.count === 1 ? b.noun : pluralNoun(b.noun)}`);
  const list = parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : parts[0];
  return `${name} has ${list}. Reassign or remove ${present.length === 1 && present[0].count === 1 ? 'it' : 'them'} first.`;
}

export function pluralNoun(noun: string): string {
  if (noun.endsWith('y') && !/[aeiou]y$/.test(noun)) return noun.slice(0, -1) + 'ies';
  if (/(s|x|ch|sh)$/.test(noun)) return noun + 'es';
  return noun + 's';
}
