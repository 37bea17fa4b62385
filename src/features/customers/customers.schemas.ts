import { z } from 'zod';
import { f } from '../../lib/forms.js';
import { filters, listSchema } from '../../lib/listing.js';

export const customerFormSchema = z.object({
  name: f.requiredText('Name', 200),
  email: f.optionalEmail(),
  phone: f.optionalText(50),
  company_id: f.optionalId(),
  customer_group_id: f.optionalId(),
  assigned_to: f.optionalId(),
  version: z.coerce.number().int().optional(),
});

export type CustomerInput = z.output<typeof customerFormSchema>;

export const CUSTOMER_SORTS = ['name', 'email', 'company', 'group', 'assigned', 'created_at'] as const;

export const customerListSchema = listSchema(CUSTOMER_SORTS, 'name', {
  customer_group_id: filters.idOrNone,
  company_id: filters.idOrNone,
  assigned_to: filters.idOrNone,
});

export type CustomerFilters = z.output<typeof customerListSchema>;
