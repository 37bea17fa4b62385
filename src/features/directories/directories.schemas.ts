import { z } from 'zod';
import { f } from '../../lib/forms.js';
import type { DirectoryTable } from './directories.kinds.js';

const base = { name: f.requiredText('Name', 100), is_active: f.checkbox() };

export const DIRECTORY_SCHEMAS: Record<DirectoryTable, z.ZodType<Record<string, unknown>>> = {
  industries: z.object(base),
  company_sizes: z.object(base),
  lead_sources: z.object(base),
  lost_reasons: z.object(base),
  products: z.object({ ...base, code: f.optionalText(50), price_cents: f.money('Price', 'Price must be an amount like 1200 or 99.50.') }),
  campaigns: z
    .object({ ...base, channel: f.optionalText(100), starts_on: f.date(), ends_on: f.date(), budget_cents: f.money('Budget', 'Budget must be an amount like 1200 or 99.50.') })
    .refine((v) => !v.starts_on || !v.ends_on || v.ends_on >= v.starts_on, { message: 'The end date is before the start date.', path: ['ends_on'] }),
};

/** Extra columns per directory, for forms, lists and the timeline. */
export const DIRECTORY_EXTRA_FIELDS: Record<DirectoryTable, { name: string; label: string; type: 'text' | 'money' | 'date' }[]> = {
  industries: [],
  company_sizes: [],
  lead_sources: [],
  lost_reasons: [],
  products: [
    { name: 'code', label: 'Code', type: 'text' },
    { name: 'price_cents', label: 'Price', type: 'money' },
  ],
  campaigns: [
    { name: 'channel', label: 'Channel', type: 'text' },
    { name: 'starts_on', label: 'Starts', type: 'date' },
    { name: 'ends_on', label: 'Ends', type: 'date' },
    { name: 'budget_cents', label: 'Budget', type: 'money' },
  ],
};

export const reorderSchema = z.object({
  ids: z.preprocess((v) => (Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : []), z.array(z.coerce.number().int().positive()).max(10_000)),
});
