import type { FastifyPluginAsync } from 'fastify';
import { canManage } from '../../lib/access.js';
import { resource } from '../../lib/resource-routes.js';
import { customerGroup } from '../../lib/entities.js';
import { customersOfGroup } from '../customers/customers.queries.js';
import * as q from './customer-groups.queries.js';
import * as service from './customer-groups.service.js';
import { customerGroupFormSchema, customerGroupListSchema } from './customer-groups.schemas.js';

type Row = Awaited<ReturnType<typeof q.customerGroupList.page>>['rows'][number];

const customerGroupsRoutes: FastifyPluginAsync = async (app) => {
  const r = resource(app, {
    kind: customerGroup,
    title: 'Customer groups',
    defaultSort: 'priority',
    defaultDir: 'desc',
    views: 'customer-groups',
    listSchema: customerGroupListSchema,
    list: q.customerGroupList,
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
    formSchema: customerGroupFormSchema,
    formOptions: async () => ({}),
    newValues: () => ({ is_active: 1, priority: 0 }),
    find: customerGroup.findRow,
    toFormValues: (rec) => ({ ...rec }),
    create: service.createCustomerGroup,
    update: service.updateCustomerGroupFromForm,
    remove: service.deleteCustomerGroupChecked,
    showData: async (db, scope, g) => ({ customers: await customersOfGroup(db, scope, g.id) }),
    manage: (scope) => canManage(scope.viewer),
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
