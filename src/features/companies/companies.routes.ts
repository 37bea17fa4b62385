import type { FastifyPluginAsync } from 'fastify';
import { scopeFor } from '../../lib/access.js';
import { NotFoundError } from '../../lib/errors.js';
import { idParam, redirectAfterPost, wantsFragment } from '../../lib/http.js';
import { asFormBody } from '../../lib/forms.js';
import { registerResourceRoutes } from '../../lib/resource-routes.js';
import { viewerOf } from '../../plugins/session.js';
import { directoryOptions } from '../directories/directories.queries.js';
import { assigneeOptions } from '../users/users.queries.js';
import { contactsOfCompany } from '../contacts/contacts.queries.js';
import { customersOfCompany } from '../customers/customers.queries.js';
import { dealsLinkedTo } from '../deals/deals.queries.js';
import * as q from './companies.queries.js';
import * as service from './companies.service.js';
import { companyFormSchema, companyListSchema } from './companies.schemas.js';

const companiesRoutes: FastifyPluginAsync = async (app) => {
  registerResourceRoutes(app, {
    path: '/companies',
    entityType: 'company',
    noun: 'company',
    nounPlural: 'companies',
    title: 'Companies',
    defaultSort: 'name',
    views: 'companies',
    listSchema: companyListSchema,
    list: q.listCompanies,
    listOptions: async (db) => ({ industries: await directoryOptions(db, 'industries'), assignees: await assigneeOptions(db) }),
    exportQuery: (db, scope, params) => q.companyRowsQuery(db, scope, params).compile(),
    csv: [
      { header: 'ID', value: (r: q.CompanyRow) => r.id },
      { header: 'Name', value: (r: q.CompanyRow) => r.name },
      { header: 'Email', value: (r: q.CompanyRow) => r.email },
      { header: 'Phone', value: (r: q.CompanyRow) => r.phone },
      { header: 'Website', value: (r: q.CompanyRow) => r.website },
      { header: 'Street', value: (r: q.CompanyRow) => r.street },
      { header: 'City', value: (r: q.CompanyRow) => r.city },
      { header: 'State', value: (r: q.CompanyRow) => r.state },
      { header: 'Postal code', value: (r: q.CompanyRow) => r.postal_code },
      { header: 'Country', value: (r: q.CompanyRow) => r.country },
      { header: 'Industry', value: (r: q.CompanyRow) => r.industry_name },
      { header: 'Size', value: (r: q.CompanyRow) => r.size_name },
      { header: 'Assigned to', value: (r: q.CompanyRow) => r.assigned_name },
      { header: 'Active', value: (r: q.CompanyRow) => (r.is_active ? 'yes' : 'no') },
      { header: 'Description', value: (r: q.CompanyRow) => r.description },
      { header: 'Created at', value: (r: q.CompanyRow) => r.created_at },
    ],
    formSchema: companyFormSchema,
    formOptions: async (db, _scope, rec) => ({
      industries: await directoryOptions(db, 'industries', rec?.industry_id),
      sizes: await directoryOptions(db, 'company_sizes', rec?.size_id),
      assignees: await assigneeOptions(db, rec?.assigned_to),
    }),
    newValues: (scope) => ({ is_active: 1, assigned_to: scope.viewer.id }),
    find: q.findCompany,
    nameOf: (c) => c.name,
    create: service.createCompany,
    update: service.updateCompanyFromForm,
    remove: service.deleteCompanyChecked,
    showData: async (db, scope, c) => ({
      contacts: await contactsOfCompany(db, scope, c.id),
      customers: await customersOfCompany(db, scope, c.id),
      deals: await dealsLinkedTo(db, scope, { company_id: c.id }),
    }),
  });

  // Type-to-find for company selects on other forms: the matching options, current choice kept.
  app.get('/companies/options', async (request, reply) => {
    const scope = await scopeFor(app.db, viewerOf(request));
    const query = asFormBody(request.query);
    const current = Number(query.company_id) || null;
    const search = query.company_id_search;
    const options = await q.companyOptions(app.db, scope, current, typeof search === 'string' ? search.slice(0, 100) : '', 50);
    return reply.render('partials/_options', { options, current, blank: 'No company' });
  });

  app.post('/companies/:id/toggle-active', async (request, reply) => {
    const scope = await scopeFor(app.db, viewerOf(request));
    const id = idParam(request);
    await app.db.transaction().execute((trx) => service.toggleCompanyActive(trx, scope, id));
    if (wantsFragment(request, `company-active-${id}`)) {
      const company = await q.findCompany(app.db, scope, id);
      if (!company) throw new NotFoundError();
      return reply.render('companies/_active_toggle', { r: company });
    }
    return redirectAfterPost(request, reply, `/companies/${id}`);
  });
};

export default companiesRoutes;
