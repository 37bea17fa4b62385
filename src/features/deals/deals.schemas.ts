import { z } from 'zod';
import { f } from '../../lib/forms.js';
import { filters, listSchema } from '../../lib/listing.js';

const percent = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null),
  z.string().regex(/^\d+$/, 'Probability must be a whole number from 0 to 100.').transform(Number).pipe(z.number().max(100, 'Probability must be from 0 to 100.')).nullable(),
);

const idList = z.preprocess(
  (v) => (v === undefined || v === '' ? [] : (Array.isArray(v) ? v : [v]).filter((x) => x !== '')),
  z.array(z.coerce.number({ message: 'Choose contacts from the list.' }).int().positive()).max(200, 'At most 200 contacts per deal.'),
);

export const dealFormSchema = z.object({
  title: f.requiredText('Title', 200),
  description: f.optionalText(10_000),
  value: f.money('Value'),
  expected_close_date: f.date(),
  probability: percent,
  pipeline_id: z.preprocess((v) => (v === '' || v === undefined ? undefined : v), z.coerce.number({ message: 'Choose a pipeline.' }).int().positive('Choose a pipeline.')),
  stage_id: f.optionalId(),
  company_id: f.optionalId(),
  customer_id: f.optionalId(),
  contact_ids: idList,
  assigned_to: f.optionalId(),
  lost_reason_id: f.optionalId(),
  lost_reason: f.optionalText(500),
  version: z.coerce.number().int().optional(),
});

export type DealInput = z.output<typeof dealFormSchema>;

export const moveSchema = z.object({
  stage_id: z.coerce.number({ message: 'Choose a stage.' }).int().positive('Choose a stage.'),
  lost_reason_id: f.optionalId(),
  lost_reason: f.optionalText(500),
});

export type MoveInput = z.output<typeof moveSchema>;

export const DEAL_SORTS = ['created_at', 'title', 'value', 'expected_close_date', 'stage', 'company', 'customer', 'assigned'] as const;

export const dealListSchema = listSchema(DEAL_SORTS, 'created_at', {
  pipeline_id: filters.id,
  stage_id: filters.id,
  assigned_to: filters.idOrNone,
  company_id: filters.id,
  customer_id: filters.id,
  contact_id: filters.id,
  status: z.preprocess((v) => (v === 'open' || v === 'won' || v === 'lost' ? v : undefined), z.enum(['open', 'won', 'lost']).optional()),
  close_from: f.date().optional().catch(null),
  close_to: f.date().optional().catch(null),
}, 'desc');

export type DealFilters = z.output<typeof dealListSchema>;
