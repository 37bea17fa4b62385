import { z } from 'zod';
import { f } from '../../lib/forms.js';
import { filters, listSchema } from '../../lib/listing.js';

export const contactFormSchema = z
  .object({
    first_name: f.optionalText(100),
    last_name: f.optionalText(100),
    position: f.optionalText(150),
    email: f.optionalEmail(),
    phone: f.optionalText(50),
    company_id: f.optionalId(),
    assigned_to: f.optionalId(),
    version: z.coerce.number().int().optional(),
  })
  .refine((v) => v.first_name || v.last_name, { message: 'Enter a first or a last name.', path: ['first_name'] });

export type ContactInput = z.output<typeof contactFormSchema>;

export const CONTACT_SORTS = ['name', 'first_name', 'email', 'company', 'assigned', 'created_at'] as const;

export const contactListSchema = listSchema(CONTACT_SORTS, 'name', {
  company_id: filters.idOrNone,
  assigned_to: filters.idOrNone,
});

export type ContactFilters = z.output<typeof contactListSchema>;
