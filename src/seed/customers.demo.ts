import { sql } from 'kysely';
import type { Scope } from '../lib/access.js';
import { getSettings } from '../features/settings/settings.queries.js';
import { createCompany } from '../features/companies/companies.service.js';
import { createContact } from '../features/contacts/contacts.service.js';
import { createCustomer } from '../features/customers/customers.service.js';
import { createCustomerGroup } from '../features/customer-groups/customer-groups.service.js';
import type { Trx } from '../lib/writes.js';
import type { DemoContext } from './demo.js';

const COMPANIES: [string, string, string, string][] = [
  ['Northwind Traders', 'Retail', 'Seattle', 'USA'], ['Acme Robotics', 'Manufacturing', 'Pittsburgh', 'USA'], ['Bluebird Health', 'Healthcare', 'Boston', 'USA'],
  ['Lumen Analytics', 'Software', 'Austin', 'USA'], ['Harbor Freight Lines', 'Logistics', 'Rotterdam', 'Netherlands'], ['Copperleaf Bank', 'Finance', 'Toronto', 'Canada'],
  ['Evergreen Academy', 'Education', 'Portland', 'USA'], ['Summit Builders', 'Construction', 'Denver', 'USA'], ['Seaside Resorts', 'Hospitality', 'San Diego', 'USA'],
  ['Pixel Forge Media', 'Media', 'Berlin', 'Germany'], ['Brightline Software', 'Software', 'Dublin', 'Ireland'], ['Oakridge Manufacturing', 'Manufacturing', 'Manchester', 'UK'],
  ['Vantage Retail Group', 'Retail', 'Chicago', 'USA'], ['Cedar Clinic Partners', 'Healthcare', 'Vancouver', 'Canada'], ['Quantum Ledger', 'Finance', 'London', 'UK'],
  ['Polar Logistics', 'Logistics', 'Oslo', 'Norway'], ['Maple Street Bakery', 'Hospitality', 'Montreal', 'Canada'], ['Ironclad Security', 'Software', 'Tel Aviv', 'Israel'],
  ['Greenfield Farms', 'Retail', 'Des Moines', 'USA'], ['Atlas Engineering', 'Construction', 'Munich', 'Germany'], ['Nimbus Cloud Co', 'Software', 'San Francisco', 'USA'],
  ['Riverbend Schools', 'Education', 'Nashville', 'USA'], ['Silverline Studios', 'Media', 'Los Angeles', 'USA'], ['Redwood Capital', 'Finance', 'New York', 'USA'],
  ['Horizon Hotels', 'Hospitality', 'Lisbon', 'Portugal'], ['Keystone Components', 'Manufacturing', 'Stuttgart', 'Germany'], ['Sparrow Pharmacy', 'Healthcare', 'Melbourne', 'Australia'],
  ['Trailhead Outfitters', 'Retail', 'Boulder', 'USA'], ['Beacon Freight', 'Logistics', 'Singapore', 'Singapore'], ['Orbit Learning', 'Education', 'Helsinki', 'Finland'],
];
const FIRST = ['Ava', 'Noah', 'Mia', 'Liam', 'Zoe', 'Ethan', 'Isla', 'Lucas', 'Maya', 'Owen', 'Chloe', 'Mateo', 'Nora', 'Leo', 'Ruby', 'Elias', 'Hana', 'Omar', 'Sofia', 'Jonas'];
const LAST = ['Bennett', 'Okoye', 'Larsen', 'Moreau', 'Tanaka', 'Fischer', 'Alvarez', 'Kowalski', 'Nguyen', 'Patel', 'Schmidt', 'Rossi', 'Haddad', 'Oduya', 'Lindqvist', 'Murphy'];
const POSITIONS = ['CEO', 'Head of Purchasing', 'Operations Manager', 'CFO', 'IT Director', 'Procurement Lead', 'VP Sales', 'Office Manager', 'CTO', 'Buyer'];

export async function seedCustomerDatabase(ctx: DemoContext): Promise<string> {
  return ctx.db.transaction().execute((trx) => seedCustomersIn(trx, ctx));
}

async function seedCustomersIn(db: Trx, ctx: DemoContext): Promise<string> {
  const existing = await db.selectFrom('companies').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
  if (Number(existing.n) > 0) return 'Customer database: already seeded.';
  const settings = await getSettings(db);
  const admin = { id: ctx.adminId, name: 'Avery Admin', email: 'admin@orchard.test', role: 'admin' as const, timeZone: 'UTC', sessionId: '' };
  const scope: Scope = { viewer: admin, ownOnly: false, settings };
  const industries = new Map((await db.selectFrom('industries').select(['id', 'name']).execute()).map((r) => [r.name, r.id]));
  const sizes = (await db.selectFrom('company_sizes').select('id').orderBy('position').execute()).map((r) => r.id);
  const owner = (i: number) => (i % 7 === 6 ? null : ctx.repIds[i % ctx.repIds.length]);

  const groups: number[] = [];
  for (const [i, [name, code, discount, priority, description]] of ([
    ['Wholesale', 'WHOLESALE', '12.5', '30', 'Resellers buying in volume.'],
    ['Retail', 'RETAIL', '', '10', 'Single-location shops and individuals.'],
    ['Enterprise', 'ENT', '8', '40', 'Large accounts with framework agreements.'],
    ['Partners', 'PARTNER', '15', '20', 'Implementation and referral partners.'],
  ] as const).entries()) {
    groups.push(await createCustomerGroup(db, scope, { name, code, discount_percent: discount ? Number(discount) : null, priority: Number(priority), description, is_active: i < 4 ? 1 : 0 }, {}));
  }

  const companyIds: number[] = [];
  for (const [i, [name, industry, city, country]] of COMPANIES.entries()) {
    const domain = name.toLowerCase().replace(/[^a-z]+/g, '') + '.example';
    companyIds.push(
      await createCompany(db, scope, {
        name, website: `https://${domain}`, phone: `+1 555 01${String(i).padStart(2, '0')}`, email: `hello@${domain}`,
        street: `${100 + i * 7} Market Street`, city, state: null, postal_code: String(10000 + i * 311), country,
        industry_id: industries.get(industry) ?? null, size_id: sizes[i % sizes.length], description: null,
        assigned_to: owner(i), is_active: i % 11 === 10 ? 0 : 1,
      }, {}),
    );
  }

  for (let i = 0; i < 80; i++) {
    const first = FIRST[i % FIRST.length];
    const last = LAST[(i * 7) % LAST.length];
    const company = companyIds[i % companyIds.length];
    await createContact(db, scope, {
      first_name: first, last_name: last, position: POSITIONS[i % POSITIONS.length],
      email: `${first}.${last}${i}@${COMPANIES[i % COMPANIES.length][0].toLowerCase().replace(/[^a-z]+/g, '')}.example`.toLowerCase(),
      phone: `+1 555 02${String(i).padStart(2, '0')}`, company_id: company, assigned_to: owner(i),
    }, {});
  }

  // A few records entered twice, as they are in every real CRM: the duplicate finder's demo.
  const again = async (i: number, changes: { email?: string | null; phone?: string | null; position?: string | null }) => {
    const first = FIRST[i % FIRST.length];
    const last = LAST[(i * 7) % LAST.length];
    await createContact(db, scope, { first_name: first, last_name: last, position: null, email: null, phone: null, company_id: null, assigned_to: owner(i), ...changes }, {});
  };
  await again(1, { email: `${FIRST[1]}.${LAST[7 % LAST.length]}1@${COMPANIES[1][0].toLowerCase().replace(/[^a-z]+/g, '')}.example`.toUpperCase(), phone: '+1 (555) 02-01' });
  await again(4, { phone: '+1 555 0204', position: POSITIONS[4 % POSITIONS.length] });
  await again(9, { email: `${FIRST[9 % FIRST.length]}@gmail.example`.toLowerCase() });
  const [acme] = COMPANIES[1];
  await createCompany(db, scope, {
    name: `${acme} Inc.`, website: `www.${acme.toLowerCase().replace(/[^a-z]+/g, '')}.example/about`, phone: null, email: null,
    street: null, city: COMPANIES[1][2], state: null, postal_code: null, country: COMPANIES[1][3],
    industry_id: null, size_id: null, description: 'Added from a trade-show list.', assigned_to: owner(3), is_active: 1,
  }, {});

  for (let i = 0; i < 40; i++) {
    const [name] = COMPANIES[i % COMPANIES.length];
    const label = i < COMPANIES.length ? name : `${FIRST[i % FIRST.length]} ${LAST[i % LAST.length]}`;
    await createCustomer(db, scope, {
      name: label, email: `billing${i}@${label.toLowerCase().replace(/[^a-z]+/g, '')}.example`, phone: `+1 555 03${String(i).padStart(2, '0')}`,
      company_id: i < COMPANIES.length ? companyIds[i] : null, customer_group_id: groups[i % groups.length], assigned_to: owner(i + 2),
    }, {});
  }
  return `Customer database: ${companyIds.length + 1} companies, 83 contacts (a few entered twice), 40 customers, ${groups.length} customer groups.`;
}
