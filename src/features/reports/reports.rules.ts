/** The reports' maths (SPEC §10): pure functions over the counters' sums. */
import { weightedFromProducts } from '../deals/deals.rules.js';

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
