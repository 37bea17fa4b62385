import fp from 'fastify-plugin';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Webhook } from '../../db/schema.js';
import { ConflictError, NotFoundError, ValidationError, type FieldErrors } from '../../lib/errors.js';
import { asFormBody, f, fieldErrorsFrom, type FormBody } from '../../lib/forms.js';
import { idParam } from '../../lib/http.js';
import { nowIso } from '../../lib/time.js';
import { staleMessage, type Trx } from '../../lib/writes.js';
import { viewerOf } from '../../plugins/session.js';
import { changedFields, record } from '../timeline/timeline.queries.js';
import { WebhookRunner } from './webhooks.runner.js';
import { urlProblem } from './webhooks.net.js';
import { newMsgId, newSecret, WEBHOOK_EVENTS } from './webhooks.outbox.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The webhook delivery worker (features/webhooks). */
    webhooks: WebhookRunner;
  }
}

const EVENT_CHOICES = ['*', ...WEBHOOK_EVENTS] as const;

const webhookSchema = z.object({
  url: f.requiredText('URL', 2000),
  description: f.optionalText(200),
  events: z.preprocess((v) => (v === undefined || v === '' ? [] : [v].flat()), z.array(z.enum(EVENT_CHOICES, { message: 'Choose events from the list.' })).min(1, 'Choose at least one event.')),
  is_active: f.checkbox(),
  version: z.coerce.number().int().optional(),
});
type WebhookInput = z.output<typeof webhookSchema>;

const admin = { config: { access: ['admin'] as ['admin'] } };
const LOG_PAGE = 50;

/** Event groups for the form: one row of checkboxes per kind of record. */
const EVENT_GROUPS = [...new Set(WEBHOOK_EVENTS.map((e) => e.split('.')[0]))].map((object) => ({ object, events: WEBHOOK_EVENTS.filter((e) => e.startsWith(`${object}.`)) }));

const hint = (secret: string) => `whsec_…${secret.slice(-4)}`;

/**
 * Webhooks (SPEC §12), for admins: subscriptions with their events and signing secret (shown
 * once), the delivery log with redeliver, and a test event. Events are queued by the writes
 * themselves (webhooks.outbox) and sent by the dispatcher started here with the app.
 */
const webhookRoutes: FastifyPluginAsync = async (app) => {
  app.decorate('webhooks', new WebhookRunner(app));
  app.addHook('onReady', async () => app.webhooks.start());
  app.addHook('onClose', async () => app.webhooks.stop());

  const checked = (body: FormBody): WebhookInput => {
    const parsed = webhookSchema.safeParse(body);
    const errors: FieldErrors = parsed.success ? {} : fieldErrorsFrom(parsed.error);
    const problem = typeof body.url === 'string' && body.url.trim() ? urlProblem(body.url.trim(), app.config.webhookAllowPrivate) : null;
    if (problem) errors.url = problem;
    if (!parsed.success || Object.keys(errors).length) throw new ValidationError(errors, body);
    return parsed.data;
  };

  const byId = async (id: number): Promise<Webhook> => {
    const w = await app.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
    if (!w) throw new NotFoundError();
    return w;
  };
  const load = (request: FastifyRequest) => byId(idParam(request));

  const renderForm = (reply: FastifyReply, w: Webhook | null, values: FormBody, errors: FieldErrors, status = 200) =>
    reply.render('webhooks/form', { title: w ? 'Edit webhook' : 'New webhook', record: w, values: { ...values, events: [values.events ?? []].flat().map(String) }, errors, groups: EVENT_GROUPS }, status);

  const renderShow = async (reply: FastifyReply, w: Webhook, before: number | null, created: string | null = null, status = 200) => {
    let q = app.db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
      .select(['d.id', 'd.status', 'd.attempts', 'd.response_code', 'd.error', 'd.last_attempt_at', 'd.next_attempt_at', 'd.delivered_at', 'd.created_at', 'e.type', 'e.msg_id'])
      .where('d.webhook_id', '=', w.id);
    if (before) q = q.where('d.id', '<', before);
    const rows = await q.orderBy('d.id', 'desc').limit(LOG_PAGE + 1).execute();
    const counts = await app.db.selectFrom('webhook_deliveries').select(['status', sql<number>`count(*)`.as('n')]).where('webhook_id', '=', w.id).groupBy('status').execute();
    return reply.render(
      'webhooks/show',
      {
        title: 'Webhook',
        record: { ...w, events: JSON.parse(w.events) as string[], secretHint: hint(w.secret) },
        deliveries: rows.slice(0, LOG_PAGE),
        older: rows.length > LOG_PAGE ? rows[LOG_PAGE - 1].id : null,
        counts: Object.fromEntries(counts.map((c) => [c.status, Number(c.n)])),
        created,
      },
      status,
    );
  };

  const audit = (trx: Trx, request: FastifyRequest, id: number, action: string, changes: Record<string, [unknown, unknown]>) =>
    record(trx, { entityType: 'webhook', entityId: id, action, userId: viewerOf(request).id, changes });

  app.get('/settings/webhooks', admin, async (_request, reply) => {
    const hooks = await app.db.selectFrom('webhooks').selectAll().orderBy('id').execute();
    const ids = hooks.map((h) => h.id);
    const stats = ids.length
      ? await app.db
          .selectFrom('webhook_deliveries')
          .select(['webhook_id', sql<number>`sum(status = 'pending')`.as('pending'), sql<number>`sum(status = 'failed')`.as('failed'), sql<string | null>`max(last_attempt_at)`.as('last_at')])
          .where('webhook_id', 'in', ids)
          .groupBy('webhook_id')
          .execute()
      : [];
    const last = ids.length
      ? await app.db.selectFrom('webhook_deliveries').select(['webhook_id', 'status', 'response_code', 'last_attempt_at']).where('id', 'in', sql<number>`(select max(id) from webhook_deliveries where last_attempt_at is not null and webhook_id in (${sql.join(ids)}) group by webhook_id)`).execute()
      : [];
    return reply.render('webhooks/index', {
      title: 'Webhooks',
      hooks: hooks.map((h) => ({ ...h, events: JSON.parse(h.events) as string[], stats: stats.find((s) => s.webhook_id === h.id) ?? null, last: last.find((l) => l.webhook_id === h.id) ?? null })),
    });
  });

  app.get('/settings/webhooks/new', admin, async (_request, reply) => renderForm(reply, null, { is_active: 1, events: ['deal.won'] }, {}));

  app.post('/settings/webhooks', admin, async (request, reply) => {
    const body = asFormBody(request.body);
    let input: WebhookInput;
    try {
      input = checked(body);
    } catch (e) {
      if (e instanceof ValidationError) return renderForm(reply, null, body, e.fieldErrors, 422);
      throw e;
    }
    const secret = newSecret();
    const now = nowIso();
    const id = await app.db.transaction().execute(async (trx) => {
      const made = await trx
        .insertInto('webhooks')
        .values({ url: input.url, description: input.description, events: JSON.stringify(input.events), secret, is_active: input.is_active, created_by: viewerOf(request).id, created_at: now, updated_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      await audit(trx, request, made.id, 'created', { url: [null, input.url], events: [null, input.events.join(', ')] });
      return made.id;
    });
    app.webhooks.wake();
    // The secret is shown in this answer only (as a token is).
    return renderShow(reply, await byId(id), null, secret, 201);
  });

  app.get('/settings/webhooks/:id', admin, async (request, reply) => {
    const before = Number(asFormBody(request.query).before);
    return renderShow(reply, await load(request), Number.isSafeInteger(before) && before > 0 ? before : null);
  });

  app.get('/settings/webhooks/:id/edit', admin, async (request, reply) => {
    const w = await load(request);
    return renderForm(reply, w, { ...w, events: JSON.parse(w.events) as string[] }, {});
  });

  app.post('/settings/webhooks/:id', admin, async (request, reply) => {
    const w = await load(request);
    const body = asFormBody(request.body);
    let input: WebhookInput;
    try {
      input = checked(body);
    } catch (e) {
      if (e instanceof ValidationError) return renderForm(reply, w, body, e.fieldErrors, 422);
      throw e;
    }
    await app.db.transaction().execute(async (trx) => {
      const next = { url: input.url, description: input.description, events: JSON.stringify(input.events), is_active: input.is_active };
      const res = await trx
        .updateTable('webhooks')
        .set({ ...next, updated_at: nowIso(), version: sql<number>`version + 1` })
        .where('id', '=', w.id)
        .where('version', '=', input.version ?? w.version)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new ConflictError(staleMessage('This webhook'));
      const changes = changedFields<Record<string, unknown>>(w, next, ['url', 'description', 'events', 'is_active']);
      if (Object.keys(changes).length) await audit(trx, request, w.id, 'updated', changes);
    });
    app.webhooks.wake();
    reply.flash('success', 'Webhook saved.');
    return reply.redirect(`/settings/webhooks/${w.id}`, 303);
  });

  app.post('/settings/webhooks/:id/delete', admin, async (request, reply) => {
    const w = await load(request);
    await app.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('webhooks').where('id', '=', w.id).execute();
      // Events no delivery points to any more go with it.
      await trx.deleteFrom('webhook_events').where(sql<boolean>`not exists (select 1 from webhook_deliveries d where d.event_id = webhook_events.id)`).execute();
      await audit(trx, request, w.id, 'deleted', { url: [w.url, null] });
    });
    reply.flash('success', 'Webhook deleted: nothing more is sent to it.');
    return reply.redirect('/settings/webhooks', 303);
  });

  /** A "webhook.test" event to this webhook alone: to check a receiver and its signature check. */
  app.post('/settings/webhooks/:id/test', admin, async (request, reply) => {
    const w = await load(request);
    const now = nowIso();
    await app.db.transaction().execute(async (trx) => {
      const payload = JSON.stringify({ type: 'webhook.test', timestamp: now, data: { webhook_id: w.id, message: 'A test event from Orchard.' } });
      const ev = await trx.insertInto('webhook_events').values({ msg_id: newMsgId(), type: 'webhook.test', payload, created_at: now }).returning('id').executeTakeFirstOrThrow();
      await trx.insertInto('webhook_deliveries').values({ webhook_id: w.id, event_id: ev.id, next_attempt_at: now, created_at: now }).execute();
    });
    app.webhooks.wake();
    reply.flash('success', w.is_active ? 'Test event queued: it shows in the log below within a few seconds.' : 'Test event queued: it is sent once the webhook is active again.');
    return reply.redirect(`/settings/webhooks/${w.id}`, 303);
  });

  /** The same event again (same webhook-id, so a receiver that got it already can drop it), as a new line in the log. */
  app.post('/settings/webhooks/:id/deliveries/:delivery/redeliver', admin, async (request, reply) => {
    const w = await load(request);
    const deliveryId = Number((request.params as { delivery: string }).delivery);
    const d = Number.isSafeInteger(deliveryId) ? await app.db.selectFrom('webhook_deliveries').select(['id', 'event_id']).where('id', '=', deliveryId).where('webhook_id', '=', w.id).executeTakeFirst() : undefined;
    if (!d) throw new NotFoundError();
    const now = nowIso();
    await app.db.insertInto('webhook_deliveries').values({ webhook_id: w.id, event_id: d.event_id, next_attempt_at: now, created_at: now }).execute();
    app.webhooks.wake();
    reply.flash('success', 'Queued to be sent again.');
    return reply.redirect(`/settings/webhooks/${w.id}`, 303);
  });
};

export default fp(webhookRoutes, { name: 'webhook-routes' });
