import { z } from 'zod';
import { f } from '../../lib/forms.js';
import { filters, listSchema } from '../../lib/listing.js';
import { normalizeWebsite } from './companies.rules.js';

export const companyFormSchema = z.object({
  name: f.requiredText('Name', 200),
  website: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null),
    z
      .string()
      .max(500)
      .nullable()
      .transform((v, ctx) => {
        if (v === null) return null;
        const url = normalizeWebsite(v);
        if (!url) ctx.addIssue({ code: 'custom', message: 'Enter a website like example.com.' });
        return url;
      })
      .pipe(z.string().nullable()),
  ),
  phone: f.optionalText(50),
  email: f.optionalEmail(),
  street: f.optionalText(200),
  city: f.optionalText(100),
  state: f.optionalText(100),
  postal_code: f.optionalText(20),
  country: f.optionalText(100),
  industry_id: f.optionalId(),
  size_id: f.optionalId(),
  description: f.optionalText(10_000),
  assigned_to: f.optionalId(),
  is_active: f.checkbox(),
  version: z.coerce.number().int().optional(),
});

export type CompanyInput = z.output<typeof companyFormSchema>;

export const COMPANY_SORTS = ['name', 'email', 'phone', 'website', 'industry', 'assigned', 'created_at'] as const;

export const companyListSchema = listSchema(COMPANY_SORTS, 'name', {
  status: z.preprocess((v) => (v === 'active' || v === 'inactive' ? v : undefined), z.enum(['active', 'inactive']).optional()),
  industry_id: filters.idOrNone,
  assigned_to: filters.idOrNone,
});

export type CompanyFilters = z.output<typeof companyListSchema>;
