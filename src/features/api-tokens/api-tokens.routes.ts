import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { viewerOf } from '../../plugins/session.js';
import { NotFoundError } from '../../lib/errors.js';
import { asFormBody, fieldErrorsFrom, f } from '../../lib/forms.js';
import { recordSecurityEvent } from '../security/security.queries.js';
import { createApiToken, listApiTokens, revokeApiToken } from './api-tokens.queries.js';

const tokenSchema = z.object({
  name: f.requiredText('Name', 100),
  scope: z.enum(['read', 'write'], { message: 'Choose read-only or read and write.' }),
});

const admin = { config: { access: ['admin'] as ['admin'] } };

/**
 * Personal API tokens (SPEC §12): made in the profile with a name and a scope, the secret shown
 * once (only its hash is kept), last use shown, revocable — the next request with it is refused.
 * Admins see and revoke everyone's on /settings/api-tokens.
 */
const apiTokenRoutes: FastifyPluginAsync = async (app) => {
  const renderMine = async (request: FastifyRequest, reply: FastifyReply, extra: { created?: { name: string; secret: string }; values?: Record<string, unknown>; errors?: Record<string, string> } = {}, status = 200) => {
    const viewer = viewerOf(request);
    return reply.render('api-tokens/mine', { title: 'API tokens', tokens: await listApiTokens(app.db, viewer.id), values: extra.values ?? { scope: 'read' }, errors: extra.errors ?? {}, created: extra.created ?? null }, status);
  };

  app.get('/profile/api-tokens', async (request, reply) => renderMine(request, reply));

  app.post('/profile/api-tokens', async (request, reply) => {
    const viewer = viewerOf(request);
    const values = asFormBody(request.body);
    const parsed = tokenSchema.safeParse(values);
    if (!parsed.success) return renderMine(request, reply, { values, errors: fieldErrorsFrom(parsed.error) }, 422);
    const { secret } = await app.db.transaction().execute(async (trx) => {
      const made = await createApiToken(trx, viewer.id, parsed.data.name, parsed.data.scope);
      await recordSecurityEvent(trx, { kind: 'api_token_created', userId: viewer.id, actorId: viewer.id, email: viewer.email, ip: request.ip, detail: `${parsed.data.name} (${parsed.data.scope})` });
      return made;
    });
    // Shown this once, in the answer to the POST: never stored, never in a URL or a redirect.
    return renderMine(request, reply, { created: { name: parsed.data.name, secret } }, 201);
  });

  const revoke = (anyUser: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
    const viewer = viewerOf(request);
    const id = Number((request.params as { id: string }).id);
    const done = Number.isSafeInteger(id) && (await app.db.transaction().execute(async (trx) => {
      const ok = await revokeApiToken(trx, id, viewer.id, anyUser);
      if (ok) await recordSecurityEvent(trx, { kind: 'api_token_revoked', userId: viewer.id, actorId: viewer.id, email: viewer.email, ip: request.ip, detail: `token #${id}` });
      return ok;
    }));
    if (!done) throw new NotFoundError();
    reply.flash('success', 'Token revoked: requests with it are refused from now on.');
    return reply.redirect(anyUser ? '/settings/api-tokens' : '/profile/api-tokens', 303);
  };
  app.post('/profile/api-tokens/:id/revoke', revoke(false));

  app.get('/settings/api-tokens', admin, async (_request, reply) => reply.render('api-tokens/all', { title: 'API tokens', tokens: await listApiTokens(app.db, null) }));
  app.post('/settings/api-tokens/:id/revoke', admin, revoke(true));
};

export default apiTokenRoutes;
