import { z } from 'zod';
import { f } from '../../lib/forms.js';

export const pipelineFormSchema = z.object({
  name: f.requiredText('Name', 100),
  description: f.optionalText(1000),
  is_active: f.checkbox(),
  is_default: f.checkbox(),
});

export type PipelineInput = z.output<typeof pipelineFormSchema>;

const intOrNull = (label: string, min: number, max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null),
    z.string().regex(/^\d+$/, `${label} must be a whole number from ${min} to ${max}.`).transform(Number).pipe(z.number().min(min, `${label} must be from ${min} to ${max}.`).max(max, `${label} must be from ${min} to ${max}.`)).nullable(),
  );

export const stageFormSchema = z.object({
  name: f.requiredText('Name', 60),
  color: z.preprocess((v) => (typeof v === 'string' && v.trim() ? v.trim().toLowerCase() : '#64748b'), z.string().regex(/^#[0-9a-f]{6}$/, 'Pick a colour like #22c55e.')),
  probability: intOrNull('Probability', 0, 100).transform((v) => v ?? 0),
  rotting_days: intOrNull('Rotting days', 1, 3650),
  is_default: f.checkbox(),
  is_won: f.checkbox(),
  is_lost: f.checkbox(),
}).refine((v) => !(v.is_won && v.is_lost), { message: 'A stage cannot be both won and lost.', path: ['is_lost'] });

export type StageInput = z.output<typeof stageFormSchema>;

export const reorderSchema = z.object({
  ids: z.preprocess((v) => (Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : []), z.array(z.coerce.number().int().positive()).max(1000)),
});
