import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from '../../lib/errors.js';
import { asFormBody } from '../../lib/forms.js';
import { idParam, redirectAfterPost, wantsFragment } from '../../lib/http.js';
import { scopeOf } from '../../plugins/session.js';
import { timelinePage } from '../timeline/timeline.present.js';
import { RECORD_KINDS, recordKind, recordUrl } from '../../lib/entities.js';
import * as service from './notes.service.js';

const noteBody = z.preprocess((v) => (typeof v === 'string' ? v.replace(/\r\n/g, '\n').trim() : ''), z.string().min(1, 'Write something first.').max(20_000, 'Notes are limited to 20,000 characters.'));

/** Notes on every record with a detail page, and the timeline's "load more". */
const notesRoutes: FastifyPluginAsync = async (app) => {
  for (const parent of RECORD_KINDS) {
    const base = (id: number) => `${parent.path}/${id}`;

    const loadParent = async (request: FastifyRequest) => {
      const scope = scopeOf(request);
      const id = idParam(request);
      if (!(await parent.findRow(app.db, scope, id))) throw new NotFoundError();
      return { scope, id };
    };

    app.post(`${parent.path}/:id/notes`, async (request, reply) => {
      const { scope, id } = await loadParent(request);
      const parsed = noteBody.safeParse(asFormBody(request.body).body);
      const activity = async (status: number, extra: Record<string, unknown> = {}) => {
        const tl = await timelinePage(app.db, parent.type, id, { moreBase: `${base(id)}/timeline`, currency: scope.settings.currency });
        return reply.render('partials/_activity', { ...tl, notesUrl: `${base(id)}/notes`, timelineVisible: scope.settings.timeline_visible, ...extra }, status);
      };
      if (!parsed.success) {
        if (wantsFragment(request, 'activity')) return activity(422, { noteError: parsed.error.issues[0].message, noteValue: asFormBody(request.body).body });
        reply.flash('error', parsed.error.issues[0].message);
        return redirectAfterPost(request, reply, base(id));
      }
      await app.db.transaction().execute((trx) => service.addNote(trx, scope.viewer, parent.type, id, parsed.data));
      if (wantsFragment(request, 'activity')) return activity(200);
      reply.flash('success', 'Note added.');
      return redirectAfterPost(request, reply, base(id));
    });

    app.get(`${parent.path}/:id/timeline`, async (request, reply) => {
      const { scope, id } = await loadParent(request);
      const before = (request.query as Record<string, unknown>)?.before;
      const tl = await timelinePage(app.db, parent.type, id, { before: typeof before === 'string' ? before : null, moreBase: `${base(id)}/timeline`, currency: scope.settings.currency });
      return reply.render('partials/_timeline', { ...tl, fragment: true });
    });
  }

  /** The note's parent must still be visible to the viewer. */
  const loadNoteForViewer = async (request: FastifyRequest) => {
    const scope = scopeOf(request);
    const note = await service.loadNote(app.db, idParam(request));
    const parent = recordKind(note.entity_type);
    if (!parent || !(await parent.findRow(app.db, scope, note.entity_id))) throw new NotFoundError();
    return { scope, note };
  };

  app.post('/notes/:id', async (request, reply) => {
    const { scope, note } = await loadNoteForViewer(request);
    const parsed = noteBody.safeParse(asFormBody(request.body).body);
    if (!parsed.success) {
      reply.flash('error', parsed.error.issues[0].message);
      return redirectAfterPost(request, reply, recordUrl(note.entity_type, note.entity_id));
    }
    await app.db.transaction().execute((trx) => service.editNote(trx, scope.viewer, note, parsed.data));
    reply.flash('success', 'Note saved.');
    return redirectAfterPost(request, reply, recordUrl(note.entity_type, note.entity_id));
  });

  app.post('/notes/:id/delete', async (request, reply) => {
    const { scope, note } = await loadNoteForViewer(request);
    await app.db.transaction().execute((trx) => service.removeNote(trx, scope.viewer, note));
    reply.flash('success', 'Note deleted.');
    return redirectAfterPost(request, reply, recordUrl(note.entity_type, note.entity_id));
  });
};

export default notesRoutes;
