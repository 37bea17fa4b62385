import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { asFormBody, parseForm, submitForm } from '../../lib/forms.js';
import { safeRedirectPath } from '../../lib/http.js';
import { dummyPasswordHash, verifyPassword } from '../../lib/password.js';
import { SESSION_COOKIE, SESSION_IDLE_DAYS, setSessionCookie } from '../../plugins/session.js';
import { createSession, deleteSessionByToken } from './sessions.queries.js';
import { countUsers, findUserByEmail, findUserById } from '../users/users.queries.js';
import { createUser, withPasswordHash } from '../users/users.service.js';
import { loginSchema, setupSchema } from '../users/users.schemas.js';
import { recordSecurityEvent } from '../security/security.queries.js';
import { serverKey } from '../settings/settings.queries.js';
import { DEVICE_COOKIE, DEVICE_COOKIE_DAYS, deviceToken, deviceUser } from './devices.js';
import { checkTotp, hashRecoveryCode, PENDING_COOKIE, PENDING_MINUTES, pendingToken, pendingUser } from '../two-factor/two-factor.rules.js';
import { useRecoveryCode, useTimeStep } from '../two-factor/two-factor.queries.js';
import { LoginLimiter } from './login-limiter.js';

const BAD_LOGIN = 'That email and password do not match an active account.';


async function signIn(request: FastifyRequest, reply: FastifyReply, user: { id: number; email: string }): Promise<void> {
  // A fresh session id at every sign-in; any session the browser carried is ended.
  const old = request.cookies[SESSION_COOKIE];
  const token = await request.server.db.transaction().execute(async (trx) => {
    if (old) await deleteSessionByToken(trx, old);
    const created = await createSession(trx, user.id, { ip: request.ip, userAgent: request.headers['user-agent'] ?? null }, SESSION_IDLE_DAYS);
    await recordSecurityEvent(trx, { kind: 'sign_in', userId: user.id, email: user.email, ip: request.ip });
    return created;
  });
  setSessionCookie(reply, token);
}

const authRoutes: FastifyPluginAsync<{ limiter?: LoginLimiter }> = async (app, opts) => {
  const limiter = opts.limiter ?? new LoginLimiter();
  const deviceKey = await serverKey(app.db, 'device_hmac_key');
  const pub = { config: { access: 'public' as const } };

  app.get('/login', pub, async (request, reply) => {
    if (request.viewer) return reply.redirect('/', 303);
    const next = safeRedirectPath((request.query as Record<string, unknown>)?.next);
    return reply.render('auth/login', { title: 'Sign in', values: { next }, errors: {} });
  });

  app.post('/login', pub, async (request, reply) => {
    const input = loginSchema.parse({ email: '', password: '', ...asFormBody(request.body) });
    const values = { email: input.email, next: safeRedirectPath(input.next) };
    const user = input.email ? await findUserByEmail(app.db, input.email) : undefined;
    // A browser this account signed in from before is not held back by limits others caused.
    const knownDevice = Boolean(user) && deviceUser(request.cookies[DEVICE_COOKIE], deviceKey) === user?.id;
    const wait = knownDevice ? 0 : limiter.retryAfter(request.ip, input.email);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      await recordSecurityEvent(app.db, { kind: 'locked_out', email: input.email, ip: request.ip, detail: `retry in ${wait} s` });
      const minutes = Math.ceil(wait / 60);
      return reply.render('auth/login', { title: 'Sign in', values, errors: { _form: `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}, or ask an admin to reset your password.` } }, 429);
    }
    const ok = await verifyPassword(input.password, user?.password_hash ?? (await dummyPasswordHash()));
    if (!user || !ok || !user.is_active) {
      limiter.fail(request.ip, input.email);
      // Slow down rather than lock: each failure on the account makes the next answer wait longer.
      await new Promise((resolve) => setTimeout(resolve, limiter.slowdown(input.email)));
      await recordSecurityEvent(app.db, { kind: 'sign_in_failed', userId: user?.id ?? null, email: input.email, ip: request.ip, detail: user && !user.is_active ? 'deactivated account' : null });
      return reply.render('auth/login', { title: 'Sign in', values, errors: { _form: BAD_LOGIN } }, 401);
    }
    if (user.totp_enabled_at) {
      // The password was right; the session waits for the second factor.
      reply.setCookie(PENDING_COOKIE, pendingToken(user.id, deviceKey), { path: '/login', httpOnly: true, sameSite: 'lax', secure: app.config.secureCookies, maxAge: PENDING_MINUTES * 60 });
      return reply.redirect(values.next === '/' ? '/login/two-factor' : `/login/two-factor?next=${encodeURIComponent(values.next)}`, 303);
    }
    limiter.succeed(input.email);
    await completeSignIn(request, reply, user);
    return reply.redirect(values.next, 303);
  });

  const completeSignIn = async (request: FastifyRequest, reply: FastifyReply, user: { id: number; email: string }) => {
    await signIn(request, reply, user);
    reply.setCookie(DEVICE_COOKIE, deviceToken(user.id, deviceKey), { path: '/', httpOnly: true, sameSite: 'lax', secure: app.config.secureCookies, maxAge: DEVICE_COOKIE_DAYS * 86400 });
  };

  const renderChallenge = (reply: FastifyReply, next: string, error: string | null, status = 200) =>
    reply.render('auth/two-factor', { title: 'Two-factor sign-in', values: { next }, errors: error ? { code: error } : {} }, status);

  app.get('/login/two-factor', pub, async (request, reply) => {
    if (!pendingUser(request.cookies[PENDING_COOKIE], deviceKey)) return reply.redirect('/login', 303);
    return renderChallenge(reply, safeRedirectPath((request.query as Record<string, unknown>)?.next), null);
  });

  /** The second step: a code from the authenticator app, or one of the recovery codes. */
  app.post('/login/two-factor', pub, async (request, reply) => {
    const body = asFormBody(request.body);
    const next = safeRedirectPath(body.next);
    const userId = pendingUser(request.cookies[PENDING_COOKIE], deviceKey);
    const user = userId ? await findUserById(app.db, userId) : undefined;
    if (!user || !user.is_active || !user.totp_secret || !user.totp_enabled_at) {
      reply.flash('error', 'Your sign-in took too long. Enter your email and password again.');
      return reply.redirect('/login', 303);
    }
    const key = `two-factor:${user.id}`;
    const wait = limiter.retryAfter(request.ip, key);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      await recordSecurityEvent(app.db, { kind: 'locked_out', userId: user.id, email: user.email, ip: request.ip, detail: 'two-factor codes' });
      return renderChallenge(reply, next, `Too many wrong codes. Try again in ${Math.ceil(wait / 60)} minutes.`, 429);
    }
    const code = typeof body.code === 'string' ? body.code.slice(0, 40) : '';
    const secret = user.totp_secret;
    const step = checkTotp(secret, code, user.totp_last_step);
    const accepted = await app.db.transaction().execute(async (trx) => {
      if (step !== null) return useTimeStep(trx, user.id, step);
      const used = await useRecoveryCode(trx, user.id, hashRecoveryCode(code));
      if (used) await recordSecurityEvent(trx, { kind: 'recovery_code_used', userId: user.id, email: user.email, ip: request.ip });
      return used;
    });
    if (!accepted) {
      limiter.fail(request.ip, key);
      await recordSecurityEvent(app.db, { kind: 'two_factor_failed', userId: user.id, email: user.email, ip: request.ip });
      return renderChallenge(reply, next, 'That code is not right, or was already used. Enter the 6-digit code your app shows now.', 401);
    }
    limiter.succeed(key);
    limiter.succeed(user.email);
    reply.clearCookie(PENDING_COOKIE, { path: '/login' });
    await completeSignIn(request, reply, user);
    return reply.redirect(next, 303);
  });

  app.post('/logout', pub, async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token) {
      await app.db.transaction().execute(async (trx) => {
        await deleteSessionByToken(trx, token);
        if (request.viewer) await recordSecurityEvent(trx, { kind: 'sign_out', userId: request.viewer.id, email: request.viewer.email, ip: request.ip });
      });
    }
    // This session's open tabs lose their live bell now (other processes notice at the heartbeat).
    if (request.viewer) app.events.closeSession(request.viewer.sessionId);
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
        const id = await app.db.transaction().execute(async (trx) => {
          const created = await createUser(trx, null, admin, body);
          await recordSecurityEvent(trx, { kind: 'user_created', userId: created, email: admin.email, ip: request.ip, detail: 'first admin, from the setup link' });
          return created;
        });
        app.setupToken = null;
        await signIn(request, reply, { id, email: admin.email });
        reply.flash('success', `Welcome to Orchard, ${input.name}.`);
        return reply.redirect('/', 303);
      },
      (values, errors, status) => reply.render('auth/setup', { title: 'Create the first admin', values, errors }, status),
      body,
    );
  });
};

export default authRoutes;
