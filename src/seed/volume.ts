import type SQLite from 'better-sqlite3';

/**
 * Synthetic volume for benchmarks (SPEC §15). Rows go in through prepared statements in large
 * transactions — the FTS triggers still fire, so search indexes are real.
 */
export interface VolumeCounts {
  companies: number;
  contacts: number;
  customers: number;
  deals: number;
  leads: number;
  tasks: number;
}

export const LARGE: VolumeCounts = { companies: 20_000, contacts: 100_000, customers: 50_000, deals: 200_000, leads: 100_000, tasks: 500_000 };

export function scaled(factor: number): VolumeCounts {
  return {
    companies: Math.round(LARGE.companies * factor),
    contacts: Math.round(LARGE.contacts * factor),
    customers: Math.round(LARGE.customers * factor),
    deals: Math.round(LARGE.deals * factor),
    leads: Math.round(LARGE.leads * factor),
    tasks: Math.round(LARGE.tasks * factor),
  };
}

const WORDS = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Hooli', 'Vandelay', 'Soylent', 'Tyrell', 'Cyberdyne', 'Aperture', 'Wonka', 'Gringotts', 'Oscorp', 'Pied', 'Piper', 'Massive', 'Dynamic', 'Nakatomi'];
const SUFFIX = ['Corp', 'Labs', 'Group', 'Industries', 'Systems', 'Partners', 'Holdings', 'Trading', 'Works', 'Logistics'];
const FIRST = ['Ava', 'Noah', 'Mia', 'Liam', 'Zoe', 'Ethan', 'Isla', 'Lucas', 'Maya', 'Owen', 'Chloe', 'Mateo', 'Nora', 'Leo', 'Ruby'];
const LAST = ['Bennett', 'Okoye', 'Larsen', 'Moreau', 'Tanaka', 'Fischer', 'Alvarez', 'Kowalski', 'Nguyen', 'Patel', 'Schmidt', 'Rossi'];

type Progress = (label: string, done: number, total: number) => void;

function batch(sqlite: SQLite.Database, label: string, total: number, progress: Progress, fn: (i: number) => void): void {
  const step = 10_000;
  for (let start = 0; start < total; start += step) {
    sqlite.transaction(() => {
      for (let i = start; i < Math.min(total, start + step); i++) fn(i);
    })();
    progress(label, Math.min(total, start + step), total);
  }
}

export function seedVolume(sqlite: SQLite.Database, counts: VolumeCounts, progress: Progress = () => {}, opts: { timeline?: boolean } = {}): void {
  const now = new Date().toISOString();
  const owner = ownerOf(sqlite);
  const industries = (sqlite.prepare('select id from industries').all() as { id: number }[]).map((r) => r.id);
  const groupIds: number[] = [];
  const insGroup = sqlite.prepare('insert into customer_groups (name, code, priority, discount_percent, is_active, created_at, updated_at) values (?, ?, ?, ?, 1, ?, ?)');
  const existingGroups = sqlite.prepare('select count(*) as n from customer_groups').get() as { n: number };
  for (let g = 0; g < 8; g++) groupIds.push(Number(insGroup.run(`Volume group ${existingGroups.n + g + 1}`, `VOL${existingGroups.n + g + 1}`, g * 5, g % 2 ? 5 : null, now, now).lastInsertRowid));

  const firstCompany = ((sqlite.prepare('select coalesce(max(id), 0) as m from companies').get() as { m: number }).m) + 1;
  const insCompany = sqlite.prepare(
    'insert into companies (name, website, phone, email, city, country, industry_id, assigned_to, is_active, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  batch(sqlite, 'companies', counts.companies, progress, (i) => {
    const name = `${WORDS[i % WORDS.length]} ${SUFFIX[Math.floor(i / WORDS.length) % SUFFIX.length]} ${i}`;
    const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '');
    insCompany.run(name, `https://${slug}.example`, `+1 555 ${String(i).padStart(7, '0')}`, `info@${slug}.example`, 'Springfield', 'USA', industries[i % industries.length] ?? null, owner(i), i % 13 === 0 ? 0 : 1, now, now);
  });
  const companyId = (i: number) => (counts.companies ? firstCompany + (i % counts.companies) : null);

  const insContact = sqlite.prepare('insert into contacts (first_name, last_name, position, email, phone, company_id, assigned_to, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  batch(sqlite, 'contacts', counts.contacts, progress, (i) => {
    const first = FIRST[i % FIRST.length];
    const last = `${LAST[Math.floor(i / FIRST.length) % LAST.length]}${i}`;
    insContact.run(first, last, 'Buyer', `${first}.${last}@people.example`.toLowerCase(), `+44 20 ${String(i).padStart(7, '0')}`, companyId(i), owner(i), now, now);
  });

  const insCustomer = sqlite.prepare('insert into customers (name, email, phone, company_id, customer_group_id, assigned_to, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?)');
  batch(sqlite, 'customers', counts.customers, progress, (i) => {
    insCustomer.run(`Customer ${WORDS[i % WORDS.length]} ${i}`, `billing${i}@customers.example`, `+49 30 ${String(i).padStart(7, '0')}`, companyId(i * 3), groupIds[i % groupIds.length], owner(i), now, now);
  });

  volumeSteps.filter((step) => opts.timeline !== false || step !== seedTimelineVolume).forEach((step) => step(sqlite, counts, { now, owner, companyId, batch: (label, total, fn) => batch(sqlite, label, total, progress, fn) }));
  sqlite.pragma('optimize');
}

/**
 * Owners (a fifth of rows unassigned) are spread as in real data, not in step with names:
 * i % users would give one rep every "Acme …" company, and i % 5 would leave them all unassigned.
 */
function ownerOf(sqlite: SQLite.Database): (i: number) => number | null {
  const users = (sqlite.prepare('select id from users where is_active = 1 order by id').all() as { id: number }[]).map((u) => u.id);
  return (i: number) => {
    const h = Math.imul(i + 1, 2654435761) >>> 0;
    return users.length && h % 5 !== 0 ? users[(h >>> 3) % users.length] : null;
  };
}

/** Helpers for one volume step on its own (the bench topping up an older file). */
export function volumeHelpers(sqlite: SQLite.Database, progress: Progress = () => {}): VolumeHelpers {
  return { now: new Date().toISOString(), owner: ownerOf(sqlite), companyId: () => null, batch: (label, total, fn) => batch(sqlite, label, total, progress, fn) };
}

export interface VolumeHelpers {
  now: string;
  owner: (i: number) => number | null;
  companyId: (i: number) => number | null;
  batch: (label: string, total: number, fn: (i: number) => void) => void;
}

/** All deals go into the default pipeline: the board's worst case is one pipeline holding them all. */
function seedDealVolume(sqlite: SQLite.Database, counts: VolumeCounts, h: VolumeHelpers): void {
  const pipeline = sqlite.prepare('select id from pipelines order by is_default desc, id limit 1').get() as { id: number } | undefined;
  if (!pipeline || !counts.deals) return;
  const stages = sqlite.prepare('select id, probability, is_won, is_lost from deal_stages where pipeline_id = ? order by position').all(pipeline.id) as { id: number; probability: number; is_won: number; is_lost: number }[];
  if (!stages.length) return;
  const insDeal = sqlite.prepare(
    `insert into deals (title, value_cents, expected_close_date, probability, pipeline_id, stage_id, company_id, assigned_to, actual_close_date,
       stage_entered_at, last_activity_at, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insHistory = sqlite.prepare('insert into deal_stage_history (deal_id, from_stage_id, to_stage_id, user_id, created_at) values (?, null, ?, ?, ?)');
  const day = 86_400_000;
  const start = Date.now() - 400 * day;
  h.batch('deals', counts.deals, (i) => {
    const stage = stages[i % stages.length];
    const at = new Date(start + (i / counts.deals) * 400 * day).toISOString();
    const closed = stage.is_won || stage.is_lost;
    const close = new Date(start + ((i * 7) % 500) * day).toISOString().slice(0, 10);
    const r = insDeal.run(`Deal ${i} ${WORDS[i % WORDS.length]}`, ((i * 7919) % 500) * 10_000, closed ? null : close, stage.probability, pipeline.id, stage.id, h.companyId(i), h.owner(i), closed ? close : null, at, at, at, at);
    insHistory.run(r.lastInsertRowid, stage.id, h.owner(i), at);
  });
}

/**
 * Leads over every status: most open (the board's three columns hold ~70,000 at Large), the rest
 * converted or lost. Each has its first status-history row; contact emails are unique as the
 * SPEC asks.
 */
function seedLeadVolume(sqlite: SQLite.Database, counts: VolumeCounts, h: VolumeHelpers): void {
  if (!counts.leads) return;
  const statuses = sqlite.prepare('select id, is_final from lead_statuses order by position').all() as { id: number; is_final: number }[];
  if (!statuses.length) return;
  const open = statuses.filter((s) => !s.is_final);
  const closed = statuses.filter((s) => s.is_final);
  const sources = (sqlite.prepare('select id from lead_sources').all() as { id: number }[]).map((r) => r.id);
  const campaigns = (sqlite.prepare('select id from campaigns').all() as { id: number }[]).map((r) => r.id);
  const first = ((sqlite.prepare('select coalesce(max(id), 0) as m from leads').get() as { m: number }).m) + 1;
  const insLead = sqlite.prepare(
    `insert into leads (title, contact_name, contact_email, contact_phone, company_name, value_cents, lead_source_id, campaign_id, lead_status_id, assigned_to,
       status_entered_at, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insHistory = sqlite.prepare('insert into lead_status_history (lead_id, from_status_id, to_status_id, user_id, created_at) values (?, null, ?, ?, ?)');
  const day = 86_400_000;
  const start = Date.now() - 400 * day;
  h.batch('leads', counts.leads, (i) => {
    const status = i % 10 < 7 || !closed.length ? open[i % open.length] ?? statuses[0] : closed[i % closed.length];
    const at = new Date(start + (i / counts.leads) * 400 * day).toISOString();
    const name = `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length) % LAST.length]}`;
    const company = `${WORDS[(i * 7) % WORDS.length]} ${SUFFIX[i % SUFFIX.length]}`;
    const r = insLead.run(`Lead ${first + i} ${company}`, name, `lead${first + i}@prospects.example`, `+1 415 ${String(i).padStart(7, '0')}`, company, ((i * 7919) % 300) * 5_000,
      sources.length && i % 7 ? sources[i % sources.length] : null, campaigns.length && i % 3 === 0 ? campaigns[i % campaigns.length] : null, status.id, h.owner(i), at, at, at);
    insHistory.run(r.lastInsertRowid, status.id, h.owner(i), at);
  });
}

/**
 * SPEC §15's tasks: 500,000 at Large, on deals, leads, companies, contacts and customers (a tenth
 * on nothing), due from 200 days ago to 200 days ahead (a tenth undated); about 40 % done, a few
 * cancelled, the rest open. Open tasks already past due count as already told, as they would be
 * on a server that had been running: the overdue job's first pass is not a flood.
 */
export function seedTaskVolume(sqlite: SQLite.Database, counts: VolumeCounts, h: VolumeHelpers): void {
  if (!counts.tasks) return;
  const parents: { type: string; table: string }[] = [
    { type: 'deal', table: 'deals' }, { type: 'lead', table: 'leads' }, { type: 'company', table: 'companies' },
    { type: 'contact', table: 'contacts' }, { type: 'customer', table: 'customers' },
  ];
  const ranges = parents.map((p) => ({ ...p, ...(sqlite.prepare(`select coalesce(min(id), 0) as lo, coalesce(max(id), 0) as hi from ${p.table}`).get() as { lo: number; hi: number }) })).filter((r) => r.hi > 0);
  const ins = sqlite.prepare(
    `insert into tasks (title, type, description, due_at, priority, status, completed_at, assigned_to, entity_type, entity_id, created_by, overdue_notified_at, created_at, updated_at)
     values (?, ?, null, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const types = ['todo', 'call', 'meeting', 'email'];
  const verbs = ['Call', 'Email', 'Meet', 'Follow up with', 'Send proposal to', 'Check in with'];
  const priorities = ['normal', 'normal', 'high', 'low'];
  const day = 86_400_000;
  const nowMs = Date.now();
  h.batch('tasks', counts.tasks, (i) => {
    const mix = Math.imul(i + 7, 2246822519) >>> 0;
    const parent = ranges.length && mix % 10 ? ranges[mix % ranges.length] : null;
    const entityId = parent ? parent.lo + ((mix >>> 4) % (parent.hi - parent.lo + 1)) : null;
    const dueMs = nowMs + (((mix >>> 8) % 400) - 200) * day + ((mix >>> 3) % 24) * 3_600_000;
    const due = mix % 10 === 3 ? null : new Date(dueMs).toISOString();
    const roll = (mix >>> 12) % 100;
    const status = roll < 40 ? 'completed' : roll < 44 ? 'cancelled' : roll < 52 ? 'in_progress' : 'pending';
    const created = new Date(Math.min(nowMs, dueMs) - 5 * day).toISOString();
    const open = status === 'pending' || status === 'in_progress';
    const owner = h.owner(i);
    ins.run(
      `${verbs[i % verbs.length]} ${WORDS[(i * 3) % WORDS.length]} ${SUFFIX[(i * 11) % SUFFIX.length]} #${i + 1}`,
      types[i % types.length], due, priorities[i % priorities.length], status,
      status === 'completed' ? new Date(Math.min(nowMs, dueMs)).toISOString() : null,
      owner, parent?.type ?? null, entityId, owner, open && due && due < h.now ? h.now : null, created, created,
    );
  });
}

/** How many records in each kind carry a busy timeline (thousands of entries). */
export const BUSY_RECORDS = 20;

/**
 * SPEC §15's timeline: audit entries and notes, ~2,000,000 at Large. Most records get a few;
 * the first BUSY_RECORDS ids of each kind (after the demo records) get thousands — the
 * detail pages the bench opens as "busy".
 */
export function seedTimelineVolume(sqlite: SQLite.Database, counts: VolumeCounts, h: VolumeHelpers): void {
  const kinds: { type: string; table: string; n: number; each: number; busy: number }[] = [
    { type: 'company', table: 'companies', n: counts.companies, each: 8, busy: 5_000 },
    { type: 'contact', table: 'contacts', n: counts.contacts, each: 3, busy: 3_000 },
    { type: 'customer', table: 'customers', n: counts.customers, each: 4, busy: 3_000 },
    { type: 'deal', table: 'deals', n: counts.deals, each: 5, busy: 5_000 },
    { type: 'lead', table: 'leads', n: counts.leads, each: 2, busy: 2_000 },
  ];
  const insAudit = sqlite.prepare('insert into audit_entries (entity_type, entity_id, action, changes, user_id, created_at) values (?, ?, ?, ?, ?, ?)');
  const insNote = sqlite.prepare('insert into notes (entity_type, entity_id, body, user_id, created_at, updated_at) values (?, ?, ?, ?, ?, ?)');
  const day = 86_400_000;
  const start = Date.now() - 400 * day;
  for (const k of kinds) {
    if (!k.n) continue;
    const last = (sqlite.prepare(`select coalesce(max(id), 0) as m from ${k.table}`).get() as { m: number }).m;
    const first = last - k.n + 1;
    // Busy timelines shrink with the volume, so a small test file stays small.
    const busy = Math.max(k.each, Math.round(k.busy * Math.min(1, counts.deals / LARGE.deals)));
    const entries = (i: number) => (i < BUSY_RECORDS ? busy : k.each);
    h.batch(`${k.type} timelines`, k.n, (i) => {
      const id = first + i;
      const count = entries(i);
      for (let e = 0; e < count; e++) {
        const at = new Date(start + ((e + 1) / (count + 1)) * 400 * day + (i % 1000) * 1000).toISOString();
        const user = h.owner(i + e);
        if (e === 0) insAudit.run(k.type, id, 'created', null, user, at);
        else if (e % 3 === 2) insNote.run(k.type, id, `Call ${e}: talked through next steps and pricing; follow up next week.`, user, at, at);
        else insAudit.run(k.type, id, 'updated', JSON.stringify(k.type === 'deal' ? { value_cents: [e * 10_000, (e + 1) * 10_000] } : { phone: [`+1 555 ${e}`, `+1 555 ${e + 1}`] }), user, at);
      }
    });
  }
}

export const volumeSteps: ((sqlite: SQLite.Database, counts: VolumeCounts, h: VolumeHelpers) => void)[] = [seedDealVolume, seedLeadVolume, seedTaskVolume, seedTimelineVolume];
