import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { canManage } from '../../lib/access.js';
import { listSchema } from '../../lib/listing.js';
import { registerResourceRoutes } from '../../lib/resource-routes.js';
import { customersOfGroup } from '../customers/customers.queries.js';
import * as q from './customer-groups.queries.js';
import * as service from './customer-groups.service.js';
import { customerGroupFormSchema } from './customer-groups.schemas.js';

type Row = Awaited<ReturnType<typeof q.listCustomerGroups>>[number];

const groupListSchema = listSchema(['priority'] as const, 'priority', {
  status: z.preprocess((v) => (v === 'active' || v === 'inactive' ? v : undefined), z.enum(['active', 'inactive']).optional()),
});

/** Customer groups are few (tens), so the list shows them all, by priority. */
const customerGroupsRoutes: FastifyPluginAsync = async (app) => {
  registerResourceRoutes(app, {
    path: '/customer-groups',
    entityType: 'customer_group',
    noun: 'customer group',
    nounPlural: 'customer groups',
    title: 'Customer groups',
    defaultSort: 'priority',
    views: 'customer-groups',
    listSchema: groupListSchema,
    list: async (db, _scope, params) => {
      const rows = await q.listCustomerGroups(db, params.status);
      return { rows, total: rows.length };
    },
    listOptions: async (db) => ({ stats: await q.customerGroupStats(db) }),
    exportQuery: (db) => db.selectFrom('customer_groups').selectAll().orderBy('priority', 'desc').orderBy('name').compile(),
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
    find: (db, _scope, id) => q.findCustomerGroup(db, id),
    nameOf: (g) => g.name,
    create: service.createCustomerGroup,
    update: service.updateCustomerGroupFromForm,
    remove: service.deleteCustomerGroupChecked,
    showData: async (db, scope, g) => ({ customers: await customersOfGroup(db, scope, g.id) }),
    manage: (scope) => canManage(scope.viewer),
  });
};

export default customerGroupsRoutes;
