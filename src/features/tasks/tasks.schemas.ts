import { z } from 'zod';
import { f } from '../../lib/forms.js';

export const TASK_TYPES = ['todo', 'call', 'meeting', 'email'] as const;
export const TASK_PRIORITIES = ['low', 'normal', 'high'] as const;
export const TASK_TYPE_LABELS: Record<(typeof TASK_TYPES)[number], string> = { todo: 'To-do', call: 'Call', meeting: 'Meeting', email: 'Email' };

const time = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null),
  z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Enter a time like 14:30.').nullable(),
);

/** A task as the inline form sends it: due date and time are the viewer's wall clock. */
export const taskFormSchema = z
  .object({
    title: f.requiredText('Title', 200),
    type: z.preprocess((v) => (v === '' || v === undefined ? 'todo' : v), z.enum(TASK_TYPES, { message: 'Choose a type from the list.' })),
    priority: z.preprocess((v) => (v === '' || v === undefined ? 'normal' : v), z.enum(TASK_PRIORITIES, { message: 'Choose a priority from the list.' })),
    description: f.optionalText(5000),
    due_date: f.date(),
    due_time: time,
    assigned_to: f.optionalId(),
  })
  .superRefine((v, ctx) => {
    if (v.due_time && !v.due_date) ctx.addIssue({ code: 'custom', path: ['due_date'], message: 'Pick a day for the time.' });
  });

export type TaskInput = z.output<typeof taskFormSchema>;
