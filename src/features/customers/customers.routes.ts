import type { FastifyPluginAsync } from 'fastify';
import { registerResourceRoutes } from '../../lib/resource-routes.js';
import { assigneeOptions } from '../users/users.queries.js';
import { companyOptions } from '../companies/companies.queries.js';
import { customerGroupOptions } from '../customer-groups/customer-groups.queries.js';
import { dealsLinkedTo } from '../deals/deals.queries.js';
import * as q from './customers.queries.js';
import * as service from './customers.service.js';
import { customerFormSchema, customerListSchema } from './customers.schemas.js';

type Row = q.CustomerRow;

const customersRoutes: FastifyPluginAsync = async (app) => {
  registerResourceRoutes(app, {
    path: '/customers',
    entityType: 'customer',
    noun: 'customer',
    nounPlural: 'customers',
    title: 'Customers',
    defaultSort: 'name',
    views: 'customers',
    listSchema: customerListSchema,
    list: q.listCustomers,
    listOptions: async (db, scope, params) => ({
      groups: await customerGroupOptions(db, typeof params.customer_group_id === 'number' ? params.customer_group_id : null),
      companies: await companyOptions(db, scope, typeof params.company_id === 'number' ? params.company_id : null),
      assignees: await assigneeOptions(db),
    }),
    exportQuery: (db, scope, params) => q.customerRowsQuery(db, scope, params).compile(),
    csv: [
      { header: 'ID', value: (r: Row) => r.id },
      { header: 'Name', value: (r: Row) => r.name },
      { header: 'Email', value: (r: Row) => r.email },
      { header: 'Phone', value: (r: Row) => r.phone },
      { header: 'Company', value: (r: Row) => r.company_name },
      { header: 'Customer group', value: (r: Row) => r.group_name },
      { header: 'Assigned to', value: (r: Row) => r.assigned_name },
      { header: 'Created at', value: (r: Row) => r.created_at },
    ],
    formSchema: customerFormSchema,
    formOptions: async (db, scope, rec, values) => ({
      companies: await companyOptions(db, scope, rec?.company_id ? { id: rec.company_id, name: rec.company_name ?? '' } : Number(values.company_id) || null),
      groups: await customerGroupOptions(db, rec?.customer_group_id),
      assignees: await assigneeOptions(db, rec?.assigned_to),
    }),
    newValues: (scope, query) => ({ assigned_to: scope.viewer.id, company_id: query.company_id, customer_group_id: query.customer_group_id }),
    find: q.findCustomer,
    nameOf: (c) => c.name,
    create: service.createCustomer,
    update: service.updateCustomerFromForm,
    remove: service.deleteCustomerChecked,
    showData: async (db, scope, rec) => ({ deals: await dealsLinkedTo(db, scope, { customer_id: rec.id }) }),
  });
};

export default customersRoutes;
