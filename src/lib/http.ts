import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from './errors.js';

/** A request to the JSON API (/api/…): token auth, problem+json errors, the API's security headers. */
export const isApiRequest = (request: FastifyRequest): boolean => request.url.startsWith('/api/');

const idParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

/** The :id of a route, or 404 for anything that is not a positive integer. */
export function idParam(request: FastifyRequest): number {
  const parsed = idParams.safeParse(request.params);
  if (!parsed.success) throw new NotFoundError();
  return parsed.data.id;
}

const OWN_ORIGIN = 'http://orchard.invalid';

/**
 * A path to send the browser to after sign-in: only one that resolves, against our own origin,
 * to our own origin. Tabs, newlines and backslashes (which browsers strip or read as "/") and
 * anything that does not parse fall back to the dashboard. The result is URL-encoded, so it is
 * always a valid Location header.
 */
export function safeRedirectPath(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || /[\u0000-\u001f\u007f\\]/.test(next)) return '/';
  try {
    const url = new URL(next, OWN_ORIGIN);
    return url.origin === OWN_ORIGIN ? url.pathname + url.search + url.hash : '/';
  } catch {
    return '/';
  }
}

/** True when htmx asked for the region with this id (ARCHITECTURE: never on HX-Request alone). */
export function wantsFragment(request: FastifyRequest, regionId: string): boolean {
  return request.headers['hx-target'] === regionId && request.headers['hx-history-restore-request'] !== 'true';
}

/** After a successful POST: 303 for plain forms, HX-Location for htmx so it navigates boosted. */
export function redirectAfterPost(request: FastifyRequest, reply: FastifyReply, to: string): FastifyReply {
  if (request.headers['hx-request'] === 'true' && request.headers['hx-boosted'] !== 'true') {
    return reply.header('HX-Location', JSON.stringify({ path: to, target: 'body' })).code(204).send();
  }
  return reply.redirect(to, 303);
}
