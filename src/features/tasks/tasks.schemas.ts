import { z } from 'zod';
import { f } from '../../lib/forms.js';
import { filters, listSchema } from '../../lib/listing.js';

export const TASK_TYPES = ['todo', 'call', 'meeting', 'email'] as const;
export const TASK_PRIORITIES = ['low', 'normal', 'high'] as const;
export const TASK_TYPE_LABELS: Record<(typeof TASK_TYPES)[number], string> = { todo: 'To-do', call: 'Call', meeting: 'Meeting', email: 'Email' };

const time = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null),
  z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Enter a time like 14:30.').nullable(),
);

/** A task as the forms send it: due date and time are the viewer's wall clock. */
const taskFields = z.object({
    title: f.requiredText('Title', 200),
    type: z.preprocess((v) => (v === '' || v === undefined ? 'todo' : v), z.enum(TASK_TYPES, { message: 'Choose a type from the list.' })),
    priority: z.preprocess((v) => (v === '' || v === undefined ? 'normal' : v), z.enum(TASK_PRIORITIES, { message: 'Choose a priority from the list.' })),
    description: f.optionalText(5000),
    due_date: f.date(),
    due_time: time,
    assigned_to: f.optionalId(),
});

const dueNeedsDay = (v: { due_date: string | null; due_time: string | null }, ctx: z.RefinementCtx) => {
  if (v.due_time && !v.due_date) ctx.addIssue({ code: 'custom', path: ['due_date'], message: 'Pick a day for the time.' });
};

export const taskFormSchema = taskFields.superRefine(dueNeedsDay);

export type TaskInput = z.output<typeof taskFormSchema>;

export const TASK_STATUSES = ['pending', 'in_progress', 'completed', 'cancelled'] as const;
export const TASK_STATUS_LABELS: Record<(typeof TASK_STATUSES)[number], string> = { pending: 'To do', in_progress: 'In progress', completed: 'Done', cancelled: 'Cancelled' };

/** Editing a task (its page or inline on a panel): the same fields, its status, and the version it was read at. */
export const taskEditSchema = taskFields
  .extend({
    status: z.preprocess((v) => (v === '' || v === undefined ? 'pending' : v), z.enum(TASK_STATUSES, { message: 'Choose a status from the list.' })),
    version: z.coerce.number().int().optional(),
  })
  .superRefine(dueNeedsDay);

export type TaskEditInput = z.output<typeof taskEditSchema>;
export const TASK_SORTS = ['due_at', 'title', 'priority', 'created_at', 'assigned'] as const;

export const taskListSchema = listSchema(TASK_SORTS, 'due_at', {
  status: z.preprocess((v) => (TASK_STATUSES.includes(v as never) || v === 'open' ? v : undefined), z.enum([...TASK_STATUSES, 'open']).optional()),
  type: z.preprocess((v) => (TASK_TYPES.includes(v as never) ? v : undefined), z.enum(TASK_TYPES).optional()),
  priority: z.preprocess((v) => (TASK_PRIORITIES.includes(v as never) ? v : undefined), z.enum(TASK_PRIORITIES).optional()),
  assigned_to: filters.idOrNone,
  related: z.preprocess((v) => (['lead', 'deal', 'company', 'contact', 'customer', 'none'].includes(v as string) ? v : undefined), z.enum(['lead', 'deal', 'company', 'contact', 'customer', 'none']).optional()),
  due_from: f.date().optional().catch(null),
  due_to: f.date().optional().catch(null),
});

export type TaskFilters = z.output<typeof taskListSchema>;
