import { z } from 'zod';
import { f } from '../../lib/forms.js';
import { filters, listSchema } from '../../lib/listing.js';

export const leadFormSchema = z.object({
  title: f.requiredText('Title', 200),
  description: f.optionalText(10_000),
  contact_name: f.optionalText(200),
  contact_email: f.optionalEmail(),
  contact_phone: f.optionalText(50),
  company_name: f.optionalText(200),
  value: f.money('Value'),
  lead_source_id: f.optionalId(),
  campaign_id: f.optionalId(),
  product_id: f.optionalId(),
  lead_status_id: f.optionalId(),
  assigned_to: f.optionalId(),
  version: z.coerce.number().int().optional(),
});

export type LeadInput = z.output<typeof leadFormSchema>;

/** The board's drag and the card's "Move to…". */
export const leadMoveSchema = z.object({
  lead_status_id: z.coerce.number({ message: 'Choose a status.' }).int().positive('Choose a status.'),
});

export type LeadMoveInput = z.output<typeof leadMoveSchema>;

export const LEAD_SORTS = ['created_at', 'title', 'contact', 'company', 'value', 'status', 'source', 'assigned'] as const;

export const leadListSchema = listSchema(LEAD_SORTS, 'created_at', {
  lead_status_id: filters.id,
  lead_source_id: filters.idOrNone,
  campaign_id: filters.idOrNone,
  product_id: filters.id,
  assigned_to: filters.idOrNone,
  /** open: not in a final status; converted; lost (final, not the target). */
  stage: z.preprocess((v) => (v === 'open' || v === 'converted' || v === 'closed' ? v : undefined), z.enum(['open', 'converted', 'closed']).optional()),
}, 'desc');

export type LeadFilters = z.output<typeof leadListSchema>;

/** The conversion form (SPEC §4): the customer, a company option and an optional deal. */
export const convertSchema = z
  .object({
    customer_name: f.requiredText('Customer name', 200),
    customer_email: f.optionalEmail(),
    customer_phone: f.optionalText(50),
    company_mode: z.preprocess((v) => (v === 'existing' || v === 'new' ? v : 'none'), z.enum(['none', 'existing', 'new'])),
    company_id: f.optionalId(),
    company_new_name: f.optionalText(200),
    create_deal: f.checkbox(),
    deal_title: f.optionalText(200),
    deal_value: f.money('Value'),
    pipeline_id: f.optionalId(),
    stage_id: f.optionalId(),
    expected_close_date: f.date(),
  })
  .superRefine((v, ctx) => {
    if (v.company_mode === 'existing' && !v.company_id) ctx.addIssue({ code: 'custom', path: ['company_id'], message: 'Choose the company to link.' });
    if (v.company_mode === 'new' && !v.company_new_name) ctx.addIssue({ code: 'custom', path: ['company_new_name'], message: 'Name the new company.' });
    if (v.create_deal && !v.deal_title) ctx.addIssue({ code: 'custom', path: ['deal_title'], message: 'Deal title is required.' });
    if (v.create_deal && !v.pipeline_id) ctx.addIssue({ code: 'custom', path: ['pipeline_id'], message: 'Choose a pipeline.' });
  });

export type ConvertInput = z.output<typeof convertSchema>;
