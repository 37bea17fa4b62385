import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { CompiledQuery } from 'kysely';
import { scopeOf } from '../../plugins/session.js';
import { parseQuery } from '../../lib/forms.js';
import { NotFoundError } from '../../lib/errors.js';
import { queryRows } from '../../lib/csv.js';
import { contactCard, type ContactCard } from '../import/import.vcard.js';
import * as q from './contacts.queries.js';
import { contactListSchema } from './contacts.schemas.js';

function sendCards(reply: FastifyReply, filename: string, cards: Iterable<ContactCard>): FastifyReply {
  const source = Readable.from((function* () {
    for (const c of cards) yield contactCard(c);
  })());
  reply
    .header('content-type', 'text/vcard; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .header('cache-control', 'no-store');
  return reply.send(source);
}

const fileName = (c: ContactCard) => `${[c.first_name, c.last_name].filter(Boolean).join(' ').replace(/[^\p{L}\p{N} ._-]+/gu, '').trim() || `contact-${c.id}`}.vcf`;

/**
 * vCard export (SPEC §9): one contact from its page, or the contact list with its filters —
 * streamed a card at a time from the same scoped list query as the CSV export.
 */
export function contactVcardRoutes(app: FastifyInstance): void {
  app.get('/contacts/export.vcf', async (request, reply) => {
    const scope = scopeOf(request);
    const params = parseQuery(contactListSchema, request.query);
    const query: CompiledQuery = (await q.contactList.rowsQuery(app.db, scope, params)).compile();
    return sendCards(reply, 'contacts.vcf', queryRows<ContactCard>(app.config.dbPath, query));
  });
  app.get('/contacts/:id/vcard', async (request, reply) => {
    const id = Number((request.params as { id: string }).id);
    const row = Number.isSafeInteger(id) && id > 0 ? await q.findContact(app.db, scopeOf(request), id) : undefined;
    if (!row) throw new NotFoundError();
    return sendCards(reply, fileName(row), [row]);
  });
}
