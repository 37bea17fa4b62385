import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, storageProblem, ValidationError } from '../lib/errors.js';
import { UnauthenticatedError } from './session.js';
import { isApiRequest } from '../lib/http.js';

function isHtmx(request: FastifyRequest): boolean {
  return request.headers['hx-request'] === 'true';
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Cannot do that',
  413: 'Too large',
  422: 'Check your input',
  429: 'Too many attempts',
  500: 'Something went wrong',
  503: 'Not saved',
};

/** API errors as RFC 9457 problem details; field errors (422) under `errors`, by field. */
export function sendProblem(reply: FastifyReply, status: number, detail: string, extra: Record<string, unknown> = {}) {
  return reply
    .code(status)
    .header('content-type', 'application/problem+json; charset=utf-8')
    .send(JSON.stringify({ type: 'about:blank', title: TITLES[status] ?? (status === 401 ? 'Unauthorized' : 'Error'), status, detail, ...extra }));
}

export async function renderError(request: FastifyRequest, reply: FastifyReply, status: number, message: string) {
  if (isApiRequest(request)) return sendProblem(reply, status, message);
  if (isHtmx(request)) {
    // Errors for htmx requests land in the flash area, whatever the request targeted.
    reply.header('HX-Retarget', '#flash').header('HX-Reswap', 'innerHTML');
    return reply.render('partials/_flash', { flash: { type: 'error', message } }, status);
  }
  return reply.render('errors/error', { status, title: TITLES[status] ?? 'Error', message }, status);
}

export default fp(async (app) => {
  app.setNotFoundHandler(async (request, reply) => {
    if (!request.viewer && !isApiRequest(request) && request.method === 'GET') {
      return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
    }
    return renderError(request, reply, 404, 'We could not find that page, or you do not have access to it.');
  });

  app.setErrorHandler(async (error, request, reply) => {
    if (error instanceof UnauthenticatedError) {
      if (isApiRequest(request)) return sendProblem(reply.header('www-authenticate', 'Bearer'), 401, 'Send a personal API token: Authorization: Bearer <token> (create one in your profile).');
      const next = request.method === 'GET' ? `?next=${encodeURIComponent(request.url)}` : '';
      if (isHtmx(request)) return reply.header('HX-Redirect', `/login${next}`).code(204).send();
      return reply.redirect(`/login${next}`, 303);
    }
    if (error instanceof ValidationError) {
      if (isApiRequest(request)) return sendProblem(reply, 422, 'Some fields are not valid.', { errors: error.fieldErrors });
      // Handlers render their own forms; one that did not falls back to a message.
      return renderError(request, reply, 422, Object.values(error.fieldErrors).join(' ') || error.message);
    }
    if (error instanceof HttpError) return renderError(request, reply, error.statusCode, error.message);
    const storage = storageProblem(error);
    if (storage) {
      request.log.error({ err: error }, 'database could not write');
      return renderError(request, reply, 503, storage.replace(/ What you entered[^.]*\./, ' Try again once an admin has checked the server.'));
    }

    const err = error as { statusCode?: number; code?: string; message?: string; validation?: unknown };
    const status = err.statusCode ?? 500;
    if (err.code?.startsWith('FST_CSRF')) {
      return renderError(request, reply, 403, 'This form has expired or was sent from another site. Reload the page and try again.');
    }
    if (status >= 400 && status < 500) {
      const message = status === 413 ? 'That file is too large.' : status === 400 ? 'The request could not be read. Check what you entered and try again.' : (err.message ?? 'Request refused.');
      return renderError(request, reply, status, message);
    }
    request.log.error({ err: error }, 'request failed');
    return renderError(request, reply, 500, 'Something went wrong on our side. It has been logged; please try again.');
  });
});
