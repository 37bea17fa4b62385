import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Scope } from '../../lib/access.js';
import { findCompany } from '../companies/companies.queries.js';
import { findContact } from '../contacts/contacts.queries.js';
import { findCustomer } from '../customers/customers.queries.js';
import { findCustomerGroup } from '../customer-groups/customer-groups.queries.js';
import { findDeal } from '../deals/deals.queries.js';

/** Records that carry notes and a timeline: URL resource, entity type, and a visibility-aware loader. */
export interface NoteParent {
  resource: string;
  entityType: string;
  find: (db: Kysely<Database>, scope: Scope, id: number) => Promise<unknown>;
}

export const NOTE_PARENTS: NoteParent[] = [
  { resource: 'companies', entityType: 'company', find: findCompany },
  { resource: 'contacts', entityType: 'contact', find: findContact },
  { resource: 'customers', entityType: 'customer', find: findCustomer },
  { resource: 'deals', entityType: 'deal', find: findDeal },
  { resource: 'customer-groups', entityType: 'customer_group', find: (db, _scope, id) => findCustomerGroup(db, id) },
];

export function parentPath(entityType: string, entityId: number): string {
  const parent = NOTE_PARENTS.find((p) => p.entityType === entityType);
  return parent ? `/${parent.resource}/${entityId}` : '/';
}
