import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import { asFormBody, parseForm, submitForm, type FormBody } from '../../lib/forms.js';
import type { FieldErrors } from '../../lib/errors.js';
import { NotFoundError } from '../../lib/errors.js';
import { scopeOf, viewerOf } from '../../plugins/session.js';
import { timelinePage } from '../timeline/timeline.present.js';
import * as q from './users.queries.js';
import * as service from './users.service.js';
import { hashPassword } from '../../lib/password.js';
import { recordSecurityEvent } from '../security/security.queries.js';
import { ROLES, ROLE_LABELS, resetPasswordSchema, userCreateSchema, userUpdateSchema } from './users.schemas.js';

const idParams = z.object({ id: z.coerce.number().int().positive() });

const usersRoutes: FastifyPluginAsync = async (app) => {
  const admin = { config: { access: ['admin'] as ['admin'] } };
  const roleOptions = ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] }));

  const userId = (params: unknown) => {
    const parsed = idParams.safeParse(params);
    if (!parsed.success) throw new NotFoundError();
    return parsed.data.id;
  };

  app.get('/settings/users', admin, async (request, reply) => {
    const users = await q.listUsers(app.db);
    return reply.render('users/index', { title: 'Users', users, roleLabels: ROLE_LABELS, requireTwoFactor: scopeOf(request).settings.require_two_factor });
  });

  const renderNew = (reply: FastifyReply, values: FormBody, errors: FieldErrors, status = 200) =>
    reply.render('users/new', { title: 'New user', values, errors, roleOptions }, status);

  app.get('/settings/users/new', admin, async (_request, reply) => renderNew(reply, { role: 'rep' }, {}));

  app.post('/settings/users', admin, async (request, reply) => {
    const body = asFormBody(request.body);
    return submitForm(
      async () => {
        const input = parseForm(userCreateSchema, body);
        const user = await service.withPasswordHash(input);
        await app.db.transaction().execute(async (trx) => {
          const id = await service.createUser(trx, viewerOf(request).id, user, body);
          await recordSecurityEvent(trx, { kind: 'user_created', userId: id, actorId: viewerOf(request).id, email: user.email, ip: request.ip, detail: ROLE_LABELS[user.role] });
        });
        reply.flash('success', `${input.name} can now sign in with ${input.email}.`);
        return reply.redirect('/settings/users', 303);
      },
      (values, errors, status) => renderNew(reply, values, errors, status),
      body,
    );
  });

  const renderEdit = async (reply: FastifyReply, id: number, values: FormBody | null, errors: FieldErrors, status = 200) => {
    const user = await q.findUserById(app.db, id);
    if (!user) throw new NotFoundError();
    const { timeline } = await timelinePage(app.db, 'user', id, { moreBase: '', limit: 30 });
    return reply.render('users/edit', { title: `Edit ${user.name}`, user, values: values ?? user, errors, roleOptions, timeline }, status);
  };

  app.get('/settings/users/:id/edit', admin, async (request, reply) => renderEdit(reply, userId(request.params), null, {}));

  app.post('/settings/users/:id', admin, async (request, reply) => {
    const id = userId(request.params);
    const body = asFormBody(request.body);
    return submitForm(
      async () => {
        const input = parseForm(userUpdateSchema, body);
        await app.db.transaction().execute(async (trx) => {
          const before = await q.findUserById(trx, id);
          await service.updateUserByAdmin(trx, viewerOf(request), id, input, body);
          if (before && before.role !== input.role) {
            await recordSecurityEvent(trx, { kind: 'role_changed', userId: id, actorId: viewerOf(request).id, email: input.email, ip: request.ip, detail: `${ROLE_LABELS[before.role]} → ${ROLE_LABELS[input.role]}` });
          }
        });
        reply.flash('success', `Saved ${input.name}.`);
        return reply.redirect('/settings/users', 303);
      },
      (values, errors, status) => renderEdit(reply, id, values, errors, status),
      body,
    );
  });

  app.post('/settings/users/:id/deactivate', admin, async (request, reply) => {
    const user = await app.db.transaction().execute(async (trx) => {
      const changed = await service.setUserActive(trx, viewerOf(request), userId(request.params), false);
      await recordSecurityEvent(trx, { kind: 'user_deactivated', userId: changed.id, actorId: viewerOf(request).id, email: changed.email, ip: request.ip });
      return changed;
    });
    reply.flash('success', `${user.name} is deactivated and signed out. Their records stay assigned to them.`);
    return reply.redirect('/settings/users', 303);
  });

  app.post('/settings/users/:id/reactivate', admin, async (request, reply) => {
    const user = await app.db.transaction().execute(async (trx) => {
      const changed = await service.setUserActive(trx, viewerOf(request), userId(request.params), true);
      await recordSecurityEvent(trx, { kind: 'user_reactivated', userId: changed.id, actorId: viewerOf(request).id, email: changed.email, ip: request.ip });
      return changed;
    });
    reply.flash('success', `${user.name} can sign in again.`);
    return reply.redirect('/settings/users', 303);
  });

  app.post('/settings/users/:id/reset-password', admin, async (request, reply) => {
    const id = userId(request.params);
    const body = asFormBody(request.body);
    return submitForm(
      async () => {
        const input = parseForm(resetPasswordSchema, body);
        const password_hash = await hashPassword(input.password);
        const user = await app.db.transaction().execute(async (trx) => {
          const changed = await service.resetUserPassword(trx, viewerOf(request), id, password_hash);
          await recordSecurityEvent(trx, { kind: 'password_reset', userId: id, actorId: viewerOf(request).id, email: changed.email, ip: request.ip });
          return changed;
        });
        reply.flash('success', `New password set for ${user.name}. Their other sessions were signed out.`);
        return reply.redirect(`/settings/users/${id}/edit`, 303);
      },
      (_values, errors, status) => renderEdit(reply, id, null, errors, status),
      body,
    );
  });
};

export default usersRoutes;
