import type { FastifyPluginAsync } from 'fastify';
import { resource, type ResourceCore } from '../../lib/resource-routes.js';
import { customer } from '../../lib/entities.js';
import { assigneeOptions } from '../users/users.queries.js';
import { companyOptions, FILTER_OPTIONS } from '../companies/companies.queries.js';
import { customerGroupOptions } from '../customer-groups/customer-groups.queries.js';
import { dealsLinkedTo } from '../deals/deals.queries.js';
import * as q from './customers.queries.js';
import { convertedFrom } from '../leads/leads.queries.js';
import * as service from './customers.service.js';
import { customerFormSchema, customerListSchema, type CustomerFilters, type CustomerInput } from './customers.schemas.js';

type Row = q.CustomerRow;

/** What the pages and the API share (lib/resource-routes ResourceCore). */
export const customerResource = {
  kind: customer,
  listSchema: customerListSchema,
  list: q.customerList,
  formSchema: customerFormSchema,
  find: q.findCustomer,
  toFormValues: (rec) => ({ ...rec }),
  create: service.createCustomer,
  update: service.updateCustomerFromForm,
  remove: service.deleteCustomerChecked,
} satisfies ResourceCore<CustomerFilters, q.CustomerRow, NonNullable<Awaited<ReturnType<typeof q.findCustomer>>>, CustomerInput>;

const customersRoutes: FastifyPluginAsync = async (app) => {
  const r = resource(app, {
    ...customerResource,
    title: 'Customers',
    defaultSort: 'name',
    views: 'customers',
    listOptions: async (db, scope, params) => ({
      groups: await customerGroupOptions(db, typeof params.customer_group_id === 'number' ? params.customer_group_id : null),
      // The filter lists the first companies by name; "Find company" fetches others.
      companies: await companyOptions(db, scope, typeof params.company_id === 'number' ? params.company_id : null, '', FILTER_OPTIONS),
      assignees: await assigneeOptions(db),
    }),
    csv: [
      { header: 'ID', value: (r: Row) => r.id },
      { header: 'Name', value: (r: Row) => r.name },
      { header: 'Email', value: (r: Row) => r.email },
      { header: 'Phone', value: (r: Row) => r.phone },
      { header: 'Company', value: (r: Row) => r.company_name },
      { header: 'Customer group', value: (r: Row) => r.group_name },
      { header: 'Assigned to', value: (r: Row) => r.assigned_name },
      { header: 'Created at', value: (r: Row) => r.created_at, kind: 'datetime' },
    ],
    formOptions: async (db, scope, rec, values) => ({
      companies: await companyOptions(db, scope, rec?.company_id ? { id: rec.company_id, name: rec.company_name ?? '' } : Number(values.company_id) || null),
      groups: await customerGroupOptions(db, rec?.customer_group_id),
      assignees: await assigneeOptions(db, rec?.assigned_to),
    }),
    newValues: (scope, query) => ({ assigned_to: scope.viewer.id, company_id: query.company_id, customer_group_id: query.customer_group_id }),
    showData: async (db, scope, rec) => ({ deals: await dealsLinkedTo(db, scope, { customer_id: rec.id }), convertedFrom: await convertedFrom(db, scope, 'customer_id', rec.id) }),
  });

  app.get('/customers', r.list);
  app.get('/customers/export.csv', r.exportCsv);
  app.get('/customers/new', r.newForm);
  app.post('/customers', r.create);
  app.get('/customers/:id', r.show);
  app.get('/customers/:id/edit', r.editForm);
  app.post('/customers/:id', r.update);
  app.post('/customers/:id/delete', r.remove);
};

export default customersRoutes;
