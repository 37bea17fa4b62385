import type { FastifyPluginAsync } from 'fastify';
import { resource, type ResourceCore } from '../../lib/resource-routes.js';
import { contact } from '../../lib/entities.js';
import { assigneeOptions } from '../users/users.queries.js';
import { companyOptions, FILTER_OPTIONS } from '../companies/companies.queries.js';
import { dealsLinkedTo } from '../deals/deals.queries.js';
import * as q from './contacts.queries.js';
import { contactVcardRoutes } from './contacts.vcard.js';
import * as service from './contacts.service.js';
import { contactFormSchema, contactListSchema, type ContactFilters, type ContactInput } from './contacts.schemas.js';

type Row = q.ContactRow;

/** What the pages and the API share (lib/resource-routes ResourceCore). */
export const contactResource = {
  kind: contact,
  listSchema: contactListSchema,
  list: q.contactList,
  formSchema: contactFormSchema,
  find: q.findContact,
  toFormValues: (rec) => ({ ...rec }),
  create: service.createContact,
  update: service.updateContactFromForm,
  remove: service.deleteContactChecked,
} satisfies ResourceCore<ContactFilters, Row, NonNullable<Awaited<ReturnType<typeof q.findContact>>>, ContactInput>;

const contactsRoutes: FastifyPluginAsync = async (app) => {
  const r = resource(app, {
    ...contactResource,
    title: 'Contacts',
    defaultSort: 'name',
    views: 'contacts',
    listOptions: async (db, scope, params) => ({
      // The filter lists the first companies by name; "Find company" fetches others.
      companies: await companyOptions(db, scope, typeof params.company_id === 'number' ? params.company_id : null, '', FILTER_OPTIONS),
      assignees: await assigneeOptions(db),
    }),
    csv: [
      { header: 'ID', value: (r: Row) => r.id },
      { header: 'First name', value: (r: Row) => r.first_name },
      { header: 'Last name', value: (r: Row) => r.last_name },
      { header: 'Position', value: (r: Row) => r.position },
      { header: 'Email', value: (r: Row) => r.email },
      { header: 'Phone', value: (r: Row) => r.phone },
      { header: 'Company', value: (r: Row) => r.company_name },
      { header: 'Assigned to', value: (r: Row) => r.assigned_name },
      { header: 'Created at', value: (r: Row) => r.created_at, kind: 'datetime' },
    ],
    formOptions: async (db, scope, rec, values) => ({
      companies: await companyOptions(db, scope, rec?.company_id ? { id: rec.company_id, name: rec.company_name ?? '' } : Number(values.company_id) || null),
      assignees: await assigneeOptions(db, rec?.assigned_to),
    }),
    newValues: (scope, query) => ({ assigned_to: scope.viewer.id, company_id: query.company_id }),
    showData: async (db, scope, rec) => ({ deals: await dealsLinkedTo(db, scope, { contact_id: rec.id }) }),
  });

  app.get('/contacts', r.list);
  app.get('/contacts/export.csv', r.exportCsv);
  contactVcardRoutes(app);
  app.get('/contacts/new', r.newForm);
  app.post('/contacts', r.create);
  app.get('/contacts/:id', r.show);
  app.get('/contacts/:id/edit', r.editForm);
  app.post('/contacts/:id', r.update);
  app.post('/contacts/:id/delete', r.remove);
};

export default contactsRoutes;
