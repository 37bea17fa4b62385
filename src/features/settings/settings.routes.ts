import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { scopeOf } from '../../plugins/session.js';
import { asFormBody, fieldErrorsFrom } from '../../lib/forms.js';
import { runWorker } from '../../lib/workers.js';
import { multipartForms, uploadedFile } from '../../lib/uploads.js';
import { DATE_FORMATS, formatDate } from '../../lib/format.js';
import { timelinePage } from '../timeline/timeline.present.js';
import { recordSecurityEvent } from '../security/security.queries.js';
import { getSettings, type CrmSettings } from './settings.queries.js';
import { settingsFormSchema, settingsJsonSchema, SETTING_KEYS, TIME_ZONES } from './settings.schemas.js';
import { resetSettings, saveSettings, SETTINGS_AUDIT } from './settings.service.js';

const admin = { config: { access: ['admin'] as ['admin'] } };
/** A settings file is a few hundred bytes; this is generous and keeps junk out. */
const MAX_JSON_BYTES = 64 * 1024;

/** The settings index, CRM settings (SPEC §11) and the backup download (SPEC §13). */
const settingsRoutes: FastifyPluginAsync = async (app) => {
  app.get('/settings', { config: { access: ['admin', 'manager'] } }, async (_request, reply) => {
    return reply.render('settings/index', { title: 'Settings' });
  });

  const renderCrm = async (request: FastifyRequest, reply: FastifyReply, opts: { values?: Record<string, unknown>; errors?: Record<string, string>; importErrors?: string[] } = {}, status = 200) => {
    const scope = scopeOf(request);
    const settings = await getSettings(app.db);
    const { timeline } = await timelinePage(app.db, SETTINGS_AUDIT.entityType, SETTINGS_AUDIT.entityId, { moreBase: '/settings/crm', limit: 10, currency: settings.currency, timeZone: scope.viewer.timeZone });
    return reply.render(
      'settings/crm',
      {
        title: 'CRM settings',
        values: opts.values ?? settings,
        errors: opts.errors ?? {},
        importErrors: opts.importErrors ?? [],
        dateFormats: DATE_FORMATS.map((f) => ({ value: f, label: `${formatDate('2026-03-14T12:00:00Z', 'UTC', f)}  (${f})` })),
        timeZones: TIME_ZONES,
        timeline,
      },
      status,
    );
  };

  app.get('/settings/crm', admin, async (request, reply) => renderCrm(request, reply));

  app.post('/settings/crm', admin, async (request, reply) => {
    const values = asFormBody(request.body);
    const parsed = settingsFormSchema.safeParse(values);
    if (!parsed.success) return renderCrm(request, reply, { values, errors: fieldErrorsFrom(parsed.error) }, 422);
    const changed = await app.db.transaction().execute((trx) => saveSettings(trx, scopeOf(request), parsed.data));
    reply.flash('success', changed.length ? `Settings saved (${changed.length} changed).` : 'Nothing changed.');
    return reply.redirect('/settings/crm', 303);
  });

  app.get('/settings/crm/export.json', admin, async (_request, reply) => {
    const settings = await getSettings(app.db);
    const body = Object.fromEntries(SETTING_KEYS.map((k) => [k, settings[k]]));
    return reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('content-disposition', 'attachment; filename="orchard-settings.json"')
      .header('cache-control', 'no-store')
      .send(`${JSON.stringify(body, null, 2)}\n`);
  });

  app.post('/settings/crm/reset', admin, async (request, reply) => {
    const changed = await app.db.transaction().execute((trx) => resetSettings(trx, scopeOf(request)));
    reply.flash('success', changed.length ? `Settings reset to their defaults (${changed.length} changed).` : 'The settings already were the defaults.');
    return reply.redirect('/settings/crm', 303);
  });

  await app.register(async (upload) => {
    await multipartForms(upload, { fileSize: MAX_JSON_BYTES, fields: 5, notMultipart: (request, reply) => renderCrm(request, reply, { importErrors: ['Choose a JSON file to import.'] }, 422) });
    /** A JSON file of settings: all of it applies, or — with the reasons — none of it. */
    upload.post('/settings/crm/import', admin, async (request, reply) => {
      const file = uploadedFile(request.body);
      if (!file) return renderCrm(request, reply, { importErrors: ['Choose a JSON file to import.'] }, 422);
      const buf = await file.toBuffer();
      if (file.file?.truncated) return renderCrm(request, reply, { importErrors: [`The file is larger than ${MAX_JSON_BYTES / 1024} KB; a settings file is a few hundred bytes.`] }, 413);
      let json: unknown;
      try {
        json = JSON.parse(buf.toString('utf8').replace(/^\uFEFF/, ''));
      } catch {
        return renderCrm(request, reply, { importErrors: ['This is not a JSON file. Export the settings here first to see the format.'] }, 422);
      }
      if (!json || typeof json !== 'object' || Array.isArray(json)) return renderCrm(request, reply, { importErrors: ['The file should hold one JSON object of settings, like {"currency": "EUR"}.'] }, 422);
      const parsed = settingsJsonSchema.safeParse(json);
      if (!parsed.success) {
        const reasons = parsed.error.issues.map((i) => {
          if (i.code === 'unrecognized_keys') return `Unknown ${i.keys.length === 1 ? 'key' : 'keys'}: ${i.keys.join(', ')}. Known keys: ${SETTING_KEYS.join(', ')}.`;
          return `${String(i.path[0] ?? 'file')}: ${i.message}`;
        });
        return renderCrm(request, reply, { importErrors: reasons }, 422);
      }
      const changed = await app.db.transaction().execute((trx) => saveSettings(trx, scopeOf(request), parsed.data as Partial<CrmSettings>, 'imported'));
      reply.flash('success', changed.length ? `Settings imported from ${file.filename} (${changed.length} changed).` : `Nothing in ${file.filename} differs from the current settings.`);
      return reply.redirect('/settings/crm', 303);
    });
  });

  /**
   * A consistent copy of the live file (VACUUM INTO in a worker thread, integrity-checked), streamed
   * as a download and removed after; the security log notes who took it.
   */
  app.post('/settings/backup', admin, async (request, reply) => {
    const scope = scopeOf(request);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-backup-'));
    const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
    const target = path.join(dir, `orchard-${stamp}.db`);
    const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
    try {
      await runWorker(import.meta.url, '../../db/backup.worker', { source: app.config.dbPath, target });
    } catch (e) {
      cleanup();
      request.log.error({ err: e }, 'backup failed');
      reply.flash('error', 'The backup could not be made. Check the server log, or run `orchard backup <file>` on the server.');
      return reply.redirect('/settings/crm', 303);
    }
    const size = fs.statSync(target).size;
    await recordSecurityEvent(app.db, { kind: 'backup', userId: scope.viewer.id, actorId: scope.viewer.id, email: scope.viewer.email, ip: request.ip, detail: `download, ${size} bytes` });
    const stream = fs.createReadStream(target);
    stream.on('close', cleanup);
    return reply
      .header('content-type', 'application/vnd.sqlite3')
      .header('content-length', String(size))
      .header('content-disposition', `attachment; filename="${path.basename(target)}"`)
      .header('cache-control', 'no-store')
      .send(stream);
  });
};

export default settingsRoutes;
