import { z } from 'zod';
import { f } from '../../lib/forms.js';

export const leadStatusFormSchema = z
  .object({
    name: f.requiredText('Name', 60),
    color: z.preprocess((v) => (typeof v === 'string' && v.trim() ? v.trim().toLowerCase() : '#64748b'), z.string().regex(/^#[0-9a-f]{6}$/, 'Pick a colour like #22c55e.')),
    is_default: f.checkbox(),
    is_final: f.checkbox(),
    is_conversion_target: f.checkbox(),
  })
  .refine((v) => !(v.is_default && v.is_final), { message: 'New leads start in the default status, so it cannot be final.', path: ['is_final'] })
  .refine((v) => !v.is_conversion_target || v.is_final, { message: 'The conversion target ends the lead: tick Final too.', path: ['is_conversion_target'] });

export type LeadStatusInput = z.output<typeof leadStatusFormSchema>;
