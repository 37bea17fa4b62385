import { z } from 'zod';
import { MAX_MONEY_CENTS } from '../../lib/forms.js';
import { moveSchema } from '../deals/deals.schemas.js';
import { convertSchema } from '../leads/leads.schemas.js';
import { API_RESOURCES, type ApiResource } from './api.resources.js';
import { pagingSchema } from './api.paging.js';

/**
 * The OpenAPI 3.1 document of /api/v1, generated from the registry (api.resources) and the zod
 * schemas behind it — the same list filters, form schemas and paging schema the routes parse
 * with — so it cannot drift from what the API accepts. Served at /api/v1/openapi.json and shown
 * on /help/api.
 */
type Json = Record<string, unknown>;

const pascal = (s: string) => s.replace(/(^|[_-])(\w)/g, (_m, _s, c: string) => c.toUpperCase());

/** A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect): what the values are once parsed. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): Json {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  delete out.$schema;
  return out;
}

/** Fields a create must send: those an empty body is refused for. */
function requiredOf(schema: z.ZodType): string[] {
  const r = schema.safeParse({});
  return r.success ? [] : [...new Set(r.error.issues.map((i) => String(i.path[0] ?? '')).filter(Boolean))];
}

/** Properties of an object schema (an intersection's parts merged). */
function propertiesOf(js: Json): Record<string, Json> {
  if (js.properties) return js.properties as Record<string, Json>;
  if (Array.isArray(js.allOf)) return Object.assign({}, ...(js.allOf as Json[]).map(propertiesOf));
  return {};
}

/** Amounts: the forms' money fields read "1200.50" in the currency and store minor units. */
function moneyAsTyped(props: Record<string, Json>): Record<string, Json> {
  const isMoney = (p: Json) => p.maximum === MAX_MONEY_CENTS || (Array.isArray(p.anyOf) && (p.anyOf as Json[]).some((x) => x.maximum === MAX_MONEY_CENTS));
  for (const [k, p] of Object.entries(props)) {
    if (isMoney(p)) props[k] = { type: ['number', 'null'], minimum: 0, maximum: MAX_MONEY_CENTS / 100, description: 'An amount in the CRM currency, like 1200.50.' };
  }
  return props;
}

function bodySchema(schema: z.ZodType, required: boolean): Json {
  const props = moneyAsTyped(propertiesOf(jsonSchema(schema)));
  const body: Json = { type: 'object', properties: props, additionalProperties: false };
  const req = required ? requiredOf(schema).filter((k) => k in props) : [];
  if (req.length) body.required = req;
  return body;
}

const idProp = { type: 'integer', minimum: 1 };
const stamp = { type: 'string', format: 'date-time' };

/**
 * A record as returned: its own record schema, or its write schema's fields (the forms' fields are
 * its columns), with the keys every record has. Every listed field is in every answer; a row's
 * other columns (closing dates, conversion links) come too.
 */
function recordSchema(r: ApiResource): Json {
  const props: Record<string, Json> = { id: idProp };
  Object.assign(props, r.record ? propertiesOf(jsonSchema(r.record)) : moneyAsTyped(propertiesOf(jsonSchema(r.write!.updateSchema))));
  if ('value' in props) props.value_cents = { type: ['integer', 'null'], description: 'The amount in minor units (cents).' };
  if (r.write && r.table !== 'notes') props.version = { type: 'integer', minimum: 1, description: 'Send it back with a change to be told (409) when someone else changed the record since.' };
  props.created_at = stamp;
  props.updated_at = stamp;
  return { type: 'object', properties: props, required: Object.keys(props), additionalProperties: true };
}

function queryParameters(schema: z.ZodType, omit: string[] = [], io: 'input' | 'output' = 'output'): Json[] {
  const props = propertiesOf(jsonSchema(schema, io));
  return Object.entries(props)
    .filter(([k]) => !omit.includes(k))
    .map(([name, s]) => ({ name, in: 'query', required: false, schema: s }));
}

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });
const json = (ref: string, description = 'OK') => ({ description, content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } });
const idParam = { name: 'id', in: 'path', required: true, schema: idProp };
const errors = { 401: { $ref: '#/components/responses/Unauthorized' }, 429: { $ref: '#/components/responses/TooManyRequests' } };

export function openApiDocument(): Json {
  const schemas: Record<string, Json> = {
    Problem: {
      type: 'object',
      description: 'RFC 9457 problem details; a 422 lists the message for each field under `errors`.',
      properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, errors: { type: 'object', additionalProperties: { type: 'string' } } },
      required: ['type', 'title', 'status', 'detail'],
    },
    Me: {
      type: 'object',
      properties: { id: idProp, name: { type: 'string' }, email: { type: 'string' }, role: { type: 'string', enum: ['admin', 'manager', 'rep'] }, token: { type: ['object', 'null'], properties: { id: idProp, scope: { type: 'string', enum: ['read', 'write'] } } } },
      required: ['id', 'name', 'email', 'role'],
    },
  };
  const paths: Record<string, Json> = {
    '/me': { get: { operationId: 'getMe', summary: 'Who the token acts as', tags: ['Account'], responses: { 200: json('Me'), ...errors } } },
  };

  for (const r of API_RESOURCES) {
    const Noun = pascal(r.noun);
    const Plural = pascal(r.name);
    const tag = pascal(r.name).replace(/([a-z])([A-Z])/g, '$1 $2');
    schemas[Noun] = recordSchema(r);
    schemas[`${Noun}Page`] = {
      type: 'object',
      properties: { data: { type: 'array', items: { $ref: `#/components/schemas/${Noun}` } }, next_cursor: { type: ['string', 'null'], description: 'Pass as `cursor` for the next page; null on the last.' } },
      required: ['data', 'next_cursor'],
    };
    const list = {
      operationId: `list${Plural}`,
      summary: `List ${r.name.replace('-', ' ')}`,
      description: 'In id order after `cursor` (pages stay put while records are added), with the same filters as the list page.',
      tags: [tag],
      parameters: [...queryParameters(r.filters, r.omitFilters), ...queryParameters(pagingSchema, [], 'input')],
      responses: { 200: json(`${Noun}Page`), 422: problem('A filter or paging parameter is not valid'), ...errors },
    };
    const get = { operationId: `get${Noun}`, summary: `One ${r.noun.replace('_', ' ')}`, tags: [tag], parameters: [idParam], responses: { 200: json(Noun), 404: problem('No such record, or not one you can see'), ...errors } };
    paths[`/${r.name}`] = { get: list };
    paths[`/${r.name}/{id}`] = { get };
    if (!r.write) continue;
    schemas[`${Noun}Create`] = bodySchema(r.write.createSchema, true);
    schemas[`${Noun}Update`] = { ...bodySchema(r.write.updateSchema, false), description: 'Only the fields sent change. With `version`, a change to a record someone else changed since is refused (409).' };
    const writeErrors = { 403: problem('A read-only token, or a role that may not change these'), 422: problem('Field errors, by field'), ...errors };
    (paths[`/${r.name}`] as Json).post = {
      operationId: `create${Noun}`,
      summary: `Create a ${r.noun.replace('_', ' ')}`,
      tags: [tag],
      requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${Noun}Create` } } } },
      responses: { 201: json(Noun, 'Created'), ...writeErrors },
    };
    Object.assign(paths[`/${r.name}/{id}`], {
      patch: {
        operationId: `update${Noun}`,
        summary: `Change a ${r.noun.replace('_', ' ')}`,
        tags: [tag],
        parameters: [idParam],
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${Noun}Update` } } } },
        responses: { 200: json(Noun), 404: problem('Not found'), 409: problem('Changed by someone else since `version`'), ...writeErrors },
      },
      delete: { operationId: `delete${Noun}`, summary: `Delete a ${r.noun.replace('_', ' ')}`, tags: [tag], parameters: [idParam], responses: { 204: { description: 'Deleted' }, 404: problem('Not found'), 409: problem('Cannot be deleted; the detail says what to do instead'), ...writeErrors } },
    });
  }

  schemas.DealMove = bodySchema(moveSchema, true);
  paths['/deals/{id}/move'] = {
    post: {
      operationId: 'moveDeal',
      summary: 'Move a deal to another stage',
      description: "The board's rules: won and lost dates, a lost reason where the stage asks for one, probabilities, stage history.",
      tags: ['Deals'],
      parameters: [idParam],
      requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/DealMove' } } } },
      responses: { 200: json('Deal'), 404: problem('Not found'), 409: problem('The move is refused; the detail says why'), 403: problem('Read-only token'), 422: problem('Field errors'), ...errors },
    },
  };
  schemas.LeadConvert = { ...bodySchema(convertSchema, false), description: 'Fields not sent start as the conversion form does (the lead’s contact, company and value; a deal in the default pipeline).' };
  schemas.LeadConversion = {
    type: 'object',
    properties: { lead: { $ref: '#/components/schemas/Lead' }, customer_id: idProp, customer_created: { type: 'boolean' }, company_id: { type: ['integer', 'null'] }, deal_id: { type: ['integer', 'null'] } },
    required: ['lead', 'customer_id', 'customer_created', 'company_id', 'deal_id'],
  };
  paths['/leads/{id}/convert'] = {
    post: {
      operationId: 'convertLead',
      summary: 'Convert a lead into a customer, a company and a deal',
      tags: ['Leads'],
      parameters: [idParam],
      requestBody: { required: false, content: { 'application/json': { schema: { $ref: '#/components/schemas/LeadConvert' } } } },
      responses: { 200: json('LeadConversion'), 404: problem('Not found'), 409: problem('Already converted'), 403: problem('Read-only token, or not your lead'), 422: problem('Field errors'), ...errors },
    },
  };

  return {
    openapi: '3.1.0',
    info: {
      title: 'Orchard API',
      version: '1.0.0',
      description:
        'The JSON API of an Orchard CRM. Authenticate with a personal token from your profile (API tokens): `Authorization: Bearer orch_…`. A token acts as its user — the same role and visibility as on the pages; a read-only token reads. Errors are RFC 9457 problem details.',
    },
    servers: [{ url: '/api/v1' }],
    security: [{ bearer: [] }],
    tags: [...new Set(Object.values(paths).flatMap((p) => Object.values(p as Record<string, { tags: string[] }>).flatMap((o) => o.tags)))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A personal API token (orch_…)' } },
      schemas,
      responses: {
        Unauthorized: problem('No token, or a revoked or unknown one'),
        TooManyRequests: problem('Past the per-token rate limit; retry after the Retry-After seconds'),
      },
    },
  };
}
