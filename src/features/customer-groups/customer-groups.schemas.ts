import { z } from 'zod';
import { f } from '../../lib/forms.js';
import { listSchema } from '../../lib/listing.js';

export const customerGroupFormSchema = z.object({
  name: f.requiredText('Name', 100),
  code: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() : ''),
    z.string().min(1, 'Code is required.').max(30, 'Code must be at most 30 characters.').regex(/^[\p{L}\p{N}_-]+$/u, 'Use letters, digits, - and _ only.'),
  ),
  description: f.optionalText(2000),
  discount_percent: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim().replace(',', '.') : null),
    z
      .string()
      .regex(/^\d+(\.\d{1,2})?$/, 'Enter a number from 0 to 100 with at most 2 decimals.')
      .transform(Number)
      .pipe(z.number().min(0, 'Discount must be between 0 and 100.').max(100, 'Discount must be between 0 and 100.'))
      .nullable(),
  ),
  priority: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() : v),
    z.string({ message: 'Priority is required.' }).min(1, 'Priority is required.').regex(/^-?\d+$/, 'Priority must be a whole number.').transform(Number).pipe(z.number().int().min(-1_000_000).max(1_000_000)),
  ),
  is_active: f.checkbox(),
  version: z.coerce.number().int().optional(),
});

export type CustomerGroupInput = z.output<typeof customerGroupFormSchema>;

export const customerGroupListSchema = listSchema(['priority'] as const, 'priority', {
  status: z.preprocess((v) => (v === 'active' || v === 'inactive' ? v : undefined), z.enum(['active', 'inactive']).optional()),
}, 'desc');

export type CustomerGroupFilters = z.output<typeof customerGroupListSchema>;
