import type { FastifyPluginAsync } from 'fastify';
import { registerResourceRoutes } from '../../lib/resource-routes.js';
import { assigneeOptions } from '../users/users.queries.js';
import { companyOptions } from '../companies/companies.queries.js';
import { dealsLinkedTo } from '../deals/deals.queries.js';
import * as q from './contacts.queries.js';
import * as service from './contacts.service.js';
import { contactFormSchema, contactListSchema } from './contacts.schemas.js';

type Row = q.ContactRow;

const contactsRoutes: FastifyPluginAsync = async (app) => {
  registerResourceRoutes(app, {
    path: '/contacts',
    entityType: 'contact',
    noun: 'contact',
    nounPlural: 'contacts',
    title: 'Contacts',
    defaultSort: 'name',
    views: 'contacts',
    listSchema: contactListSchema,
    list: q.listContacts,
    listOptions: async (db, scope, params) => ({
      companies: await companyOptions(db, scope, typeof params.company_id === 'number' ? params.company_id : null),
      assignees: await assigneeOptions(db),
    }),
    exportQuery: (db, scope, params) => q.contactRowsQuery(db, scope, params).compile(),
    csv: [
      { header: 'ID', value: (r: Row) => r.id },
      { header: 'First name', value: (r: Row) => r.first_name },
      { header: 'Last name', value: (r: Row) => r.last_name },
      { header: 'Position', value: (r: Row) => r.position },
      { header: 'Email', value: (r: Row) => r.email },
      { header: 'Phone', value: (r: Row) => r.phone },
      { header: 'Company', value: (r: Row) => r.company_name },
      { header: 'Assigned to', value: (r: Row) => r.assigned_name },
      { header: 'Created at', value: (r: Row) => r.created_at },
    ],
    formSchema: contactFormSchema,
    formOptions: async (db, scope, rec, values) => ({
      companies: await companyOptions(db, scope, rec?.company_id ? { id: rec.company_id, name: rec.company_name ?? '' } : Number(values.company_id) || null),
      assignees: await assigneeOptions(db, rec?.assigned_to),
    }),
    newValues: (scope, query) => ({ assigned_to: scope.viewer.id, company_id: query.company_id }),
    find: q.findContact,
    nameOf: (c) => q.contactName(c),
    create: service.createContact,
    update: service.updateContactFromForm,
    remove: service.deleteContactChecked,
    showData: async (db, scope, rec) => ({ deals: await dealsLinkedTo(db, scope, { contact_id: rec.id }) }),
  });
};

export default contactsRoutes;
