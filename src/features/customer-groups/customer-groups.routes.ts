import type { FastifyPluginAsync } from 'fastify';
import { canManage } from '../../lib/access.js';
import { resource, type ResourceCore } from '../../lib/resource-routes.js';
import { customerGroup } from '../../lib/entities.js';
import { customersOfGroup } from '../customers/customers.queries.js';
import * as q from './customer-groups.queries.js';
import * as service from './customer-groups.service.js';
import { customerGroupFormSchema, customerGroupListSchema, type CustomerGroupFilters, type CustomerGroupInput } from './customer-groups.schemas.js';

type Row = Awaited<ReturnType<typeof q.customerGroupList.page>>['rows'][number];

/** What the pages and the API share (lib/resource-routes ResourceCore). */
export const customerGroupResource = {
  kind: customerGroup,
  listSchema: customerGroupListSchema,
  list: q.customerGroupList,
  formSchema: customerGroupFormSchema,
  find: customerGroup.findRow,
  toFormValues: (rec) => ({ ...rec }),
  create: service.createCustomerGroup,
  update: service.updateCustomerGroupFromForm,
  remove: service.deleteCustomerGroupChecked,
  manage: (scope) => canManage(scope.viewer),
} satisfies ResourceCore<CustomerGroupFilters, Row, NonNullable<Awaited<ReturnType<typeof customerGroup.findRow>>>, CustomerGroupInput>;

const customerGroupsRoutes: FastifyPluginAsync = async (app) => {
  const r = resource(app, {
    ...customerGroupResource,
    title: 'Customer groups',
    defaultSort: 'priority',
    defaultDir: 'desc',
    views: 'customer-groups',
    listOptions: async (db) => ({ stats: await q.customerGroupStats(db) }),
    csv: [
      { header: 'ID', value: (r: Row) => r.id },
      { header: 'Name', value: (r: Row) => r.name },
      { header: 'Code', value: (r: Row) => r.code },
      { header: 'Description', value: (r: Row) => r.description },
      { header: 'Discount %', value: (r: Row) => r.discount_percent },
      { header: 'Priority', value: (r: Row) => r.priority },
      { header: 'Active', value: (r: Row) => (r.is_active ? 'yes' : 'no') },
    ],
    formOptions: async () => ({}),
    newValues: () => ({ is_active: 1, priority: 0 }),
    showData: async (db, scope, g) => ({ customers: await customersOfGroup(db, scope, g.id) }),
  });

  app.get('/customer-groups', r.list);
  app.get('/customer-groups/export.csv', r.exportCsv);
  app.get('/customer-groups/new', r.newForm);
  app.post('/customer-groups', r.create);
  app.get('/customer-groups/:id', r.show);
  app.get('/customer-groups/:id/edit', r.editForm);
  app.post('/customer-groups/:id', r.update);
  app.post('/customer-groups/:id/delete', r.remove);
};

export default customerGroupsRoutes;
