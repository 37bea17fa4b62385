/** The reports' maths (SPEC §10): pure functions over the counters' sums. */
import { weightedFromProducts } from '../deals/deals.rules.js';
import { winRate } from '../dashboard/dashboard.rules.js';

export interface ForecastDay {
  /** Expected close date (YYYY-MM-DD), or '' when the deal has none. */
  day: string;
  deals: number;
  value: number;
  /** Σ value × probability (percent). */
  valueTimesPercent: number;
}

export interface ForecastRow {
  key: string;
  label: string;
  deals: number;
  value: number;
  weighted: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Open deals by expected close: "Overdue" (a date before today), each of the next `n` months
 * from today's month (today's month holds today and later), "Later" past those, and "No date".
 * Weighted = Σ value × probability, rounded once per bucket.
 */
export function forecastRows(today: string, days: ForecastDay[], n = 12): ForecastRow[] {
  const [y, m] = today.split('-').map(Number);
  const months = Array.from({ length: n }, (_, i) => {
    const total = y * 12 + (m - 1) + i;
    const key = `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`;
    return { key, label: `${MONTHS[total % 12]} ${Math.floor(total / 12)}` };
  });
  const buckets = new Map<string, { label: string; deals: number; value: number; products: number }>();
  buckets.set('overdue', { label: 'Overdue', deals: 0, value: 0, products: 0 });
  for (const mo of months) buckets.set(mo.key, { label: mo.label, deals: 0, value: 0, products: 0 });
  buckets.set('later', { label: 'Later', deals: 0, value: 0, products: 0 });
  buckets.set('none', { label: 'No date', deals: 0, value: 0, products: 0 });
  const last = months.at(-1)!.key;
  for (const d of days) {
    const key = d.day === '' ? 'none' : d.day < today ? 'overdue' : d.day.slice(0, 7) > last ? 'later' : d.day.slice(0, 7);
    const b = buckets.get(key)!;
    b.deals += d.deals;
    b.value += d.value;
    b.products += d.valueTimesPercent;
  }
  return [...buckets.entries()].map(([key, b]) => ({ key, label: b.label, deals: b.deals, value: b.value, weighted: weightedFromProducts(b.products) }));
}

/* ---- Periods -------------------------------------------------------------------------------- */

export const PERIODS = [
  ['this_month', 'This month'],
  ['last_month', 'Last month'],
  ['this_quarter', 'This quarter'],
  ['last_quarter', 'Last quarter'],
  ['this_year', 'This year'],
  ['last_year', 'Last year'],
  ['last_12_months', 'Last 12 months'],
  ['custom', 'Custom dates'],
] as const;
export type PeriodKey = (typeof PERIODS)[number][0];
export const DEFAULT_PERIOD: PeriodKey = 'last_12_months';

export interface Period {
  key: PeriodKey;
  /** "Last 12 months · Dec 2025 – Nov 2026" style caption. */
  label: string;
  /** First calendar day in the period and the day after its last (YYYY-MM-DD), the CRM's calendar. */
  firstDay: string;
  endDay: string;
  /** The same as UTC instants: the CRM zone's midnight at each end. */
  startUtc: string;
  endUtc: string;
}

const monthStart = (y: number, m0: number) => {
  const total = y * 12 + m0;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}-01`;
};
const dayAfter = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
const dayBefore = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

/** A day as "24 Nov 2026". */
export function dayLabel(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return `${d} ${MONTHS[m - 1]} ${y}`;
}

/**
 * The period a report covers, on the CRM's calendar (`today` is its day, `dayStart` turns a day
 * into the UTC instant it starts in the CRM's zone). Custom dates are inclusive; swapped ends are
 * put in order; anything unreadable falls back to the last 12 months.
 */
export function periodOf(key: PeriodKey, today: string, dayStart: (day: string) => string, from?: string | null, to?: string | null): Period {
  const [y, m] = today.split('-').map(Number);
  const q0 = Math.floor((m - 1) / 3) * 3;
  let first: string, end: string;
  switch (key) {
    case 'this_month': [first, end] = [monthStart(y, m - 1), monthStart(y, m)]; break;
    case 'last_month': [first, end] = [monthStart(y, m - 2), monthStart(y, m - 1)]; break;
    case 'this_quarter': [first, end] = [monthStart(y, q0), monthStart(y, q0 + 3)]; break;
    case 'last_quarter': [first, end] = [monthStart(y, q0 - 3), monthStart(y, q0)]; break;
    case 'this_year': [first, end] = [`${y}-01-01`, `${y + 1}-01-01`]; break;
    case 'last_year': [first, end] = [`${y - 1}-01-01`, `${y}-01-01`]; break;
    case 'custom':
      if (from && to) {
        const [a, b] = from <= to ? [from, to] : [to, from];
        [first, end] = [a, dayAfter(b)];
        break;
      }
      return periodOf(DEFAULT_PERIOD, today, dayStart);
    default: [first, end] = [monthStart(y, m - 12), monthStart(y, m)];
  }
  const name = PERIODS.find(([k]) => k === key)![1];
  const last = dayBefore(end);
  const span = first.endsWith('-01') && end.endsWith('-01') && key !== 'custom' ? (first.slice(0, 7) === last.slice(0, 7) ? monthLabel(first) : `${monthLabel(first)} – ${monthLabel(last)}`) : `${dayLabel(first)} – ${dayLabel(last)}`;
  return { key, label: key === 'custom' ? span : `${name} · ${span}`, firstDay: first, endDay: end, startUtc: dayStart(first), endUtc: dayStart(end) };
}

function monthLabel(day: string): string {
  return `${MONTHS[Number(day.slice(5, 7)) - 1]} ${day.slice(0, 4)}`;
}

/**
 * Counters kept per UTC day, summed over a period whose ends are the CRM zone's midnights: the
 * whole UTC days from the start's day up to (not including) the end's day, less what happened
 * on the start's UTC day before the start, plus what happened on the end's UTC day before the
 * end (both counted from the rows themselves — a few hours). Rows with the same key add up;
 * rows that come to nothing are dropped.
 */
export function periodSums<R extends Record<string, number>>(keys: (keyof R & string)[], whole: R[], beforeStart: R[], beforeEnd: R[]): R[] {
  const out = new Map<string, Record<string, number>>();
  const add = (rows: R[], sign: number) => {
    for (const r of rows) {
      const k = keys.map((f) => r[f]).join('|');
      let acc = out.get(k);
      if (!acc) out.set(k, (acc = Object.fromEntries(Object.keys(r).map((f) => [f, keys.includes(f) ? r[f] : 0]))));
      for (const f of Object.keys(r)) if (!keys.includes(f)) acc[f] += sign * r[f];
    }
  };
  add(whole, 1);
  add(beforeStart, -1);
  add(beforeEnd, 1);
  return [...out.values()].filter((r) => Object.keys(r).some((f) => !keys.includes(f) && r[f] !== 0)) as R[];
}

/* ---- Funnels, velocity, per-rep figures ------------------------------------------------------ */

export interface FunnelStep {
  label: string;
  n: number;
  /** This step ÷ the one before (0–1); null for the first step or after an empty one. */
  fromPrevious: number | null;
  /** This step ÷ the first step; null while the first is empty. */
  fromFirst: number | null;
}

/** Step-to-step and overall percentages of a funnel. */
export function funnelSteps(steps: { label: string; n: number }[]): FunnelStep[] {
  const first = steps[0]?.n ?? 0;
  return steps.map((s, i) => ({
    label: s.label,
    n: s.n,
    fromPrevious: i > 0 && steps[i - 1].n > 0 ? s.n / steps[i - 1].n : null,
    fromFirst: first > 0 ? s.n / first : null,
  }));
}

/** Average days from a sum of seconds over a number of stays, to one decimal; null without any. */
export function averageDays(seconds: number, stays: number): number | null {
  return stays > 0 ? Math.round((seconds / stays / 86_400) * 10) / 10 : null;
}

/* ---- Deal dynamics --------------------------------------------------------------------------- */

export interface StageInfo {
  id: number;
  name: string;
  is_won: number;
  is_lost: number;
}

export interface Move {
  from_stage_id: number;
  to_stage_id: number;
  moves: number;
  firsts: number;
  stays: number;
  stay_seconds: number;
}

export interface DynamicsStageRow {
  id: number;
  label: string;
  dealsNow: number;
  valueNow: number;
  entered: number;
  left: number;
  /** Average days a deal sat in the stage, over the stays that ended in the period. */
  averageDays: number | null;
}

export interface MoveMatrix {
  /** Column heads: the pipeline's stages. */
  stages: { id: number; label: string }[];
  /** One row per origin: "New deal" (created in a stage), each open stage (won and lost ones when deals left them), "Another pipeline" when any came from one. */
  rows: { label: string; cells: number[]; total: number }[];
  total: number;
}

/**
 * Deal dynamics for one pipeline: per stage the deals there now, the moves in and out in the
 * period and the average stay (velocity); and the from → to matrix of moves.
 */
export function dealDynamics(stages: StageInfo[], now: Map<number, { count: number; value: number }>, moves: Move[]): { stages: DynamicsStageRow[]; matrix: MoveMatrix } {
  const ids = new Set(stages.map((s) => s.id));
  const rows = stages.map((s) => {
    let entered = 0, left = 0, stays = 0, seconds = 0;
    for (const m of moves) {
      if (m.to_stage_id === s.id) entered += m.moves;
      if (m.from_stage_id === s.id) {
        left += m.moves;
        stays += m.stays;
        seconds += m.stay_seconds;
      }
    }
    return { id: s.id, label: s.name, dealsNow: now.get(s.id)?.count ?? 0, valueNow: now.get(s.id)?.value ?? 0, entered, left, averageDays: averageDays(seconds, stays) };
  });
  const origins: { label: string; match: (from: number) => boolean }[] = [
    { label: 'New deal', match: (from) => from === 0 },
    ...stages.map((s) => ({ label: s.name, match: (from: number) => from === s.id })),
    { label: 'Another pipeline', match: (from) => from !== 0 && !ids.has(from) },
  ];
  const matrixRows = origins.map((o) => {
    const cells = stages.map((s) => moves.filter((m) => o.match(m.from_stage_id) && m.to_stage_id === s.id).reduce((a, m) => a + m.moves, 0));
    return { label: o.label, cells, total: cells.reduce((a, b) => a + b, 0) };
  });
  return {
    stages: rows,
    matrix: { stages: stages.map((s) => ({ id: s.id, label: s.name })), rows: matrixRows.filter((r, i) => r.total > 0 || (i > 0 && i <= stages.length && !stages[i - 1].is_won && !stages[i - 1].is_lost)), total: matrixRows.reduce((a, r) => a + r.total, 0) },
  };
}

/* ---- Conversion ------------------------------------------------------------------------------ */

/**
 * A funnel's steps from first entries in the period: the open stages (or statuses) in order,
 * then the won stage(s) (or the conversion status). A record counts at each step it reached —
 * also when it moved on, once however often it came back. Lost ones are told apart, not a step.
 */
export function funnelFrom<S extends { id: number; name: string }>(steps: S[], lost: S[], firsts: Map<number, number>): { steps: FunnelStep[]; lost: number } {
  return {
    steps: funnelSteps(steps.map((s) => ({ label: s.name, n: firsts.get(s.id) ?? 0 }))),
    lost: lost.reduce((a, s) => a + (firsts.get(s.id) ?? 0), 0),
  };
}

/* ---- Sales performance ----------------------------------------------------------------------- */

export interface RepRow {
  id: number;
  name: string;
  won: number;
  wonValue: number;
  lost: number;
  winRate: number | null;
  /** Days from creation to won, on average, for the deals won in the period. */
  averageDaysToClose: number | null;
  openValue: number;
  openDeals: number;
  tasksCompleted: number;
}

/**
 * One row per rep: those given (the team) and anyone else with figures (a former rep, "Unassigned"
 * as id 0), busiest first by won value.
 */
export function performanceRows(
  reps: { id: number; name: string }[],
  closed: { assigned_to: number; won: boolean; lost: boolean; deals: number; value: number; closeDays: number }[],
  open: Map<number, { deals: number; value: number }>,
  tasks: Map<number, number>,
  names: Map<number, string>,
): RepRow[] {
  const rows = new Map<number, RepRow & { wonDays: number }>();
  const row = (id: number) => {
    let r = rows.get(id);
    if (!r) rows.set(id, (r = { id, name: id === 0 ? 'Unassigned' : (names.get(id) ?? `User ${id}`), won: 0, wonValue: 0, lost: 0, winRate: null, averageDaysToClose: null, openValue: 0, openDeals: 0, tasksCompleted: 0, wonDays: 0 }));
    return r;
  };
  for (const r of reps) row(r.id).name = r.name;
  for (const c of closed) {
    const r = row(c.assigned_to);
    if (c.won) {
      r.won += c.deals;
      r.wonValue += c.value;
      r.wonDays += c.closeDays;
    } else if (c.lost) r.lost += c.deals;
  }
  for (const [id, o] of open) if (o.deals > 0) Object.assign(row(id), { openValue: o.value, openDeals: o.deals });
  for (const [id, n] of tasks) row(id).tasksCompleted = n;
  return [...rows.values()]
    .map(({ wonDays, ...r }) => ({ ...r, winRate: winRate(r.won, r.lost), averageDaysToClose: r.won > 0 ? Math.round((wonDays / r.won) * 10) / 10 : null }))
    .sort((a, b) => b.wonValue - a.wonValue || b.won - a.won || b.openValue - a.openValue || a.name.localeCompare(b.name));
}

/** The team's row: the reps' sums, its win rate from those sums. */
export function teamTotals(rows: RepRow[]) {
  const t = rows.reduce((a, r) => ({ won: a.won + r.won, wonValue: a.wonValue + r.wonValue, lost: a.lost + r.lost, openDeals: a.openDeals + r.openDeals, openValue: a.openValue + r.openValue, tasksCompleted: a.tasksCompleted + r.tasksCompleted }), { won: 0, wonValue: 0, lost: 0, openDeals: 0, openValue: 0, tasksCompleted: 0 });
  return { ...t, winRate: winRate(t.won, t.lost) };
}

/**
 * The whole UTC days [firstDay, endDay) of a period as the day ranges before its first whole
 * month and after its last, and the whole months between ("2026-01" up to, not including, the
 * second): a year reads a dozen monthly rollups and a few dozen days instead of 365 days.
 */
export function splitByMonths(firstDay: string, endDay: string): { days: [string, string][]; months: [string, string] | null } {
  const m1 = firstDay.endsWith('-01') ? firstDay : monthStart(Number(firstDay.slice(0, 4)), Number(firstDay.slice(5, 7)));
  const m2 = `${endDay.slice(0, 7)}-01`;
  if (m1 >= m2) return { days: firstDay < endDay ? [[firstDay, endDay]] : [], months: null };
  const days = ([[firstDay, m1], [m2, endDay]] as [string, string][]).filter(([a, b]) => a < b);
  return { days, months: [m1.slice(0, 7), m2.slice(0, 7)] };
}
