import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { nowIso } from '../../lib/time.js';
import { DATE_FORMATS, type DateFormat } from '../../lib/format.js';

/** CRM settings: typed keys with defaults (SPEC §11). Stored as JSON text per key. */
export interface CrmSettings {
  currency: string;
  date_format: DateFormat;
  default_time_zone: string;
  timeline_visible: boolean;
  rep_visibility: 'all' | 'own';
  page_size: number;
  kanban_page_size: number;
  /** Every user must sign in with a second factor (TOTP). */
  require_two_factor: boolean;
}

export const SETTING_DEFAULTS: CrmSettings = {
  currency: 'USD',
  date_format: 'MMM d, yyyy',
  default_time_zone: 'UTC',
  timeline_visible: true,
  rep_visibility: 'all',
  page_size: 25,
  kanban_page_size: 20,
  require_two_factor: false,
};

type Executor = Kysely<Database> | Transaction<Database>;

/** Stored values are checked key by key: a missing or unreadable value reads as its default. */
const settingsSchema = z.object({
  currency: z.string().regex(/^[A-Z]{3}$/).catch(SETTING_DEFAULTS.currency),
  date_format: z.enum(DATE_FORMATS).catch(SETTING_DEFAULTS.date_format),
  default_time_zone: z.string().min(1).catch(SETTING_DEFAULTS.default_time_zone),
  timeline_visible: z.boolean().catch(SETTING_DEFAULTS.timeline_visible),
  rep_visibility: z.enum(['all', 'own']).catch(SETTING_DEFAULTS.rep_visibility),
  page_size: z.number().int().min(5).max(200).catch(SETTING_DEFAULTS.page_size),
  kanban_page_size: z.number().int().min(5).max(200).catch(SETTING_DEFAULTS.kanban_page_size),
  require_two_factor: z.boolean().catch(SETTING_DEFAULTS.require_two_factor),
}) satisfies z.ZodType<CrmSettings>;

function readJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Every request reads the settings; they are parsed again only when the stored text changed. */
let parsed: { stored: string; settings: CrmSettings } | null = null;

export async function getSettings(db: Executor): Promise<CrmSettings> {
  const rows = await db.selectFrom('settings').select(['key', 'value']).execute();
  const stored = rows.map((r) => `${r.key}\u0001${r.value}`).join('\u0002');
  if (parsed?.stored !== stored) {
    parsed = { stored, settings: Object.freeze(settingsSchema.parse(Object.fromEntries(rows.map((r) => [r.key, readJson(r.value)])))) };
  }
  return parsed.settings;
}

export async function setSetting<K extends keyof CrmSettings>(db: Executor, key: K, value: CrmSettings[K]): Promise<void> {
  await db
    .insertInto('settings')
    .values({ key, value: JSON.stringify(value), updated_at: nowIso() })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(value), updated_at: nowIso() }))
    .execute();
}

/** A server key (CSRF tokens, device cookies): made once, kept beside the settings, not one of them. */
export async function serverKey(db: Executor, name: 'csrf_hmac_key' | 'device_hmac_key'): Promise<string> {
  const found = await db.selectFrom('settings').select('value').where('key', '=', name).executeTakeFirst();
  if (found) return String(JSON.parse(found.value));
  const key = randomBytes(32).toString('base64url');
  await db.insertInto('settings').values({ key: name, value: JSON.stringify(key), updated_at: nowIso() }).onConflict((oc) => oc.column('key').doNothing()).execute();
  return serverKey(db, name);
}
