import type { FastifyPluginAsync } from 'fastify';
import { company } from '../../lib/entities.js';
import { asFormBody } from '../../lib/forms.js';
import { redirectAfterPost, wantsFragment } from '../../lib/http.js';
import { resource, type ResourceCore } from '../../lib/resource-routes.js';
import { scopeOf } from '../../plugins/session.js';
import { directoryOptions } from '../directories/directories.queries.js';
import { assigneeOptions } from '../users/users.queries.js';
import { contactsOfCompany } from '../contacts/contacts.queries.js';
import { customersOfCompany } from '../customers/customers.queries.js';
import { dealsLinkedTo } from '../deals/deals.queries.js';
import * as q from './companies.queries.js';
import { convertedFrom } from '../leads/leads.queries.js';
import * as service from './companies.service.js';
import { companyFormSchema, companyListSchema, type CompanyFilters, type CompanyInput } from './companies.schemas.js';

type Row = q.CompanyRow;

/** What the pages and the API share (lib/resource-routes ResourceCore). */
export const companyResource = {
  kind: company,
  listSchema: companyListSchema,
  list: q.companyList,
  formSchema: companyFormSchema,
  toFormValues: (c) => ({ ...c }),
  find: q.findCompany,
  create: service.createCompany,
  update: service.updateCompanyFromForm,
  remove: service.deleteCompanyChecked,
} satisfies ResourceCore<CompanyFilters, q.CompanyRow, NonNullable<Awaited<ReturnType<typeof q.findCompany>>>, CompanyInput>;

const companiesRoutes: FastifyPluginAsync = async (app) => {
  const r = resource(app, {
    ...companyResource,
    title: 'Companies',
    defaultSort: 'name',
    views: 'companies',
    listOptions: async (db) => ({ industries: await directoryOptions(db, 'industries'), assignees: await assigneeOptions(db) }),
    csv: [
      { header: 'ID', value: (r: Row) => r.id },
      { header: 'Name', value: (r: Row) => r.name },
      { header: 'Email', value: (r: Row) => r.email },
      { header: 'Phone', value: (r: Row) => r.phone },
      { header: 'Website', value: (r: Row) => r.website },
      { header: 'Street', value: (r: Row) => r.street },
      { header: 'City', value: (r: Row) => r.city },
      { header: 'State', value: (r: Row) => r.state },
      { header: 'Postal code', value: (r: Row) => r.postal_code },
      { header: 'Country', value: (r: Row) => r.country },
      { header: 'Industry', value: (r: Row) => r.industry_name },
      { header: 'Size', value: (r: Row) => r.size_name },
      { header: 'Assigned to', value: (r: Row) => r.assigned_name },
      { header: 'Active', value: (r: Row) => (r.is_active ? 'yes' : 'no') },
      { header: 'Description', value: (r: Row) => r.description },
      { header: 'Created at', value: (r: Row) => r.created_at, kind: 'datetime' },
    ],
    formOptions: async (db, _scope, rec) => ({
      industries: await directoryOptions(db, 'industries', rec?.industry_id),
      sizes: await directoryOptions(db, 'company_sizes', rec?.size_id),
      assignees: await assigneeOptions(db, rec?.assigned_to),
    }),
    newValues: (scope) => ({ is_active: 1, assigned_to: scope.viewer.id }),
    showData: async (db, scope, c) => ({
      convertedFrom: await convertedFrom(db, scope, 'company_id', c.id),
      contacts: await contactsOfCompany(db, scope, c.id),
      customers: await customersOfCompany(db, scope, c.id),
      deals: await dealsLinkedTo(db, scope, { company_id: c.id }),
    }),
  });

  app.get('/companies', r.list);
  app.get('/companies/export.csv', r.exportCsv);
  app.get('/companies/new', r.newForm);
  app.post('/companies', r.create);
  app.get('/companies/:id', r.show);
  app.get('/companies/:id/edit', r.editForm);
  app.post('/companies/:id', r.update);
  app.post('/companies/:id/delete', r.remove);

  // Type-to-find for company selects on other forms: the matching options, current choice kept.
  app.get('/companies/options', async (request, reply) => {
    const query = asFormBody(request.query);
    const current = Number(query.company_id) || null;
    const search = query.company_id_search;
    const options = await q.companyOptions(app.db, scopeOf(request), current, typeof search === 'string' ? search.slice(0, 100) : '', q.FILTER_OPTIONS);
    // A list's filter select also offers "All companies" and "No company".
    if (query.filter === '1') return reply.render('partials/_options', { options, current, blank: 'All companies', none: query.company_id === 'none' ? 'selected' : '' });
    return reply.render('partials/_options', { options, current, blank: 'No company' });
  });

  app.post('/companies/:id/toggle-active', async (request, reply) => {
    const { scope, id } = await r.load(request);
    await app.db.transaction().execute((trx) => service.toggleCompanyActive(trx, scope, id));
    if (wantsFragment(request, `company-active-${id}`)) return reply.render('companies/_active_toggle', { r: (await r.load(request)).rec });
    return redirectAfterPost(request, reply, `/companies/${id}`);
  });
};

export default companiesRoutes;
