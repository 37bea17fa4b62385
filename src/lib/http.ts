import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from './errors.js';

const idParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

/** The :id of a route, or 404 for anything that is not a positive integer. */
export function idParam(request: FastifyRequest): number {
  const parsed = idParams.safeParse(request.params);
  if (!parsed.success) throw new NotFoundError();
  return parsed.data.id;
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
