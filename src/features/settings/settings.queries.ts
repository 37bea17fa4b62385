import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { nowIso } from '../../lib/time.js';

/** CRM settings: typed keys with defaults (SPEC §11). Stored as JSON text per key. */
export interface CrmSettings {
  currency: string;
  date_format: string;
  default_time_zone: string;
  timeline_visible: boolean;
  rep_visibility: 'all' | 'own';
  page_size: number;
  kanban_page_size: number;
}

export const SETTING_DEFAULTS: CrmSettings = {
  currency: 'USD',
  date_format: 'MMM d, yyyy',
  default_time_zone: 'UTC',
  timeline_visible: true,
  rep_visibility: 'all',
  page_size: 25,
  kanban_page_size: 20,
};

type Executor = Kysely<Database> | Transaction<Database>;

export async function getSettings(db: Executor): Promise<CrmSettings> {
  const rows = await db.selectFrom('settings').select(['key', 'value']).execute();
  const out: Record<string, unknown> = { ...SETTING_DEFAULTS };
  for (const r of rows) if (r.key in SETTING_DEFAULTS) out[r.key] = JSON.parse(r.value);
  return out as unknown as CrmSettings;
}

export async function setSetting<K extends keyof CrmSettings>(db: Executor, key: K, value: CrmSettings[K]): Promise<void> {
  await db
    .insertInto('settings')
    .values({ key, value: JSON.stringify(value), updated_at: nowIso() })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(value), updated_at: nowIso() }))
    .execute();
}
