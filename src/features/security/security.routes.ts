import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { parseQuery } from '../../lib/forms.js';
import type { SecurityEventKind } from '../../db/schema.js';
import { listSecurityEvents, SECURITY_LOG_DAYS } from './security.queries.js';

export const EVENT_LABELS: Record<SecurityEventKind, string> = {
  sign_in: 'Signed in',
  sign_in_failed: 'Sign-in failed',
  locked_out: 'Sign-in blocked (too many attempts)',
  sign_out: 'Signed out',
  password_changed: 'Changed own password',
  password_reset: 'Password reset by an admin',
  role_changed: 'Role changed',
  user_created: 'User created',
  user_deactivated: 'User deactivated',
  user_reactivated: 'User reactivated',
  backup: 'Backup written',
  two_factor_enabled: 'Two-factor sign-in turned on',
  two_factor_disabled: 'Two-factor sign-in turned off',
  two_factor_failed: 'Wrong two-factor code',
  recovery_code_used: 'Signed in with a recovery code',
  two_factor_required: 'Two-factor sign-in required for everyone',
  api_token_created: 'API token created',
  api_token_revoked: 'API token revoked',
};
const KINDS = Object.keys(EVENT_LABELS) as [SecurityEventKind, ...SecurityEventKind[]];

const querySchema = z.object({
  kind: z.enum(KINDS).optional().catch(undefined),
  before: z.string().regex(/^[^|]{10,40}\|\d+$/).optional().catch(undefined),
});

const PAGE = 50;

/** The security log (admins): who signed in, failed, was locked out, changed passwords or roles. */
const securityRoutes: FastifyPluginAsync = async (app) => {
  app.get('/settings/security', { config: { access: ['admin'] } }, async (request, reply) => {
    const { kind, before } = parseQuery(querySchema, request.query);
    const cursor = before ? { at: before.split('|')[0], id: Number(before.split('|')[1]) } : null;
    const rows = await listSecurityEvents(app.db, { before: cursor, limit: PAGE + 1, kind: kind ?? null });
    const events = rows.slice(0, PAGE);
    const last = events.at(-1);
    const more = rows.length > PAGE && last ? `/settings/security?${new URLSearchParams({ ...(kind ? { kind } : {}), before: `${last.created_at}|${last.id}` })}` : null;
    return reply.render('security/index', {
      title: 'Security log',
      events,
      more,
      kind: kind ?? '',
      kinds: KINDS.map((k) => ({ value: k, label: EVENT_LABELS[k] })),
      labels: EVENT_LABELS,
      days: SECURITY_LOG_DAYS,
      wide: true,
    });
  });
};

export default securityRoutes;
