import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A browser that signed in before carries a signed device cookie naming the account. The right
 * password from such a browser is let through even while the account or the office IP is rate
 * limited, so failed attempts by someone else cannot lock the real user out.
 */
export const DEVICE_COOKIE = 'orchard_device';
export const DEVICE_COOKIE_DAYS = 365;

function sign(payload: string, key: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url');
}

export function deviceToken(userId: number, key: string): string {
  const payload = `${userId}.${randomBytes(12).toString('base64url')}`;
  return `${payload}.${sign(payload, key)}`;
}

/** The account a device cookie was issued to, or null when it is missing or forged. */
export function deviceUser(token: unknown, key: string): number | null {
  if (typeof token !== 'string') return null;
  const m = /^(\d{1,12})\.([\w-]{8,40})\.([\w-]{20,100})$/.exec(token);
  if (!m) return null;
  const expected = Buffer.from(sign(`${m[1]}.${m[2]}`, key));
  const given = Buffer.from(m[3]);
  return expected.length === given.length && timingSafeEqual(expected, given) ? Number(m[1]) : null;
}
