export type FieldErrors = Record<string, string>;

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
