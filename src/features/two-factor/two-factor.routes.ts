import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { asFormBody } from '../../lib/forms.js';
import { verifyPassword } from '../../lib/password.js';
import { scopeOf } from '../../plugins/session.js';
import { recordSecurityEvent } from '../security/security.queries.js';
import { setSetting } from '../settings/settings.queries.js';
import { findUserById } from '../users/users.queries.js';
import * as q from './two-factor.queries.js';
import { checkTotp, hashRecoveryCode, newRecoveryCodes, newTotpSecret, otpauthUri } from './two-factor.rules.js';

/** Two-factor sign-in in the profile: set up with a QR code, recovery codes shown once, turn off. */
const twoFactorRoutes: FastifyPluginAsync = async (app) => {
  const renderSetup = async (reply: FastifyReply, user: { id: number; email: string }, secret: string, error: string | null, status = 200) => {
    const uri = otpauthUri(user.email, secret);
    // Our own SVG markup, printed raw: no external service, no data: URL for the CSP to allow.
    // Loaded when first needed: the QR library is a noticeable share of start-up time.
    const { default: QRCode } = await import('qrcode');
    const qr = await QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
    return reply.render('two-factor/setup', { title: 'Two-factor sign-in', qr, secret: secret.replace(/(.{4})/g, '$1 ').trim(), errors: error ? { code: error } : {}, values: {} }, status);
  };

  app.get('/profile/two-factor', async (request, reply) => {
    const { viewer, settings } = scopeOf(request);
    const user = await q.findTwoFactor(app.db, viewer.id);
    if (!user) throw new NotFoundError();
    if (user.totp_enabled_at) {
      return reply.render('two-factor/status', { title: 'Two-factor sign-in', since: user.totp_enabled_at, codesLeft: await q.recoveryCodesLeft(app.db, viewer.id), required: settings.require_two_factor, errors: {}, values: {} });
    }
    const secret = user.totp_secret ?? newTotpSecret();
    if (!user.totp_secret) await app.db.transaction().execute((trx) => q.setPendingSecret(trx, viewer.id, secret));
    return renderSetup(reply, user, secret, null);
  });

  app.post('/profile/two-factor', async (request, reply) => {
    const { viewer } = scopeOf(request);
    const user = await q.findTwoFactor(app.db, viewer.id);
    if (!user || !user.totp_secret) return reply.redirect('/profile/two-factor', 303);
    if (user.totp_enabled_at) throw new ConflictError('Two-factor sign-in is already on. Turn it off first to set up a new app.');
    const code = asFormBody(request.body).code;
    const step = checkTotp(user.totp_secret, typeof code === 'string' ? code : '', null);
    if (step === null) return renderSetup(reply, user, user.totp_secret, 'That code does not match. Enter the 6-digit code your app shows now.', 422);
    const codes = newRecoveryCodes();
    await app.db.transaction().execute(async (trx) => {
      await q.enableTwoFactor(trx, viewer.id, step, codes.map(hashRecoveryCode));
      await recordSecurityEvent(trx, { kind: 'two_factor_enabled', userId: viewer.id, email: viewer.email, ip: request.ip });
    });
    return reply.render('two-factor/codes', { title: 'Save your recovery codes', codes });
  });

  app.post('/profile/two-factor/disable', async (request, reply) => {
    const { viewer, settings } = scopeOf(request);
    if (settings.require_two_factor) throw new ConflictError('An admin requires two-factor sign-in for everyone, so it stays on. Ask an admin if you lost your device.');
    const user = await findUserById(app.db, viewer.id);
    const password = asFormBody(request.body).current_password;
    if (!user || !(await verifyPassword(typeof password === 'string' ? password : '', user.password_hash))) {
      const status = await q.findTwoFactor(app.db, viewer.id);
      return reply.render('two-factor/status', { title: 'Two-factor sign-in', since: status?.totp_enabled_at, codesLeft: await q.recoveryCodesLeft(app.db, viewer.id), required: false, errors: { current_password: 'That is not your current password.' }, values: {} }, 422);
    }
    await app.db.transaction().execute(async (trx) => {
      await q.disableTwoFactor(trx, viewer.id);
      await recordSecurityEvent(trx, { kind: 'two_factor_disabled', userId: viewer.id, email: viewer.email, ip: request.ip });
    });
    reply.flash('success', 'Two-factor sign-in is off.');
    return reply.redirect('/profile', 303);
  });

  // Admins can require a second factor for everyone.
  app.post('/settings/users/two-factor', { config: { access: ['admin'] } }, async (request, reply) => {
    const { viewer } = scopeOf(request);
    const required = asFormBody(request.body).require_two_factor === '1';
    await app.db.transaction().execute(async (trx) => {
      await setSetting(trx, 'require_two_factor', required);
      await recordSecurityEvent(trx, { kind: 'two_factor_required', actorId: viewer.id, email: viewer.email, ip: request.ip, detail: required ? 'on' : 'off' });
    });
    reply.flash('success', required ? 'Everyone now signs in with a second factor; users without one set it up at their next page.' : 'Two-factor sign-in is optional again.');
    return reply.redirect('/settings/users', 303);
  });
};

export default twoFactorRoutes;
