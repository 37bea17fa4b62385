import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { asFormBody, parseForm, submitForm, type FormBody } from '../../lib/forms.js';
import { ValidationError, type FieldErrors } from '../../lib/errors.js';
import { hashPassword, verifyPassword } from '../../lib/password.js';
import { viewerOf } from '../../plugins/session.js';
import { safeRedirectPath } from '../../lib/http.js';
import * as q from './users.queries.js';
import * as service from './users.service.js';
import { recordSecurityEvent } from '../security/security.queries.js';
import { passwordChangeSchema, profileSchema } from './users.schemas.js';
import { setCalendarFeed } from '../tasks/tasks.calendar.js';

const TIME_ZONES = Intl.supportedValuesOf('timeZone');

const profileRoutes: FastifyPluginAsync = async (app) => {
  const render = async (reply: FastifyReply, userId: number, values: FormBody | null, errors: FieldErrors, status = 200, extra: Record<string, unknown> = {}) => {
    const user = await q.findUserById(app.db, userId);
    return reply.render('users/profile', { title: 'Your profile', user, values: values ?? user, errors, timeZones: TIME_ZONES, calendarOn: Boolean(user?.calendar_token_hash), ...extra }, status);
  };

  app.get('/profile', async (request, reply) => render(reply, viewerOf(request).id, null, {}));

  app.post('/profile', async (request, reply) => {
    const viewer = viewerOf(request);
    return submitForm(
      async () => {
        const input = parseForm(profileSchema, request.body);
        await app.db.transaction().execute((trx) => service.updateProfile(trx, viewer, input));
        reply.flash('success', 'Profile saved.');
        return reply.redirect('/profile', 303);
      },
      (values, errors, status) => render(reply, viewer.id, values, errors, status),
      asFormBody(request.body),
    );
  });

  // Rows per list page, chosen under any list; back to the list's first page.
  app.post('/profile/page-size', async (request, reply) => {
    const viewer = viewerOf(request);
    const body = asFormBody(request.body);
    const size = Number(body.page_size);
    if (!(service.PAGE_SIZES as readonly number[]).includes(size)) throw new ValidationError({ page_size: 'Choose 25, 50 or 100 rows.' }, body);
    await app.db.transaction().execute((trx) => service.setListPageSize(trx, viewer, size));
    const back = new URL(safeRedirectPath(body.return_to), 'http://orchard.invalid');
    back.searchParams.delete('page');
    return reply.redirect(back.pathname + back.search, 303);
  });

  // The private calendar feed: on (a new secret URL, shown this once), a new URL, or off.
  app.post('/profile/calendar', async (request, reply) => {
    const viewer = viewerOf(request);
    const action = asFormBody(request.body).action;
    if (action !== 'on' && action !== 'off') throw new ValidationError({ action: 'Choose to turn the feed on or off.' }, {});
    const secret = await app.db.transaction().execute((trx) => setCalendarFeed(trx, viewer.id, action === 'on'));
    if (!secret) {
      reply.flash('success', 'Calendar feed turned off. Its URL no longer works.');
      return reply.redirect('/profile', 303);
    }
    const base = (app.config.baseUrl ?? `${request.protocol}://${request.host}`).replace(/\/$/, '');
    return render(reply, viewer.id, null, {}, 200, { calendarUrl: `${base}/calendar/${secret}.ics` });
  });

  app.post('/profile/password', async (request, reply) => {
    const viewer = viewerOf(request);
    const body = asFormBody(request.body);
    return submitForm(
      async () => {
        const input = parseForm(passwordChangeSchema, body);
        const user = await q.findUserById(app.db, viewer.id);
        if (!user || !(await verifyPassword(input.current_password, user.password_hash))) {
          throw new ValidationError({ current_password: 'That is not your current password.' }, body);
        }
        const password_hash = await hashPassword(input.password);
        await app.db.transaction().execute(async (trx) => {
          await service.changeOwnPassword(trx, viewer, password_hash);
          await recordSecurityEvent(trx, { kind: 'password_changed', userId: viewer.id, email: viewer.email, ip: request.ip });
        });
        reply.flash('success', 'Password changed. Your other devices were signed out.');
        return reply.redirect('/profile', 303);
      },
      (_values, errors, status) => render(reply, viewer.id, null, errors, status),
      body,
    );
  });
};

export default profileRoutes;
