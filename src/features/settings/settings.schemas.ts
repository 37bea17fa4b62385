import { z } from 'zod';
import { DATE_FORMATS } from '../../lib/format.js';
import { f } from '../../lib/forms.js';
import type { CrmSettings } from './settings.queries.js';

/** ISO 4217 codes and IANA zones this Node knows (Intl), so a saved value always formats. */
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
export const TIME_ZONES = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
const ZONES = new Set(TIME_ZONES);

const currency = z
  .string()
  .trim()
  .transform((v) => v.toUpperCase())
  .refine((v) => CURRENCIES.has(v), 'Enter a three-letter ISO 4217 currency code, like USD, EUR or GBP.');
const timeZone = z.string().trim().refine((v) => ZONES.has(v), 'Choose a time zone from the list, like Europe/Berlin.');
const pageSize = (label: string) => z.number({ message: `${label} must be a whole number.` }).int(`${label} must be a whole number.`).min(5, `${label} must be between 5 and 200.`).max(200, `${label} must be between 5 and 200.`);

/**
 * One rule per key (SPEC §11), written once: the form (text in), the JSON import (typed values in,
 * unknown keys refused) and the stored values all pass through it.
 */
export const SETTING_RULES = {
  currency,
  date_format: z.enum(DATE_FORMATS, { message: `Choose one of: ${DATE_FORMATS.join(', ')}.` }),
  default_time_zone: timeZone,
  timeline_visible: z.boolean({ message: 'Use true or false.' }),
  rep_visibility: z.enum(['all', 'own'], { message: 'Use "all" or "own".' }),
  page_size: pageSize('Rows per list page'),
  kanban_page_size: pageSize('Cards per board column'),
  require_two_factor: z.boolean({ message: 'Use true or false.' }),
} satisfies { [K in keyof CrmSettings]: z.ZodType<CrmSettings[K], any> };

export const SETTING_KEYS = Object.keys(SETTING_RULES) as (keyof CrmSettings)[];

/** The settings form: text fields and checkboxes, coerced, then the same rules. */
const whole = (v: unknown) => (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : typeof v === 'string' && v.trim() === '' ? undefined : v);
export const settingsFormSchema = z.object({
  currency: SETTING_RULES.currency,
  date_format: SETTING_RULES.date_format,
  default_time_zone: SETTING_RULES.default_time_zone,
  timeline_visible: f.checkbox().transform((v) => v === 1),
  rep_visibility: SETTING_RULES.rep_visibility,
  page_size: z.preprocess(whole, SETTING_RULES.page_size),
  kanban_page_size: z.preprocess(whole, SETTING_RULES.kanban_page_size),
  require_two_factor: f.checkbox().transform((v) => v === 1),
});

/** A JSON import: any subset of the keys, typed; an unknown key is an error, not ignored. */
export const settingsJsonSchema = z.object(SETTING_RULES).partial().strict();
