import type SQLite from 'better-sqlite3';

export interface BenchPage {
  name: string;
  url: string;
  headers?: Record<string, string>;
}

/** The pages measured, with ids picked from the middle of the data. */
export async function pages(sqlite: SQLite.Database): Promise<BenchPage[]> {
  const mid = (table: string) => (sqlite.prepare(`select id from ${table} order by id limit 1 offset (select count(*) / 2 from ${table})`).get() as { id: number } | undefined)?.id ?? 1;
  const user = (sqlite.prepare("select id from users where role = 'rep' order by id limit 1").get() as { id: number } | undefined)?.id ?? 1;
  const industry = (sqlite.prepare('select id from industries order by id limit 1').get() as { id: number }).id;
  const group = (sqlite.prepare('select id from customer_groups order by id desc limit 1').get() as { id: number } | undefined)?.id ?? 1;
  const company = mid('companies');
  const rows = (target: string) => ({ 'hx-request': 'true', 'hx-target': target });
  const list: BenchPage[] = [
    { name: 'companies: list', url: '/companies' },
    { name: 'companies: search "acme" (rows fragment)', url: '/companies?q=acme', headers: rows('companies-rows') },
    { name: 'companies: filter industry + assigned', url: `/companies?industry_id=${industry}&assigned_to=${user}` },
    { name: 'companies: detail', url: `/companies/${company}` },
    { name: 'contacts: list', url: '/contacts' },
    { name: 'contacts: search "noah"', url: '/contacts?q=noah', headers: rows('contacts-rows') },
    { name: 'contacts: filter company', url: `/contacts?company_id=${company}` },
    { name: 'contacts: sort by company', url: '/contacts?sort=company' },
    { name: 'contacts: page 2000', url: '/contacts?page=2000' },
    { name: 'contacts: detail', url: `/contacts/${mid('contacts')}` },
    { name: 'customers: list', url: '/customers' },
    { name: 'customers: search "billing12"', url: '/customers?q=billing12', headers: rows('customers-rows') },
    { name: 'customers: filter group', url: `/customers?customer_group_id=${group}` },
    { name: 'customers: detail', url: `/customers/${mid('customers')}` },
    { name: 'customer groups: list with counts', url: '/customer-groups' },
  ];
  return [...list, ...extraPages(sqlite)];
}

/** The deals board and lists: the board's budget is 100 ms p95 (SPEC §5 at 200,000 deals). */
export function extraPages(sqlite: SQLite.Database): BenchPage[] {
  const pipeline = sqlite.prepare('select id from pipelines order by is_default desc, id limit 1').get() as { id: number } | undefined;
  if (!pipeline) return [];
  const stage = sqlite.prepare('select id from deal_stages where pipeline_id = ? order by position limit 1').get(pipeline.id) as { id: number };
  const page2 = sqlite.prepare('select stage_entered_at, id from deals where stage_id = ? order by stage_entered_at desc, id desc limit 1 offset 19').get(stage.id) as { stage_entered_at: string; id: number } | undefined;
  const deal = sqlite.prepare('select id from deals order by id limit 1 offset (select count(*) / 2 from deals)').get() as { id: number } | undefined;
  const pages: BenchPage[] = [
    { name: 'board: default pipeline', url: '/deals/board' },
    { name: 'deals: list', url: '/deals' },
    { name: 'deals: open, sorted by value', url: '/deals?status=open&sort=value' },
    { name: 'deals: search "hooli"', url: '/deals?q=hooli', headers: { 'hx-request': 'true', 'hx-target': 'deals-rows' } },
    { name: 'deals: stage + close date range', url: `/deals?stage_id=${stage.id}&close_from=2026-01-01&close_to=2026-06-30` },
    { name: 'deals: page 2000', url: '/deals?page=2000' },
  ];
  if (page2) pages.splice(2, 0, { name: 'board: column load more', url: `/deals/board/column/${stage.id}?after=${encodeURIComponent(`${page2.stage_entered_at}|${page2.id}`)}` });
  if (deal) pages.push({ name: 'deals: detail', url: `/deals/${deal.id}` });
  return [...pages, ...leadPages(sqlite), ...taskPages(sqlite), ...busyPages(sqlite)];
}

/** The tasks pages at 500,000 tasks: All tasks with filters, a task's page, the record panel with the most tasks. */
export function taskPages(sqlite: SQLite.Database): BenchPage[] {
  const rep = sqlite.prepare("select id from users where role = 'rep' and is_active = 1 order by id limit 1").get() as { id: number } | undefined;
  const task = sqlite.prepare('select id from tasks order by id limit 1 offset (select count(*) / 2 from tasks)').get() as { id: number } | undefined;
  const busy = sqlite.prepare("select entity_id as id from tasks where entity_type = 'deal' group by entity_id order by count(*) desc limit 1").get() as { id: number } | undefined;
  if (!task) return [];
  const month = new Date().toISOString().slice(0, 7);
  const pages: BenchPage[] = [
    { name: 'tasks: all', url: '/tasks' },
    { name: 'tasks: open calls of a rep', url: `/tasks?status=open&type=call${rep ? `&assigned_to=${rep.id}` : ''}` },
    { name: 'tasks: due this month, by priority', url: `/tasks?due_from=${month}-01&due_to=${month}-28&sort=priority` },
    { name: 'tasks: detail', url: `/tasks/${task.id}` },
  ];
  if (busy) pages.push({ name: 'deals: detail, the most tasks', url: `/deals/${busy.id}` });
  return pages;
}

/** The leads pages at 100,000 leads: list, search, filters, board, load more, detail, conversion form. */
export function leadPages(sqlite: SQLite.Database): BenchPage[] {
  const status = sqlite.prepare('select id from lead_statuses where is_default = 1').get() as { id: number } | undefined;
  const lead = sqlite.prepare("select l.id from leads l join lead_statuses s on s.id = l.lead_status_id where s.is_final = 0 order by l.id limit 1 offset (select count(*) / 2 from leads)").get() as { id: number } | undefined;
  if (!status || !lead) return [];
  const page2 = sqlite.prepare('select status_entered_at, id from leads where lead_status_id = ? order by status_entered_at desc, id desc limit 1 offset 19').get(status.id) as { status_entered_at: string; id: number } | undefined;
  const source = sqlite.prepare('select id from lead_sources order by id limit 1').get() as { id: number } | undefined;
  const pages: BenchPage[] = [
    { name: 'leads: list', url: '/leads' },
    { name: 'leads: search "hooli"', url: '/leads?q=hooli', headers: { 'hx-request': 'true', 'hx-target': 'leads-rows' } },
    { name: 'leads: status + source', url: `/leads?lead_status_id=${status.id}${source ? `&lead_source_id=${source.id}` : ''}` },
    { name: 'leads: sort by status, page 500', url: '/leads?sort=status&page=500' },
    { name: 'leads: board', url: '/leads/board' },
    { name: 'leads: detail', url: `/leads/${lead.id}` },
    { name: 'leads: conversion form', url: `/leads/${lead.id}/convert` },
    { name: 'search: a lead key', url: `/search?q=L-${lead.id}` },
    { name: 'search: a lead\'s email', url: `/search?q=lead${lead.id}%40prospects` },
  ];
  if (page2) pages.splice(5, 0, { name: 'leads: board column load more', url: `/leads/board/column/${status.id}?after=${encodeURIComponent(`${page2.status_entered_at}|${page2.id}`)}` });
  return pages;
}

/** Detail pages of records with thousands of timeline entries (seed/volume seedTimelineVolume). */
function busyPages(sqlite: SQLite.Database): BenchPage[] {
  const first = (sqlText: string) => (sqlite.prepare(sqlText).get() as { id: number } | undefined)?.id;
  const busy: [string, string, number | undefined][] = [
    ['companies', 'company', first("select id from companies where name = 'Acme Corp 0'")],
    ['contacts', 'contact', first("select id from contacts where last_name = 'Bennett0'")],
    ['customers', 'customer', first("select id from customers where name = 'Customer Acme 0'")],
    ['deals', 'deal', first("select id from deals where title = 'Deal 0 Acme'")],
  ];
  return busy.filter(([, , id]) => id).map(([path, noun, id]) => ({ name: `${path}: detail, busy ${noun} timeline`, url: `/${path}/${id}` }));
}
