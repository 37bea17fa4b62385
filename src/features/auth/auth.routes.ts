import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { asFormBody, parseForm, submitForm } from '../../lib/forms.js';
import { safeRedirectPath } from '../../lib/http.js';
import { dummyPasswordHash, verifyPassword } from '../../lib/password.js';
import { SESSION_COOKIE, SESSION_IDLE_DAYS, setSessionCookie } from '../../plugins/session.js';
import { createSession, deleteSessionByToken } from './sessions.queries.js';
import { countUsers, findUserByEmail } from '../users/users.queries.js';
import { createUser, withPasswordHash } from '../users/users.service.js';
import { loginSchema, setupSchema } from '../users/users.schemas.js';
import { LoginLimiter } from './login-limiter.js';

const BAD_LOGIN = 'That email and password do not match an active account.';


async function signIn(request: FastifyRequest, reply: FastifyReply, userId: number): Promise<void> {
  // A fresh session id at every sign-in; any session the browser carried is ended.
  const old = request.cookies[SESSION_COOKIE];
  if (old) await deleteSessionByToken(request.server.db, old);
  const token = await createSession(
    request.server.db,
    userId,
    { ip: request.ip, userAgent: request.headers['user-agent'] ?? null },
    SESSION_IDLE_DAYS,
  );
  setSessionCookie(reply, token);
}

const authRoutes: FastifyPluginAsync<{ limiter?: LoginLimiter }> = async (app, opts) => {
  const limiter = opts.limiter ?? new LoginLimiter();
  const pub = { config: { access: 'public' as const } };

  app.get('/login', pub, async (request, reply) => {
    if (request.viewer) return reply.redirect('/', 303);
    const next = safeRedirectPath((request.query as Record<string, unknown>)?.next);
    return reply.render('auth/login', { title: 'Sign in', values: { next }, errors: {} });
  });

  app.post('/login', pub, async (request, reply) => {
    const input = loginSchema.parse({ email: '', password: '', ...asFormBody(request.body) });
    const values = { email: input.email, next: safeRedirectPath(input.next) };
    const wait = limiter.retryAfter(request.ip, input.email);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      const minutes = Math.ceil(wait / 60);
      return reply.render('auth/login', { title: 'Sign in', values, errors: { _form: `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}, or ask an admin to reset your password.` } }, 429);
    }
    const user = input.email ? await findUserByEmail(app.db, input.email) : undefined;
    const ok = await verifyPassword(input.password, user?.password_hash ?? (await dummyPasswordHash()));
    if (!user || !ok || !user.is_active) {
      limiter.fail(request.ip, input.email);
      return reply.render('auth/login', { title: 'Sign in', values, errors: { _form: BAD_LOGIN } }, 401);
    }
    limiter.succeed(input.email);
    await signIn(request, reply, user.id);
    return reply.redirect(values.next, 303);
  });

  app.post('/logout', pub, async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token) await deleteSessionByToken(app.db, token);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/login', 303);
  });

  const setupAllowed = async (token: unknown) =>
    Boolean(app.setupToken) && token === app.setupToken && (await countUsers(app.db)) === 0;

  app.get('/setup', pub, async (request, reply) => {
    const token = (request.query as Record<string, unknown>)?.token;
    if (!(await setupAllowed(token))) {
      return reply.render('errors/error', { status: 403, title: 'Setup link not valid', message: 'This setup link is not valid or Orchard already has an admin. Sign in instead.' }, 403);
    }
    return reply.render('auth/setup', { title: 'Create the first admin', values: { token }, errors: {} });
  });

  app.post('/setup', pub, async (request, reply) => {
    const body = asFormBody(request.body);
    if (!(await setupAllowed(body.token))) {
      return reply.render('errors/error', { status: 403, title: 'Setup link not valid', message: 'This setup link is not valid or Orchard already has an admin. Sign in instead.' }, 403);
    }
    return submitForm(
      async () => {
        const input = parseForm(setupSchema, body);
        const admin = await withPasswordHash({ ...input, role: 'admin' as const });
        const id = await app.db.transaction().execute((trx) => createUser(trx, null, admin, body));
        app.setupToken = null;
        await signIn(request, reply, id);
        reply.flash('success', `Welcome to Orchard, ${input.name}.`);
        return reply.redirect('/', 303);
      },
      (values, errors, status) => reply.render('auth/setup', { title: 'Create the first admin', values, errors }, status),
      body,
    );
  });
};

export default authRoutes;
