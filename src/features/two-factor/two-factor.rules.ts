import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { generateSecret, generateURI, verifySync } from 'otplib';

/** TOTP maths (otplib) and recovery codes: no database, no HTTP. */

export const ISSUER = 'Orchard';
/** A code from the step before or after is accepted (clock drift of ±30 s). */
const TOLERANCE_SECONDS = 30;

export function newTotpSecret(): string {
  return generateSecret();
}

export function otpauthUri(email: string, secret: string): string {
  return generateURI({ issuer: ISSUER, label: email, secret });
}

/**
 * The time step a 6-digit code belongs to, or null when it is wrong. A step at or before
 * `lastStep` is refused: each code signs in once.
 */
export function checkTotp(secret: string, code: string, lastStep: number | null, now = Date.now()): number | null {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  try {
    const epoch = Math.floor(now / 1000);
    const result = verifySync({ secret, token, epoch, epochTolerance: TOLERANCE_SECONDS, ...(lastStep !== null ? { afterTimeStep: lastStep } : {}) });
    // delta: how many 30-second steps from now the code matched.
    return result.valid ? Math.floor(epoch / 30) + result.delta : null;
  } catch {
    return null;
  }
}

const CODE_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** Ten one-time recovery codes like "k7m2-x9qp", shown once. */
export function newRecoveryCodes(count = 10): string[] {
  return Array.from({ length: count }, () => {
    const bytes = randomBytes(8);
    const chars = [...bytes].map((b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join('');
    return `${chars.slice(0, 4)}-${chars.slice(4)}`;
  });
}

/** Recovery codes carry ~40 bits of randomness each; a SHA-256 of the normalised code is stored. */
export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(code.trim().toLowerCase().replace(/[\s-]/g, '')).digest('hex');
}

/**
 * Between the password and the code, the browser holds a signed note naming the user, valid
 * for a few minutes: `userId.expiresAtMs.signature`.
 */
export const PENDING_COOKIE = 'orchard_2fa';
export const PENDING_MINUTES = 5;

export function pendingToken(userId: number, key: string, now = Date.now()): string {
  const payload = `2fa.${userId}.${now + PENDING_MINUTES * 60_000}`;
  return `${payload}.${createHmac('sha256', key).update(payload).digest('base64url')}`;
}

export function pendingUser(token: unknown, key: string, now = Date.now()): number | null {
  if (typeof token !== 'string') return null;
  const m = /^(2fa\.(\d{1,12})\.(\d{13}))\.([\w-]{20,100})$/.exec(token);
  if (!m || Number(m[3]) < now) return null;
  const expected = Buffer.from(createHmac('sha256', key).update(m[1]).digest('base64url'));
  const given = Buffer.from(m[4]);
  return expected.length === given.length && timingSafeEqual(expected, given) ? Number(m[2]) : null;
}
