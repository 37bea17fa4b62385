import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Scope } from '../../lib/access.js';
import { RECORD_KINDS, type RecordType } from '../../lib/entities.js';
import { parseQuery } from '../../lib/forms.js';
import { wantsFragment } from '../../lib/http.js';
import { scopeOf } from '../../plugins/session.js';
import { companyList } from '../companies/companies.queries.js';
import { contactList, contactName } from '../contacts/contacts.queries.js';
import { customerList } from '../customers/customers.queries.js';
import { dealList } from '../deals/deals.queries.js';
import { dealKey } from '../deals/deals.rules.js';
import { leadList } from '../leads/leads.queries.js';
import { leadKey } from '../leads/leads.rules.js';

const searchSchema = z.object({ q: z.preprocess((v) => (typeof v === 'string' ? v.trim().slice(0, 200) : ''), z.string()) });

interface Found {
  /** More match than are shown: nothing is counted, so a broad term costs one page per kind. */
  more: boolean;
  items: { href: string; title: string; sub: string }[];
}
type Search = (db: Kysely<Database>, scope: Scope, q: string, per: number) => Promise<Found>;

const base = { dir: 'asc' as const };

/**
 * How global search (SPEC §9) reads each record kind: the kind's own list query, so visibility
 * and matching are the list page's. Keyed by the registry's types: registering a kind without
 * deciding how it is searched does not compile. Customer groups are a few dozen settings-like
 * records found from their own page.
 */
const SEARCH: Record<RecordType, Search | null> = {
  deal: async (db, scope, q, per) => {
    const r = await dealList.top(db, scope, { ...base, q, sort: 'created_at', dir: 'desc' }, per);
    return { more: r.more, items: r.rows.map((d) => ({ href: `/deals/${d.id}`, title: d.title, sub: `${dealKey(d.id)} · ${d.stage_name}` })) };
  },
  lead: async (db, scope, q, per) => {
    const r = await leadList.top(db, scope, { ...base, q, sort: 'created_at', dir: 'desc' }, per);
    return { more: r.more, items: r.rows.map((l) => ({ href: `/leads/${l.id}`, title: l.title, sub: [leadKey(l.id), l.status_name, l.contact_name ?? l.contact_email, l.company_name].filter(Boolean).join(' · ') })) };
  },
  company: async (db, scope, q, per) => {
    const r = await companyList.top(db, scope, { ...base, q, sort: 'name' }, per);
    return { more: r.more, items: r.rows.map((c) => ({ href: `/companies/${c.id}`, title: c.name, sub: c.email ?? c.website ?? '' })) };
  },
  contact: async (db, scope, q, per) => {
    const r = await contactList.top(db, scope, { ...base, q, sort: 'name' }, per);
    return { more: r.more, items: r.rows.map((c) => ({ href: `/contacts/${c.id}`, title: contactName(c), sub: [c.company_name, c.email].filter(Boolean).join(' · ') })) };
  },
  customer: async (db, scope, q, per) => {
    const r = await customerList.top(db, scope, { ...base, q, sort: 'name' }, per);
    return { more: r.more, items: r.rows.map((c) => ({ href: `/customers/${c.id}`, title: c.name, sub: c.email ?? '' })) };
  },
  customer_group: null,
};

/**
 * What a type-to-find picker offers as the user types (views/partials/_picker): the kind's own
 * list query, so visibility and matching are the list page's; `company_id` narrows contacts and
 * customers to one company, as the deal form does once a company is chosen.
 */
type Pick = (db: Kysely<Database>, scope: Scope, q: string, companyId: number | undefined) => Promise<{ value: number; label: string }[]>;
const PICK_SIZE = 20;
const PICK: Record<string, Pick> = {
  company: async (db, scope, q) => (await companyList.top(db, scope, { ...base, q, sort: 'name' }, PICK_SIZE)).rows.map((c) => ({ value: c.id, label: c.name })),
  contact: async (db, scope, q, company_id) =>
    (await contactList.top(db, scope, { ...base, q, sort: 'name', company_id }, PICK_SIZE)).rows.map((c) => ({ value: c.id, label: contactName(c) + (c.company_name && !company_id ? ` · ${c.company_name}` : '') })),
  customer: async (db, scope, q, company_id) => (await customerList.top(db, scope, { ...base, q, sort: 'name', company_id }, PICK_SIZE)).rows.map((c) => ({ value: c.id, label: c.name })),
};
const pickSchema = searchSchema.extend({ company_id: z.coerce.number().int().positive().optional().catch(undefined) });

const searchRoutes: FastifyPluginAsync = async (app) => {
  app.get('/pick/:kind', async (request, reply) => {
    const kind = (request.params as { kind: string }).kind;
    const pick = Object.hasOwn(PICK, kind) ? PICK[kind] : null;
    if (!pick) return reply.code(404).send({ error: 'Nothing to pick here.' });
    const { q, company_id } = parseQuery(pickSchema, request.query);
    reply.header('cache-control', 'no-store');
    return q ? pick(app.db, scopeOf(request), q, company_id) : [];
  });

  app.get('/search', async (request, reply) => {
    const scope = scopeOf(request);
    const { q } = parseQuery(searchSchema, request.query);
    const fragment = wantsFragment(request, 'global-search-results');
    const per = fragment ? 5 : 20;
    const groups = q
      ? await Promise.all(
          RECORD_KINDS.map(async (kind) => {
            const search = SEARCH[kind.type];
            if (!search) return null;
            const found = await search(app.db, scope, q, per);
            return { kind: kind.nounPlural[0].toUpperCase() + kind.nounPlural.slice(1), href: `${kind.path}?q=${encodeURIComponent(q)}`, ...found };
          }),
        )
      : [];
    const shown = groups.filter((g) => g !== null && g.items.length > 0);
    reply.header('vary', 'HX-Request, HX-Target');
    if (fragment) return reply.render('search/_results', { q, groups: shown });
    return reply.render('search/index', { title: q ? `Search: ${q}` : 'Search', q, groups: shown });
  });
};

export default searchRoutes;
