import type { Role } from '../../db/schema.js';

/** The last active admin keeps the keys: they cannot be demoted or deactivated. */
export function wouldRemoveLastAdmin(
  target: { role: Role; is_active: number },
  change: { role?: Role; is_active?: number },
  activeAdmins: number,
): boolean {
  const isActiveAdmin = target.role === 'admin' && target.is_active === 1;
  if (!isActiveAdmin || activeAdmins > 1) return false;
  const staysAdmin = (change.role ?? target.role) === 'admin';
  const staysActive = (change.is_active ?? target.is_active) === 1;
  return !(staysAdmin && staysActive);
}

export const LAST_ADMIN_MESSAGE = 'This is the last active admin. Make another user an admin first.';
