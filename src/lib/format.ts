import { todayIso } from './time.js';
/**
 * One formatter for each kind of value the pages show, fed by the CRM settings (`currency`,
 * `date_format`) and the viewer's time zone. Intl objects are built once per (locale options,
 * currency, zone) and reused: building one costs ~160 µs and native memory.
 */

/** The date formats the `date_format` setting accepts. */
export const DATE_FORMATS = ['MMM d, yyyy', 'd MMM yyyy', 'yyyy-MM-dd', 'dd/MM/yyyy', 'MM/dd/yyyy', 'dd.MM.yyyy'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

export function isDateFormat(s: string): s is DateFormat {
  return DATE_FORMATS.some((f) => f === s);
}

function memo<T>(map: Map<string, T>, key: string, make: () => T): T {
  let f = map.get(key);
  if (!f) {
    f = make();
    map.set(key, f);
  }
  return f;
}
const numberFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();
const relativeFormats = new Map<string, Intl.RelativeTimeFormat>();

function safeZone(timeZone: string): string {
  return memo(dateFormats, `zone:${timeZone}`, () => {
    try {
      return new Intl.DateTimeFormat('en-US', { timeZone });
    } catch {
      return new Intl.DateTimeFormat('en-US', { timeZone: 'UTC' });
    }
  }).resolvedOptions().timeZone;
}

export function formatMoney(cents: number | null | undefined, currency = 'USD'): string {
  if (cents === null || cents === undefined) return '—';
  return memo(numberFormats, `money:${currency}`, () => new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 0, minimumFractionDigits: 0 })).format(cents / 100);
}

/** Short money for headers and cards: $1.2M, $840K. */
export function formatMoneyShort(cents: number | null | undefined, currency = 'USD'): string {
  if (cents === null || cents === undefined) return '—';
  return memo(numberFormats, `short:${currency}`, () => new Intl.NumberFormat('en-US', { style: 'currency', currency, notation: 'compact', minimumFractionDigits: 0, maximumFractionDigits: 1 })).format(cents / 100);
}

/** Cents → the text a money input shows ("1234.5"). */
export function centsToInput(cents: number | null | undefined): string {
  if (cents === null || cents === undefined) return '';
  return (cents / 100).toFixed(2).replace(/\.00$/, '');
}

export function formatNumber(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return memo(numberFormats, 'number', () => new Intl.NumberFormat('en-US')).format(n);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A date (YYYY-MM-DD, shown as is) or a timestamp (shown in `timeZone`) in the chosen format. */
export function formatDate(iso: string | null | undefined, timeZone = 'UTC', pattern: DateFormat = 'MMM d, yyyy'): string {
  if (!iso) return '—';
  let y: number, m: number, d: number;
  if (iso.length === 10) {
    [y, m, d] = iso.split('-').map(Number);
  } else {
    const t = new Date(iso);
    if (Number.isNaN(t.getTime())) return iso;
    const parts = memo(dateFormats, `ymd:${safeZone(timeZone)}`, () => new Intl.DateTimeFormat('en-US', { timeZone: safeZone(timeZone), year: 'numeric', month: 'numeric', day: 'numeric' })).formatToParts(t);
    const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
    [y, m, d] = [part('year'), part('month'), part('day')];
  }
  if (![y, m, d].every(Number.isFinite) || m < 1 || m > 12) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  const tokens: Record<string, string> = { yyyy: String(y), MMM: MONTHS[m - 1], MM: pad(m), dd: pad(d), d: String(d) };
  return pattern.replace(/yyyy|MMM|MM|dd|d/g, (t) => tokens[t]);
}

export function formatDateTime(iso: string | null | undefined, timeZone = 'UTC', pattern: DateFormat = 'MMM d, yyyy'): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const time = memo(dateFormats, `time:${safeZone(timeZone)}`, () => new Intl.DateTimeFormat('en-US', { timeStyle: 'short', timeZone: safeZone(timeZone) })).format(d);
  return `${formatDate(iso, timeZone, pattern)}, ${time}`;
}

/** "2 h ago", "in 3 days"; older than a month shows the date. */
export function formatRelative(iso: string | null | undefined, now = Date.now(), timeZone = 'UTC', pattern: DateFormat = 'MMM d, yyyy'): string {
  if (!iso) return '—';
  const t = iso.length === 10 ? Date.parse(iso + 'T12:00:00Z') : Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const diff = t - now;
  const abs = Math.abs(diff);
  const rtf = memo(relativeFormats, 'relative', () => new Intl.RelativeTimeFormat('en', { numeric: 'auto', style: 'short' }));
  if (iso.length === 10) {
    const days = Math.round(diff / 86_400_000);
    if (Math.abs(days) <= 30) return rtf.format(days, 'day');
    return formatDate(iso, timeZone, pattern);
  }
  if (abs < 60_000) return 'just now';
  if (abs < 3_600_000) return rtf.format(Math.round(diff / 60_000), 'minute');
  if (abs < 86_400_000) return rtf.format(Math.round(diff / 3_600_000), 'hour');
  if (abs < 30 * 86_400_000) return rtf.format(Math.round(diff / 86_400_000), 'day');
  return formatDate(iso, timeZone, pattern);
}

export function initials(name: string | null | undefined): string {
  if (!name) return '';
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '') + (parts.length > 1 ? (parts.at(-1)?.[0] ?? '') : '')).toUpperCase();
}

export function pluralize(n: number, one: string, many = one + 's'): string {
  return `${formatNumber(n)} ${n === 1 ? one : many}`;
}

/** Black or white text, whichever reads better on the given background colour. */
function luminance(hex: string): number {
  const n = parseInt(hex, 16);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two #rrggbb colours. */
export function contrastRatio(a: string, b: string): number {
  const [x, y] = [luminance(a.replace('#', '')), luminance(b.replace('#', ''))].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/**
 * Text colour for a badge on a user-chosen background: white or dark, whichever contrasts more;
 * where our dark grey would miss WCAG AA (4.5:1) black is used — one of white and black always
 * reaches 4.58:1, so any colour a manager picks stays readable.
 */
export function contrastText(hex: string | null | undefined): string {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex ?? '');
  if (!m) return '#111827';
  const bg = `#${m[1]}`;
  if (contrastRatio(bg, '#ffffff') >= contrastRatio(bg, '#000000')) return '#ffffff';
  return contrastRatio(bg, '#111827') >= 4.5 ? '#111827' : '#000000';
}

/**
 * The formatter templates get as `it.fmt`: the same functions with the CRM's currency and date
 * format and the viewer's time zone filled in. A template may still pass a zone explicitly.
 */
export function formatterFor(settings: { currency: string; date_format: string }, viewerZone = 'UTC') {
  const currency = settings.currency;
  const pattern: DateFormat = isDateFormat(settings.date_format) ? settings.date_format : 'MMM d, yyyy';
  return {
    currency,
    formatMoney: (cents: number | null | undefined) => formatMoney(cents, currency),
    formatMoneyShort: (cents: number | null | undefined) => formatMoneyShort(cents, currency),
    formatDate: (iso: string | null | undefined, timeZone = viewerZone) => formatDate(iso, timeZone, pattern),
    formatDateTime: (iso: string | null | undefined, timeZone = viewerZone) => formatDateTime(iso, timeZone, pattern),
    formatRelative: (iso: string | null | undefined, now = Date.now(), timeZone = viewerZone) => formatRelative(iso, now, timeZone, pattern),
    /** A task's due time in the viewer's zone; a task due "by the end of the day" shows its day only. */
    formatDue: (iso: string | null | undefined) => {
      const full = formatDateTime(iso, viewerZone, pattern);
      return full.endsWith(', 11:59 PM') ? formatDate(iso, viewerZone, pattern) : full;
    },
    /** A calendar date (yyyy-mm-dd) before the viewer's today: an open deal's close date is overdue. */
    isPastDay: (day: string | null | undefined) => Boolean(day && day < todayIso(viewerZone)),
    formatNumber,
    centsToInput,
    initials,
    pluralize,
    contrastText,
  };
}

export type Formatter = ReturnType<typeof formatterFor>;
