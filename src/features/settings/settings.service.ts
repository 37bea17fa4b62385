import type { Scope } from '../../lib/access.js';
import type { Trx } from '../../lib/writes.js';
import { record } from '../timeline/timeline.queries.js';
import { getSettings, setSetting, SETTING_DEFAULTS, type CrmSettings } from './settings.queries.js';
import { SETTING_KEYS } from './settings.schemas.js';

/** The audit trail's subject for CRM settings: one object, its timeline on the settings page. */
export const SETTINGS_AUDIT = { entityType: 'crm_settings', entityId: 1 } as const;

/**
 * Saves the keys given (already validated) in the caller's transaction; each changed key is one
 * line of one audit entry (who changed which key from what to what). Returns the changed keys.
 */
export async function saveSettings(trx: Trx, scope: Scope, next: Partial<CrmSettings>, action = 'updated'): Promise<string[]> {
  const current = await getSettings(trx);
  const changes: Record<string, [unknown, unknown]> = {};
  for (const key of SETTING_KEYS) {
    if (!(key in next) || next[key] === undefined || next[key] === current[key]) continue;
    changes[key] = [current[key], next[key]];
    await setSetting(trx, key, next[key] as never);
  }
  if (Object.keys(changes).length) await record(trx, { ...SETTINGS_AUDIT, action, userId: scope.viewer.id, changes });
  return Object.keys(changes);
}

export function resetSettings(trx: Trx, scope: Scope): Promise<string[]> {
  return saveSettings(trx, scope, SETTING_DEFAULTS, 'reset');
}
