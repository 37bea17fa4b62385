import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Config } from '../../config.js';
import { randomToken } from '../../lib/password.js';
import { countUsers } from './users.queries.js';
import { createUser, withPasswordHash } from './users.service.js';

/**
 * On an empty database: the admin from ORCHARD_ADMIN_* is created, or a one-time setup token is
 * returned for the /setup URL. Null when users exist.
 */
export async function ensureFirstAdmin(db: Kysely<Database>, config: Config): Promise<string | null> {
  if ((await countUsers(db)) > 0) return null;
  if (config.adminEmail && config.adminPassword) {
    const admin = await withPasswordHash({ name: 'Administrator', email: config.adminEmail, password: config.adminPassword, role: 'admin' as const });
    await db.transaction().execute((trx) => createUser(trx, null, admin));
    return null;
  }
  return randomToken(24);
}
