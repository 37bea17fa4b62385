import { z } from 'zod';
import { storageProblem, ValidationError, type FieldErrors } from './errors.js';

/** Form bodies arrive as strings (or arrays for repeated fields); this normalises them. */
export type FormBody = Record<string, unknown>;

/**
 * A form as pages read it: each field a string or a list of strings, as a browser sends them.
 * Numbers and booleans (a JSON body) become text; objects and nulls are dropped, so no handler or
 * template ever meets a value it cannot print.
 */
export function asFormBody(body: unknown): FormBody {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
  const form: FormBody = {};
  for (const [key, value] of Object.entries(body)) {
    const field = formValue(value);
    if (field !== undefined) form[key] = field;
  }
  return form;
}

function formScalar(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function formValue(v: unknown): string | string[] | undefined {
  if (!Array.isArray(v)) return formScalar(v);
  return v.map(formScalar).filter((x): x is string => x !== undefined);
}

export function fieldErrorsFrom(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? '_form');
    if (!errors[key]) errors[key] = issue.message;
  }
  return errors;
}

/** Parses a submitted form with its schema or throws a ValidationError carrying the typed values. */
export function parseForm<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const values = asFormBody(body);
  const result = schema.safeParse(values);
  if (!result.success) throw new ValidationError(fieldErrorsFrom(result.error), values);
  return result.data;
}

/** Query strings: unknown or malformed filters fall back to defaults rather than failing the page. */
export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.output<S> {
  const result = schema.safeParse(query ?? {});
  if (result.success) return result.data;
  const cleaned: FormBody = { ...asFormBody(query) };
  for (const issue of result.error.issues) delete cleaned[String(issue.path[0])];
  const retry = schema.safeParse(cleaned);
  return retry.success ? retry.data : schema.parse({});
}

const trimmed = z.preprocess((v) => (typeof v === 'string' ? v.trim() : v), z.string());

/**
 * The largest amount one record may hold, in minor units (10 billion in the currency): column
 * totals over a whole pipeline, weighted by probability, stay far inside SQLite's 64-bit integers.
 */
export const MAX_MONEY_CENTS = 1_000_000_000_000;

/** A calendar date typed as YYYY-MM-DD that exists (2026-02-30 does not). */
export function isRealDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(s + 'T00:00:00Z');
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
}

/** Field helpers shared by every form schema. */
export const f = {
  requiredText: (label: string, max = 200) =>
    z.preprocess(
      (v) => (typeof v === 'string' ? v.trim() : ''),
      z.string().min(1, `${label} is required.`).max(max, `${label} must be at most ${max} characters.`),
    ),
  optionalText: (max = 5000) =>
    z.preprocess(
      (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null),
      z.string().max(max, `Must be at most ${max} characters.`).nullable(),
    ),
  optionalEmail: () =>
    z.preprocess(
      (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null),
      z.string().email('Enter a valid email address, like name@example.com.').max(254).nullable(),
    ),
  requiredEmail: () =>
    z.preprocess(
      (v) => (typeof v === 'string' ? v.trim() : ''),
      z.string().min(1, 'Email is required.').email('Enter a valid email address, like name@example.com.').max(254),
    ),
  optionalId: () =>
    z.preprocess(
      (v) => (v === '' || v === undefined || v === null ? null : v),
      z.coerce.number({ message: 'Choose an option from the list.' }).int('Choose an option from the list.').positive('Choose an option from the list.').nullable(),
    ),
  /** The one money parser: "12,000", "999.90", "$1 200" → minor units; empty → null. */
  money: (label = 'Amount', message = 'Enter an amount like 12000 or 999.90 (0 or more).') =>
    z.preprocess(
      (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim().replace(/[,\s$€£]/g, '') : null),
      z
        .string()
        .regex(/^\d+(\.\d{1,2})?$/, message)
        .transform((s) => Math.round(Number(s) * 100))
        .pipe(z.number().max(MAX_MONEY_CENTS, `${label} is too large: at most 10,000,000,000.`))
        .nullable(),
    ),
  /** The one date parser: YYYY-MM-DD that exists on the calendar; empty → null. */
  date: (message = 'Enter a date like 2026-06-30.') =>
    z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null), z.string().refine(isRealDate, message).nullable()),
  checkbox: () =>
    z
      .preprocess((v) => (Array.isArray(v) ? v.at(-1) : v), z.any())
      .transform((v) => (v === '1' || v === 'on' || v === 'true' || v === true ? 1 : 0))
      // Typed for the OpenAPI document (0 or 1; a JSON true or false is read as a form's tick).
      .pipe(z.union([z.literal(0), z.literal(1)])),
  trimmed,
};

/**
 * Runs a form submission; a ValidationError re-renders the form (422) with the typed values and
 * a message at each field; a write the database could not take (full disk, read-only, busy)
 * re-renders it (503) with what was typed and a message that says what happened. Passwords are
 * never echoed back.
 */
export async function submitForm<R>(
  action: () => Promise<R>,
  rerender: (values: FormBody, errors: FieldErrors, status: number) => Promise<R>,
  submitted: FormBody = {},
): Promise<R> {
  const echo = (from: Record<string, unknown>) => {
    const values: FormBody = {};
    for (const [k, v] of Object.entries(from)) if (!/password/.test(k) && k !== '_csrf') values[k] = v;
    return values;
  };
  try {
    return await action();
  } catch (err) {
    if (err instanceof ValidationError) return rerender(echo(err.values), err.fieldErrors, 422);
    const storage = storageProblem(err);
    if (storage) return rerender(echo(submitted), { _form: storage }, 503);
    throw err;
  }
}
