/** The dashboard's sales maths (SPEC §10): pure functions over the sums and counts the queries return. */
import { weightedFromProducts } from '../deals/deals.rules.js';
import { dayStartUtc } from '../../lib/time.js';

export interface StageSums {
  stage_id: number;
  pipeline_id: number;
  is_won: number;
  is_lost: number;
  count: number;
  value: number;
  /** Σ value × probability (percent), as deal_stage_totals keeps it. */
  valueTimesPercent: number;
}

export interface DealFigures {
  total: number;
  open: number;
  won: number;
  lost: number;
  wonRevenue: number;
  potentialRevenue: number;
  weightedForecast: number;
  /** Won revenue ÷ won deals; null without a won deal. */
  averageWonValue: number | null;
  /** Won ÷ (won + lost), 0–1; null while nothing is closed. */
  winRate: number | null;
}

/** Win rate = won / (won + lost); nothing closed yet → null ("—"), never a division by zero. */
export function winRate(won: number, lost: number): number | null {
  return won + lost > 0 ? won / (won + lost) : null;
}

export function average(total: number, count: number): number | null {
  return count > 0 ? Math.round(total / count) : null;
}

/** Cards and revenue from per-stage sums: open = neither won nor lost; weighted = Σ open value × probability. */
export function dealFigures(stages: StageSums[]): DealFigures {
  let total = 0, open = 0, won = 0, lost = 0, wonRevenue = 0, potential = 0, products = 0;
  for (const s of stages) {
    total += s.count;
    if (s.is_won) {
      won += s.count;
      wonRevenue += s.value;
    } else if (s.is_lost) {
      lost += s.count;
    } else {
      open += s.count;
      potential += s.value;
      products += s.valueTimesPercent;
    }
  }
  return { total, open, won, lost, wonRevenue, potentialRevenue: potential, weightedForecast: weightedFromProducts(products), averageWonValue: average(wonRevenue, won), winRate: winRate(won, lost) };
}

export interface MonthBucket {
  /** "2026-06" */
  key: string;
  /** "Jun 2026" */
  label: string;
  /** The UTC instant the month starts in the CRM's zone. */
  startUtc: string;
  /** The first day (YYYY-MM-DD), for comparing calendar dates such as a close date. */
  firstDay: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * The last `n` calendar months up to the one holding `today` (the CRM's own day), oldest first,
 * plus the start of the month after: n + 1 boundaries in the CRM's zone.
 */
export function monthBuckets(today: string, timeZone: string, n = 6): { months: MonthBucket[]; endUtc: string; endDay: string } {
  const [y, m] = today.split('-').map(Number);
  const at = (k: number) => {
    const total = y * 12 + (m - 1) + k;
    const yy = Math.floor(total / 12);
    const mm = (total % 12) + 1;
    const key = `${yy}-${String(mm).padStart(2, '0')}`;
    return { key, label: `${MONTHS[mm - 1]} ${yy}`, firstDay: `${key}-01`, startUtc: dayStartUtc(`${key}-01`, timeZone) };
  };
  const months = Array.from({ length: n }, (_, i) => at(i - n + 1));
  const next = at(1);
  return { months, endUtc: next.startUtc, endDay: next.firstDay };
}

/** The UTC day (YYYY-MM-DD) an instant falls on, and that day's first instant. */
export const utcDay = (instant: string) => instant.slice(0, 10);
export const utcDayStart = (instant: string) => `${utcDay(instant)}T00:00:00.000Z`;

/**
 * Deals created per month in the CRM's zone from per-UTC-day counters (deal_created_days): the
 * number created before a boundary b, counting from the first boundary's UTC day, is the days
 * wholly before b's UTC day plus `partial(b)`, those created on b's UTC day before b (counted
 * from the index). A month is the difference between its two boundaries.
 */
export function monthsFromDays(boundaries: string[], days: Map<string, number>, partial: Map<string, number>): number[] {
  const sortedDays = [...days.entries()].sort(([a], [b]) => a.localeCompare(b));
  const before = (b: string) => {
    let n = partial.get(b) ?? 0;
    for (const [day, count] of sortedDays) if (day < utcDay(b)) n += count;
    return n;
  };
  const cumulative = boundaries.map(before);
  return boundaries.slice(1).map((_, i) => cumulative[i + 1] - cumulative[i]);
}

export interface MonthRow {
  month: string;
  created: number;
  won: number;
  lost: number;
  wonRevenue: number;
}

/** Deals by month: created, won, lost and won revenue per bucket; months with nothing read 0. */
export function dealsByMonth(months: MonthBucket[], created: Map<string, number>, closed: { month: string; is_won: number; is_lost: number; count: number; value: number }[]): MonthRow[] {
  const rows = new Map(months.map((b) => [b.key, { month: b.key, created: created.get(b.key) ?? 0, won: 0, lost: 0, wonRevenue: 0 }]));
  for (const c of closed) {
    const row = rows.get(c.month);
    if (!row) continue;
    if (c.is_won) {
      row.won += c.count;
      row.wonRevenue += c.value;
    } else if (c.is_lost) row.lost += c.count;
  }
  return [...rows.values()];
}

/**
 * Qualified leads (SPEC §10): those in the lead status named "Qualified" — the one the seed
 * ships and teams keep — so the card links to that status's list. No such status: null ("—").
 */
export function qualifiedStatusId(statuses: { id: number; name: string }[]): number | null {
  return statuses.find((s) => s.name.trim().toLowerCase() === 'qualified')?.id ?? null;
}
