import { sql } from 'kysely';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { seedDemo } from '../../src/seed/demo.js';

/** A database with the demo team and records, as `orchard seed --demo` makes it. */
export async function prepareDemo(dbFile: string): Promise<void> {
  const { db, sqlite } = openDatabase(dbFile);
  await migrateToLatest(db, sqlite);
  await seedDemo(db);
  await db.destroy();
}

export const DEMO_ADMIN = { email: 'admin@orchard.test', password: 'orchard-demo-2026' };
export const DEMO_REP = { email: 'dana@orchard.test', password: 'orchard-demo-2026' };

/** Every page a signed-in admin can open, with real ids from the demo data. */
export async function everyPage(dbFile: string): Promise<string[]> {
  const { db } = openDatabase(dbFile);
  const first = async (table: 'companies' | 'contacts' | 'customers' | 'customer_groups' | 'deals' | 'pipelines' | 'users' | 'tasks') =>
    (await db.selectFrom(table).select('id').orderBy('id').executeTakeFirstOrThrow()).id;
  const company = await first('companies');
  const contact = await first('contacts');
  const customer = await first('customers');
  const group = await first('customer_groups');
  const deal = await first('deals');
  const pipeline = await first('pipelines');
  const user = await first('users');
  const task = await first('tasks');
  const stage = (await db.selectFrom('deal_stages').select('id').where('pipeline_id', '=', pipeline).orderBy('id').executeTakeFirstOrThrow()).id;
  const industry = (await db.selectFrom('industries').select('id').orderBy('id').executeTakeFirstOrThrow()).id;
  const converted = (await db.selectFrom('leads').select('id').where('converted_at', 'is not', null).orderBy('id').executeTakeFirstOrThrow()).id;
  const open = (await db.selectFrom('leads').select('id').where('converted_at', 'is', null).orderBy('id').executeTakeFirstOrThrow()).id;
  // The demo enters a contact twice (same email): the merge page compares them.
  const twins = (await sql<{ id: number }>`select id from contacts where dup_email = (select dup_email from contacts where dup_email is not null group by dup_email having count(*) > 1 limit 1) order by id limit 2`.execute(db)).rows.map((r) => r.id);
  const webhook = (await db.selectFrom('webhooks').select('id').orderBy('id').executeTakeFirstOrThrow()).id;
  await db.destroy();
  return [
    '/',
    '/deals/board',
    '/deals',
    `/deals?stage_id=${stage}`,
    '/deals/new',
    `/deals/${deal}`,
    `/deals/${deal}/edit`,
    '/leads',
    '/leads?lead_status_id=1',
    '/leads/board',
    '/leads/new',
    `/leads/${open}`,
    `/leads/${open}/edit`,
    `/leads/${open}/convert`,
    `/leads/${converted}`,
    '/tasks/mine',
    '/reports/forecast',
    '/reports/dynamics',
    '/reports/conversion',
    '/reports/performance',
    '/import',
    '/notifications',
    '/tasks',
    '/tasks?status=open&type=call',
    `/tasks/${task}`,
    `/tasks/${task}/edit`,
    '/companies',
    '/companies/new',
    `/companies/${company}`,
    `/companies/${company}/edit`,
    '/contacts',
    '/contacts/new',
    `/contacts/${contact}`,
    `/contacts/${contact}/edit`,
    '/customers',
    '/customers/new',
    `/customers/${customer}`,
    `/customers/${customer}/edit`,
    '/customer-groups',
    '/customer-groups/new',
    `/customer-groups/${group}`,
    `/customer-groups/${group}/edit`,
    '/search?q=a',
    '/profile',
    '/profile/two-factor',
    '/settings',
    '/settings/users',
    '/settings/users/new',
    `/settings/users/${user}/edit`,
    '/settings/pipelines',
    `/settings/pipelines/${pipeline}/edit`,
    `/settings/pipelines/${pipeline}/stages`,
    `/settings/pipelines/${pipeline}/stages/${stage}/edit`,
    '/settings/lead-statuses',
    '/settings/lead-statuses/1/edit',
    '/settings/directories',
    '/settings/directories/industries',
    `/settings/directories/industries/${industry}/edit`,
    '/settings/security',
    '/settings/crm',
    '/settings/api-tokens',
    '/profile/api-tokens',
    '/help/api',
    '/settings/webhooks',
    '/settings/webhooks/new',
    `/settings/webhooks/${webhook}`,
    `/settings/webhooks/${webhook}/edit`,
    '/duplicates',
    '/duplicates?kind=companies',
    `/duplicates/merge?kind=contacts&ids=${twins[0]}&ids=${twins[1]}`,
  ];
}
