import { z } from 'zod';

/** The API lists' own parameters, beside each collection's filters: page size, cursor, changed since. */
export const API_PAGE_DEFAULT = 50;
export const API_PAGE_MAX = 200;

/** The API's own list parameters, beside each collection's filters. */
export const pagingSchema = z.object({
  limit: z.coerce
    .number({ message: `A number from 1 to ${API_PAGE_MAX}.` })
    .int(`A number from 1 to ${API_PAGE_MAX}.`)
    .min(1, `A number from 1 to ${API_PAGE_MAX}.`)
    .max(API_PAGE_MAX, `A number from 1 to ${API_PAGE_MAX}.`)
    .default(API_PAGE_DEFAULT)
    .meta({ description: 'Records per page.' }),
  cursor: z
    .string()
    .meta({ description: 'next_cursor of the previous page.' })
    .optional()
    .transform((v, ctx): ApiCursor | null => {
      if (!v) return null;
      const text = Buffer.from(v, 'base64url').toString('utf8');
      const m = /^id:(\d{1,15})$/.exec(text) ?? /^u:([^|]{1,40})\|(\d{1,15})$/.exec(text);
      const id = m ? Number(m[2] ?? m[1]) : NaN;
      if (!m || !Number.isSafeInteger(id)) {
        ctx.addIssue({ code: 'custom', message: 'Use next_cursor from the previous page as it was given.' });
        return z.NEVER;
      }
      return { id, updatedAt: m[2] === undefined ? null : m[1] };
    }),
  updated_since: z
    .string()
    .meta({ description: 'Only records changed at or after this date or time (ISO 8601), in order of change (updated_at, then id): a record changed while you page comes again at the end.' })
    .optional()
    .transform((v, ctx) => {
      if (!v) return null;
      const t = Date.parse(v);
      if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(t)) {
        ctx.addIssue({ code: 'custom', message: 'A date or time like 2026-11-01 or 2026-11-01T09:30:00Z.' });
        return z.NEVER;
      }
      return new Date(t).toISOString();
    }),
}).superRefine((p, ctx) => {
  // A page of "changed since" runs in order of change: its cursor says where in that order it is.
  if (p.cursor && (p.cursor.updatedAt !== null) !== (p.updated_since !== null)) {
    ctx.addIssue({ code: 'custom', path: ['cursor'], message: 'Send the same updated_since as for the page this cursor came from.' });
  }
});

/**
 * Where a page ended. Lists are in id order; with updated_since in order of change (updated_at,
 * then id), so a record changed while a client pages through comes again at the end rather than
 * being missed, and each page reads its rows off the updated_at index.
 */
export interface ApiCursor {
  id: number;
  updatedAt: string | null;
}

export const cursorAfter = (id: number, updatedAt: string | null = null) => Buffer.from(updatedAt === null ? `id:${id}` : `u:${updatedAt}|${id}`).toString('base64url');

