import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { scopeFor } from '../../lib/access.js';
import { parseQuery } from '../../lib/forms.js';
import { wantsFragment } from '../../lib/http.js';
import { viewerOf } from '../../plugins/session.js';
import { listCompanies } from '../companies/companies.queries.js';
import { listContacts } from '../contacts/contacts.queries.js';
import { listCustomers } from '../customers/customers.queries.js';
import { listDeals } from '../deals/deals.queries.js';

const searchSchema = z.object({ q: z.preprocess((v) => (typeof v === 'string' ? v.trim().slice(0, 200) : ''), z.string()) });

/** Global search (SPEC §9): the same visibility-scoped list queries, a few results per kind. */
const searchRoutes: FastifyPluginAsync = async (app) => {
  app.get('/search', async (request, reply) => {
    const scope = await scopeFor(app.db, viewerOf(request));
    const { q } = parseQuery(searchSchema, request.query);
    const fragment = wantsFragment(request, 'global-search-results');
    const per = fragment ? 5 : 20;
    const base = { q, page: 1, dir: 'asc' as const };
    const groups = q
      ? await Promise.all([
          listDeals(app.db, scope, { ...base, sort: 'created_at', dir: 'desc' }, per).then((r) => ({ kind: 'Deals', more: `/deals?q=${encodeURIComponent(q)}`, total: r.total, items: r.rows.map((d) => ({ href: `/deals/${d.id}`, title: d.title, sub: `D-${d.id} · ${d.stage_name}` })) })),
          listCompanies(app.db, scope, { ...base, sort: 'name' }, per).then((r) => ({ kind: 'Companies', more: `/companies?q=${encodeURIComponent(q)}`, total: r.total, items: r.rows.map((c) => ({ href: `/companies/${c.id}`, title: c.name, sub: c.email ?? c.website ?? '' })) })),
          listContacts(app.db, scope, { ...base, sort: 'name' }, per).then((r) => ({ kind: 'Contacts', more: `/contacts?q=${encodeURIComponent(q)}`, total: r.total, items: r.rows.map((c) => ({ href: `/contacts/${c.id}`, title: [c.first_name, c.last_name].filter(Boolean).join(' '), sub: [c.company_name, c.email].filter(Boolean).join(' · ') })) })),
          listCustomers(app.db, scope, { ...base, sort: 'name' }, per).then((r) => ({ kind: 'Customers', more: `/customers?q=${encodeURIComponent(q)}`, total: r.total, items: r.rows.map((c) => ({ href: `/customers/${c.id}`, title: c.name, sub: c.email ?? '' })) })),
        ])
      : [];
    const found = groups.filter((g) => g.total > 0);
    reply.header('vary', 'HX-Request, HX-Target');
    if (fragment) return reply.render('search/_results', { q, groups: found });
    return reply.render('search/index', { title: q ? `Search: ${q}` : 'Search', q, groups: found });
  });
};

export default searchRoutes;
