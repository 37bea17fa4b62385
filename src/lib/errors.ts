export type FieldErrors = Record<string, string>;

/**
 * What to tell a user when SQLite cannot write (full disk, read-only file, a lock held too long);
 * null for any other error. The write's transaction has rolled back: nothing half-written remains.
 */
export function storageProblem(err: unknown): string | null {
  const code = err && typeof err === 'object' && 'code' in err && typeof err.code === 'string' ? err.code : '';
  if (code.startsWith('SQLITE_FULL')) return 'The disk is full, so this was not saved. What you entered is still here: ask an admin to free some space, then save again.';
  if (code.startsWith('SQLITE_READONLY')) return 'The database cannot be written to right now, so this was not saved. What you entered is still here: ask an admin to check the server, then save again.';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'The database is busy, so this was not saved. What you entered is still here: save again in a moment.';
  return null;
}

export class HttpError extends Error {
  constructor(
    public readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export class NotFoundError extends HttpError {
  constructor(message = 'We could not find that page, or you do not have access to it.') {
    super(404, message);
  }
}

export class ForbiddenError extends HttpError {
  constructor(message = 'You do not have permission to do that.') {
    super(403, message);
  }
}

export class ConflictError extends HttpError {
  constructor(message: string) {
    super(409, message);
  }
}

/** 422: the handler re-renders its form with `fieldErrors` beside the fields and `values` kept. */
export class ValidationError extends HttpError {
  constructor(
    public readonly fieldErrors: FieldErrors,
    public readonly values: Record<string, unknown> = {},
    message = 'Please correct the highlighted fields.',
  ) {
    super(422, message);
  }
}
