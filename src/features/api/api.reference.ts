/**
 * The API reference page (/help/api): the OpenAPI document read into sections a person scans —
 * per collection its operations, parameters, body fields and answers. Rendered by our own
 * template (no CDN, no script), so it matches the app and its content security policy.
 */
type Json = Record<string, unknown>;

export interface RefField {
  name: string;
  type: string;
  required: boolean;
  note: string;
}
export interface RefOperation {
  id: string;
  method: string;
  path: string;
  summary: string;
  description: string;
  params: RefField[];
  body: { name: string; fields: RefField[] } | null;
  returns: string;
  responses: { code: string; description: string }[];
}
export interface RefSection {
  tag: string;
  anchor: string;
  operations: RefOperation[];
}

/** Markdown's code marks read as plain quotes on the page. */
const plain = (s: string) => s.replace(/`([^`]*)`/g, '“$1”');

const refName = (ref: string) => ref.split('/').pop() ?? ref;

/** A JSON Schema as a short type: "integer | null", "string (email)", "one of: todo, call", "Deal[]". */
export function typeOf(s: Json | undefined): string {
  if (!s || Object.keys(s).length === 0) return 'any';
  if (typeof s.$ref === 'string') return refName(s.$ref);
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return `one of: ${(s.enum as unknown[]).map((v) => String(v)).join(', ')}`;
  if (Array.isArray(s.anyOf)) return [...new Set((s.anyOf as Json[]).map(typeOf))].join(' | ');
  const types = Array.isArray(s.type) ? (s.type as string[]) : s.type ? [s.type as string] : [];
  return (
    types
      .map((ty) => {
        if (ty === 'array') return `${typeOf(s.items as Json)}[]`;
        if (ty === 'string' && typeof s.format === 'string') return `string (${s.format})`;
        return ty;
      })
      .join(' | ') || 'object'
  );
}

function noteOf(s: Json): string {
  const bits: string[] = [];
  if (typeof s.description === 'string') bits.push(plain(s.description).replace(/\.$/, ''));
  if (typeof s.maxLength === 'number') bits.push(`at most ${s.maxLength} characters`);
  if (typeof s.minimum === 'number' && typeof s.maximum === 'number' && s.maximum < 1e9) bits.push(`${s.minimum}–${s.maximum}`);
  if (Array.isArray(s.anyOf)) for (const x of s.anyOf as Json[]) if (typeof x.maxLength === 'number') bits.push(`at most ${x.maxLength} characters`);
  if (s.default !== undefined) bits.push(`default ${JSON.stringify(s.default)}`);
  return bits.length ? `${bits.join('; ')}.` : '';
}

function fieldsOf(schema: Json, schemas: Record<string, Json>): RefField[] {
  const s = typeof schema.$ref === 'string' ? schemas[refName(schema.$ref)] : schema;
  const required = new Set((s?.required as string[] | undefined) ?? []);
  return Object.entries((s?.properties as Record<string, Json> | undefined) ?? {}).map(([name, p]) => ({ name, type: typeOf(p), required: required.has(name), note: noteOf(p) }));
}

export function referenceSections(doc: Json): RefSection[] {
  const schemas = ((doc.components as Json).schemas ?? {}) as Record<string, Json>;
  const sections = new Map<string, RefOperation[]>();
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = ((op.tags as string[] | undefined) ?? ['Other'])[0];
      const body = (((op.requestBody as Json | undefined)?.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema as Json | undefined;
      const ok = Object.entries(op.responses as Record<string, Json>).find(([code]) => code.startsWith('2'));
      const okSchema = ((ok?.[1].content as Json | undefined)?.['application/json'] as Json | undefined)?.schema as Json | undefined;
      const operation: RefOperation = {
        id: String(op.operationId),
        method: method.toUpperCase(),
        path: `/api/v1${path}`,
        summary: String(op.summary ?? ''),
        description: plain(String(op.description ?? '')),
        params: ((op.parameters as Json[] | undefined) ?? []).map((p) => ({ name: String(p.name), type: typeOf(p.schema as Json), required: Boolean(p.required), note: p.in === 'path' ? 'In the path.' : noteOf(p.schema as Json) })),
        body: body ? { name: typeOf(body), fields: fieldsOf(body, schemas) } : null,
        returns: ok ? `${ok[0]} ${okSchema ? typeOf(okSchema) : String(ok[1].description ?? '')}` : '',
        responses: Object.entries(op.responses as Record<string, Json>).map(([code, r]) => ({ code, description: String(r.description ?? (typeof r.$ref === 'string' ? refName(r.$ref).replace(/([a-z])([A-Z])/g, '$1 $2') : '')) })),
      };
      sections.set(tag, [...(sections.get(tag) ?? []), operation]);
    }
  }
  return [...sections].map(([tag, operations]) => ({ tag, anchor: tag.toLowerCase().replace(/\s+/g, '-'), operations }));
}

/** The record shapes, for the page's "Records" part. */
export function recordShapes(doc: Json): { name: string; fields: RefField[] }[] {
  const schemas = ((doc.components as Json).schemas ?? {}) as Record<string, Json>;
  return Object.entries(schemas)
    .filter(([name]) => !/(Create|Update|Page|Move|Convert|Conversion)$/.test(name) && name !== 'Problem' && name !== 'Me')
    .map(([name, s]) => ({ name, fields: fieldsOf(s, schemas) }));
}
