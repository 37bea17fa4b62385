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
    .transform((v, ctx) => {
      if (!v) return null;
      const m = /^id:(\d{1,15})$/.exec(Buffer.from(v, 'base64url').toString('utf8'));
      const after = m ? Number(m[1]) : NaN;
      if (!Number.isSafeInteger(after)) {
        ctx.addIssue({ code: 'custom', message: 'Use next_cursor from the previous page as it was given.' });
        return z.NEVER;
      }
      return after;
    }),
  updated_since: z
    .string()
    .meta({ description: 'Only records changed at or after this date or time (ISO 8601).' })
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
});

export const cursorAfter = (id: number) => Buffer.from(`id:${id}`).toString('base64url');

