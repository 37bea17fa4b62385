import { z } from 'zod';
import { f } from '../../lib/forms.js';
import { isValidTimeZone } from '../../lib/time.js';

export const ROLES = ['admin', 'manager', 'rep'] as const;
export const ROLE_LABELS: Record<(typeof ROLES)[number], string> = { admin: 'Admin', manager: 'Manager', rep: 'Sales rep' };

export const password = z
  .string({ message: 'Password is required.' })
  .min(10, 'Password must be at least 10 characters.')
  .max(200, 'Password must be at most 200 characters.');

const role = z.enum(ROLES, { message: 'Choose a role.' });

export const userCreateSchema = z.object({
  name: f.requiredText('Name', 100),
  email: f.requiredEmail(),
  password,
  role,
});

export const userUpdateSchema = z.object({
  name: f.requiredText('Name', 100),
  email: f.requiredEmail(),
  role,
  version: z.coerce.number().int(),
});

export const resetPasswordSchema = z.object({ password });

const timeZone = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null),
  z.string().refine(isValidTimeZone, 'Choose a time zone from the list.').nullable(),
);

export const profileSchema = z.object({
  name: f.requiredText('Name', 100),
  time_zone: timeZone,
});

export const passwordChangeSchema = z
  .object({
    current_password: z.string().min(1, 'Enter your current password.'),
    password,
    password_confirm: z.string(),
  })
  .refine((v) => v.password === v.password_confirm, { message: 'The two passwords do not match.', path: ['password_confirm'] });

export const setupSchema = userCreateSchema.omit({ role: true }).extend({ token: z.string().min(1) });

/** Sign-in never fails on a malformed field: it falls back to empty and gets the usual message. */
export const loginSchema = z.object({
  email: z.string().trim().max(254).catch(''),
  password: z.string().max(200).catch(''),
  next: z.string().optional().catch(undefined),
});
