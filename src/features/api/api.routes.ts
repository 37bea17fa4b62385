import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { ConflictError, ForbiddenError, HttpError, NotFoundError } from '../../lib/errors.js';
import { asFormBody, fieldErrorsFrom, parseForm, parseQuery, type FormBody } from '../../lib/forms.js';
import { idParam } from '../../lib/http.js';
import { assertCanEdit } from '../../lib/access.js';
import { lead } from '../../lib/entities.js';
import { ValidationError } from '../../lib/errors.js';
import { scopeOf, viewerOf } from '../../plugins/session.js';
import { moveSchema } from '../deals/deals.schemas.js';
import { moveDeal } from '../deals/deals.service.js';
import { convertSchema } from '../leads/leads.schemas.js';
import { alreadyConverted, convertLead } from '../leads/leads.service.js';
import { convertDefaults } from '../leads/leads.routes.js';
import { API_RESOURCES, apiJson, apiPage, apiRows, columnsOf, mayWrite, recordJson, type ApiResource } from './api.resources.js';
import { API_PAGE_MAX, cursorAfter, pagingSchema } from './api.paging.js';
import { recordShapes, referenceSections } from './api.reference.js';
import { openApiDocument } from './api.openapi.js';

export const API_BASE = '/api/v1';

/** An answer already written as JSON (text, or UTF-8 bytes). */
const sendJson = (reply: FastifyReply, json: string | Buffer) => reply.type('application/json; charset=utf-8').send(json);

const DATA_OPEN = Buffer.from('{"data":[');

/**
 * A list's answer as bytes: its records' JSON — joined by SQLite into one buffer (lib/list-query
 * keysetPage `packed`), or texts (JSON.stringify for records built in JavaScript) — and the next
 * cursor. V8 keeps a text with any character past Latin-1 ("—", "ł", an emoji) as two-byte:
 * Array.prototype.join over a mix of such and one-byte texts took its slow path (~1 ms for a
 * 200-deal page), and a string answer was read twice more on its way out (its byte length for
 * Content-Length, then its UTF-8 for the socket). Texts are appended into a rope that
 * Buffer.from reads once; a packed page is sent as SQLite wrote it.
 */
function listBytes(records: Buffer | string[], next: string | null): Buffer {
  const tail = `],"next_cursor":${JSON.stringify(next)}}`;
  if (Buffer.isBuffer(records)) return Buffer.concat([DATA_OPEN, records, Buffer.from(tail)]);
  let out = '{"data":[';
  for (let i = 0; i < records.length; i++) out += i === 0 ? records[i] : `,${records[i]}`;
  return Buffer.from(out + tail);
}

class TooManyRequestsError extends HttpError {
  constructor(message: string) {
    super(429, message);
  }
}

/** A JSON body as a form holds it; null clears a field (a form sends it empty). */
function jsonBody(body: unknown): FormBody {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
  const cleared = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, v === null ? '' : v]));
  return asFormBody(cleared);
}

/**
 * The JSON API (SPEC §12) at /api/v1: every collection of the registry (api.resources) gets list,
 * get and — where it has services — create, update and delete, through the pages' own scoped
 * queries, form schemas and services; deals move and leads convert through theirs. A personal
 * token acts as its user (plugins/session): role and visibility as on the pages, 404 for what
 * they cannot see, 403 for a read-only token writing, problem+json errors (plugins/errors), and a
 * per-token rate limit.
 */
const apiRoutes: FastifyPluginAsync = async (app) => {
  // A per-token rate limit on the API (per IP for requests without a valid token): 429 as problem+json.
  await app.register(rateLimit, {
    global: false,
    keyGenerator: (request) => (request.apiToken ? `token:${request.apiToken.id}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) => new TooManyRequestsError(`Too many requests for this token: at most ${context.max} a minute. Try again in ${Math.ceil(context.ttl / 1000)} s.`),
  });
  const api = { config: { rateLimit: { max: app.config.apiRatePerMinute, timeWindow: 60_000 } } };

  /** Who a token acts as: the smallest call an integration makes to check its token. */
  app.get(`${API_BASE}/me`, api, async (request, reply) => {
    const viewer = viewerOf(request);
    return reply.send({ id: viewer.id, name: viewer.name, email: viewer.email, role: viewer.role, token: request.apiToken ? { id: request.apiToken.id, scope: request.apiToken.scope } : null });
  });

  // The document describes the API; it holds nothing of anyone's data, so it needs no token.
  let doc: unknown = null;
  app.get(`${API_BASE}/openapi.json`, { config: { access: 'public' } }, async (_request, reply) => reply.send((doc ??= openApiDocument())));

  /** The reference page: the same document, read for people (linked from the API tokens page). */
  app.get('/help/api', async (request, reply) => {
    const d = (doc ??= openApiDocument()) as Record<string, unknown>;
    return reply.render('api/reference', {
      title: 'API reference',
      sections: referenceSections(d),
      records: recordShapes(d),
      origin: `${request.protocol}://${request.host}`,
      pageMax: API_PAGE_MAX,
      ratePerMinute: app.config.apiRatePerMinute,
    });
  });

  /** A record as JSON text (404 if it is gone by now). */
  const recordText = async (r: ApiResource, id: number) => {
    const [text] = await apiJson(app.db, r, [id]);
    if (text === undefined) throw new NotFoundError();
    return text;
  };
  const loadFor = async (r: ApiResource, request: FastifyRequest) => {
    const scope = scopeOf(request);
    const rec = await r.find(app.db, scope, idParam(request));
    if (!rec) throw new NotFoundError();
    return { scope, rec };
  };
  const writer = (r: ApiResource, request: FastifyRequest) => {
    const scope = scopeOf(request);
    if (!r.write || !mayWrite(r, scope)) throw new ForbiddenError(`Only managers and admins can change ${r.name.replace('-', ' ')}.`);
    return { scope, write: r.write };
  };

  for (const r of API_RESOURCES) {
    const base = `${API_BASE}/${r.name}`;

    app.get(base, api, async (request, reply) => {
      const scope = scopeOf(request);
      const query = asFormBody(request.query);
      const paging = pagingSchema.safeParse({ limit: query.limit, cursor: query.cursor, updated_since: query.updated_since });
      if (!paging.success) throw new ValidationError(fieldErrorsFrom(paging.error), query);
      const filters = parseQuery(r.filters, Object.fromEntries(Object.entries(query).filter(([k]) => !['limit', 'cursor', 'updated_since'].includes(k)))) as Record<string, unknown>;
      // Records come as JSON written by SQLite (api.resources recordJson), joined into one buffer, sent as they are.
      const json = r.extend ? undefined : (alias: string) => recordJson(app.db, r, alias);
      const { rows, more, packed } = await r.keyset(app.db, scope, filters, { after: paging.data.cursor, updatedSince: paging.data.updated_since, limit: paging.data.limit, columns: json ? undefined : await columnsOf(app.db, r), json, packed: app.db });
      const last = rows[rows.length - 1] as { id: number; updated_at?: string } | undefined;
      const next = more && last ? cursorAfter(last.id, paging.data.updated_since === null ? null : String(last.updated_at)) : null;
      if (packed) return sendJson(reply, listBytes(packed, next));
      if (json) return sendJson(reply, listBytes(rows.map((row) => row.json as string), next));
      return sendJson(reply, listBytes((await apiPage(app.db, r, rows as never)).map((row) => JSON.stringify(row)), next));
    });

    app.get(`${base}/:id`, api, async (request, reply) => {
      if (r.getByList && !r.extend) {
        const json = (alias: string) => recordJson(app.db, r, alias);
        const { rows } = await r.keyset(app.db, scopeOf(request), {}, { after: null, updatedSince: null, limit: 1, id: idParam(request), json });
        if (!rows.length) throw new NotFoundError();
        return sendJson(reply, rows[0].json as string);
      }
      const { rec } = await loadFor(r, request);
      return sendJson(reply, await recordText(r, rec.id));
    });

    if (!r.write) continue;

    app.post(base, api, async (request, reply) => {
      const { scope, write } = writer(r, request);
      const body = jsonBody(request.body);
      // As the pages' new forms start: assigned to whoever creates it, unless the body says otherwise.
      if (!('assigned_to' in body) && write.assignable) body.assigned_to = String(scope.viewer.id);
      const input = parseForm(write.createSchema, body);
      const id = await app.db.transaction().execute((trx) => write.create(trx, scope, input, body));
      return sendJson(reply.code(201).header('location', `${base}/${id}`), await recordText(r, id));
    });

    // Only the fields sent change: the rest are the record's, as its edit form would hold them.
    // With `version` a stale update is refused (409); without it, the update applies to the record as read.
    app.patch(`${base}/:id`, api, async (request, reply) => {
      const { write } = writer(r, request);
      const { scope, rec } = await loadFor(r, request);
      const body = { ...asFormBody(write.formValues(rec, scope)), ...jsonBody(request.body) };
      const input = parseForm(write.updateSchema, body);
      await app.db.transaction().execute((trx) => write.update(trx, scope, rec, input, body));
      return sendJson(reply, await recordText(r, rec.id));
    });

    app.delete(`${base}/:id`, api, async (request, reply) => {
      const { write } = writer(r, request);
      const { scope, rec } = await loadFor(r, request);
      await app.db.transaction().execute((trx) => write.remove(trx, scope, rec));
      return reply.code(204).send();
    });
  }

  const deals = API_RESOURCES.find((r) => r.name === 'deals')!;
  const leads = API_RESOURCES.find((r) => r.name === 'leads')!;

  /** A deal to another stage: the board's rules (won/lost dates, a lost reason where required, probabilities, history). */
  app.post(`${API_BASE}/deals/:id/move`, api, async (request, reply) => {
    const { scope, rec } = await loadFor(deals, request);
    const input = parseForm(moveSchema, jsonBody(request.body));
    await app.db.transaction().execute((trx) => moveDeal(trx, scope, rec.id, input));
    return sendJson(reply, await recordText(deals, rec.id));
  });

  /** A lead into a customer (and a company and a deal), as the conversion form does; fields not sent start as the form's do. */
  app.post(`${API_BASE}/leads/:id/convert`, api, async (request, reply) => {
    const scope = scopeOf(request);
    const l = await lead.findRow(app.db, scope, idParam(request));
    if (!l) throw new NotFoundError();
    assertCanEdit(scope.viewer, l.assigned_to, 'lead');
    if (alreadyConverted(l)) throw new ConflictError('This lead was already converted: read its customer_id, company_id and deal_id.');
    const body = { ...asFormBody(await convertDefaults(app.db, l)), ...jsonBody(request.body) };
    const input = parseForm(convertSchema, body);
    const result = await app.db.transaction().execute((trx) => convertLead(trx, scope, l.id, input, body));
    const [row] = await apiRows(app.db, leads, [l.id]);
    return reply.send({ lead: row, customer_id: result.customerId, customer_created: result.customerCreated, company_id: result.companyId, deal_id: result.dealId });
  });

};

export default apiRoutes;
