import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { scopeOf } from '../../plugins/session.js';
import { NotFoundError } from '../../lib/errors.js';
import { asFormBody, parseForm } from '../../lib/forms.js';
import { sendTableCsv } from '../../lib/csv.js';
import { multipartForms, uploadedFile } from '../../lib/uploads.js';
import { nowIso } from '../../lib/time.js';
import { ENCODINGS, NotCsvError, streamCsv, type Encoding } from './import.csv.js';
import { DEFAULT_OPTIONS, IMPORTERS, type ImportOptions, type Mapped } from './import.importers.js';
import { autoMap, mapRow } from './import.mapping.js';
import { looksLikeVcard, readVcards, VCARD_HEADERS } from './import.vcard.js';
import { ImportRunner, markInterrupted, revertImport } from './import.job.js';

const PREVIEW_ROWS = 20;

declare module 'fastify' {
  interface FastifyInstance {
    imports: ImportRunner;
  }
}

const optionsSchema = z.object({
  duplicates: z.enum(['skip', 'update', 'create']).default('skip'),
  unknownValues: z.enum(['create', 'empty']).default('create'),
});

/** CSV import (SPEC §9): upload → map columns → preview → import in batches with progress → summary. */
const importRoutes: FastifyPluginAsync = async (app) => {
  app.decorate('imports', new ImportRunner(app));
  app.addHook('onReady', async () => markInterrupted(app));
  app.addHook('preClose', async () => app.imports.stop());

  await app.register(async (upload) => {
    await multipartForms(upload, { fileSize: app.config.importMaxBytes, fields: 10, notMultipart: (request, reply) => renderUpload(app, request, reply, { file: 'Choose a CSV file to upload.' }, 422), tooLarge: (request, reply) => renderUpload(app, request, reply, { file: tooLarge(app) }, 413) });
    upload.post('/import', async (request, reply) => {
      const scope = scopeOf(request);
      const body = (request.body ?? {}) as { entity?: unknown; encoding?: unknown };
      let importer = IMPORTERS[String(body.entity ?? 'contact')];
      if (!importer) return renderUpload(app, request, reply, { entity: 'Choose what to import.' }, 422);
      const file = uploadedFile(body);
      if (!file) return renderUpload(app, request, reply, { file: 'Choose a CSV file to upload.' }, 422);
      const encoding = ENCODINGS.includes(body.encoding as Encoding) ? (body.encoding as Encoding) : undefined;
      const buf = await file.toBuffer();
      if (file.file?.truncated) return renderUpload(app, request, reply, { file: tooLarge(app) }, 413);
      // A .vcf holds people: its cards become contact rows with the headers the contact importer maps.
      const vcard = looksLikeVcard(file.filename, buf);
      if (vcard) importer = IMPORTERS.contact;
      const read: typeof streamCsv = vcard
        ? async (_buf, enc, onHeader, onRows) => {
            const cards = readVcards(buf, enc);
            await onHeader({ encoding: cards.encoding, delimiter: 'vcard', headers: VCARD_HEADERS });
            for (let i = 0; i < cards.rows.length; i += 1000) await onRows(cards.rows.slice(i, i + 1000));
            return cards.rows.length;
          }
        : streamCsv;
      let id: number;
      try {
        // Parsed a chunk at a time into import_rows, in one transaction: a file that turns out not
        // to be CSV half-way leaves nothing behind.
        id = await app.db.transaction().execute(async (trx) => {
          const now = nowIso();
          let importId = 0;
          let n = 0;
          const total = await read(
            buf,
            encoding,
            async (csv) => {
              const row = await trx
                .insertInto('imports')
                .values({
                  entity_type: importer.kind,
                  file_name: file.filename.slice(0, 200),
                  encoding: csv.encoding,
                  delimiter: csv.delimiter,
                  headers: JSON.stringify(csv.headers),
                  mapping: JSON.stringify(autoMap(csv.headers, importer.fields)),
                  options: JSON.stringify(DEFAULT_OPTIONS),
                  user_id: scope.viewer.id,
                  created_at: now,
                  updated_at: now,
                })
                .returning('id')
                .executeTakeFirstOrThrow();
              importId = row.id;
            },
            async (rows) => {
              const values = rows.map((r) => ({ import_id: importId, n: n++, line: r.line, cells: JSON.stringify(r.cells) }));
              for (let i = 0; i < values.length; i += 200) await trx.insertInto('import_rows').values(values.slice(i, i + 200)).execute();
            },
          );
          await trx.updateTable('imports').set({ total_rows: total }).where('id', '=', importId).execute();
          return importId;
        });
      } catch (e) {
        if (e instanceof NotCsvError) return renderUpload(app, request, reply, { file: e.message }, 422);
        throw e;
      }
      // The import thread boots (~0.3 s of loading) while the user reads the preview, not after "Import".
      app.imports.warm();
      return reply.redirect(`/import/${id}`, 303);
    });
  });

  app.get('/import', async (request, reply) => renderUpload(app, request, reply, {}, 200));

  // A file to start from: the columns an import of that kind reads, with two example rows.
  app.get('/import/template/:entity', async (request, reply) => {
    const kind = String((request.params as { entity: string }).entity).replace(/\.csv$/, '');
    const importer = IMPORTERS[kind];
    if (!importer) throw new NotFoundError();
    return sendTableCsv(reply, `${importer.plural}-template.csv`, importer.template.head, importer.template.rows);
  });

  app.get('/import/:id', async (request, reply) => {
    const imp = await findImport(app, request);
    const view = await importView(app, request, imp);
    return reply.render('import/show', view);
  });

  app.get('/import/:id/progress', async (request, reply) => {
    const imp = await findImport(app, request);
    // Finished while the bar was showing: the whole page becomes the summary.
    if (imp.status !== 'running' && request.headers['hx-request']) return reply.header('HX-Refresh', 'true').send('');
    return reply.render('import/_progress', { imp });
  });

  app.post('/import/:id/mapping', async (request, reply) => {
    const imp = await findImport(app, request);
    if (imp.status !== 'mapping') return reply.redirect(`/import/${imp.id}`, 303);
    const body = asFormBody(request.body);
    const importer = IMPORTERS[imp.entity_type]!;
    const headers = JSON.parse(imp.headers) as string[];
    const keys = new Set(importer.fields.map((f) => f.key));
    const mapping = headers.map((_h, i) => {
      const v = body[`col_${i}`];
      return typeof v === 'string' && keys.has(v) ? v : '';
    });
    const options = parseForm(optionsSchema, body);
    await app.db.updateTable('imports').set({ mapping: JSON.stringify(mapping), options: JSON.stringify(options), updated_at: nowIso() }).where('id', '=', imp.id).execute();
    if (body.start === '1') return start(app, imp.id, reply);
    return reply.redirect(`/import/${imp.id}`, 303);
  });

  app.post('/import/:id/start', async (request, reply) => {
    const imp = await findImport(app, request);
    if (imp.status === 'done') return reply.redirect(`/import/${imp.id}`, 303);
    return start(app, imp.id, reply);
  });

  app.post('/import/:id/revert', async (request, reply) => {
    const imp = await findImport(app, request);
    if (imp.status !== 'done' && imp.status !== 'stopped') return reply.redirect(`/import/${imp.id}`, 303);
    const { changed } = await revertImport(app, imp.id, scopeOf(request));
    if (changed.length) {
      const view = await importView(app, request, imp);
      return reply.render('import/show', { ...view, changed }, 409);
    }
    return reply.redirect(`/import/${imp.id}`, 303);
  });

  app.get('/import/:id/skipped.csv', async (request, reply) => {
    const imp = await findImport(app, request);
    const rows = await app.db
      .selectFrom('import_results as r')
      .innerJoin('import_rows as w', (j) => j.onRef('w.import_id', '=', 'r.import_id').onRef('w.n', '=', 'r.n'))
      .select(['w.line', 'w.cells', 'r.reason'])
      .where('r.import_id', '=', imp.id)
      .where('r.outcome', '=', 'skipped')
      .orderBy('r.n')
      .execute();
    const headers = JSON.parse(imp.headers) as string[];
    return sendTableCsv(reply, `skipped-${imp.file_name.replace(/\.[^.]*$/, '')}.csv`.replace(/[^\w.-]+/g, '-'), [...headers, 'Line', 'Why it was skipped'], rows.map((r) => [...headers.map((_h, i) => (JSON.parse(r.cells) as string[])[i] ?? ''), r.line, r.reason ?? '']));
  });
};

const tooLarge = (app: FastifyInstance) => {
  const mb = app.config.importMaxBytes / 1024 / 1024;
  return `The file is larger than ${mb >= 1 ? Math.round(mb) : mb.toFixed(2)} MB, the most an import takes. Split it into smaller files and import each.`;
};

async function start(app: FastifyInstance, id: number, reply: FastifyReply) {
  await app.db.updateTable('imports').set({ status: 'running', updated_at: nowIso() }).where('id', '=', id).where('status', 'in', ['mapping', 'stopped']).execute();
  app.imports.start(id);
  return reply.redirect(`/import/${id}`, 303);
}

/** An import: its owner's, or any for a manager or admin; others' are 404. */
async function findImport(app: FastifyInstance, request: FastifyRequest) {
  const id = Number((request.params as { id: string }).id);
  if (!Number.isInteger(id) || id <= 0) throw new NotFoundError();
  const scope = scopeOf(request);
  const imp = await app.db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirst();
  if (!imp || (scope.viewer.role === 'rep' && imp.user_id !== scope.viewer.id)) throw new NotFoundError();
  return imp;
}

async function renderUpload(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, errors: Record<string, string>, status: number) {
  const scope = scopeOf(request);
  const recent = await app.db
    .selectFrom('imports')
    .select(['id', 'entity_type', 'file_name', 'status', 'total_rows', 'created', 'updated', 'skipped', 'created_at'])
    .$if(scope.viewer.role === 'rep', (q) => q.where('user_id', '=', scope.viewer.id))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(10)
    .execute();
  return reply.render('import/index', {
    title: 'Import',
    errors,
    importers: Object.values(IMPORTERS).map((i) => ({ value: i.kind, label: i.label, plural: i.plural })),
    encodings: ENCODINGS,
    maxMb: Math.round(app.config.importMaxBytes / 1024 / 1024),
    recent,
  }, status);
}

/** The import's page: mapping and preview, progress, or the summary. */
async function importView(app: FastifyInstance, request: FastifyRequest, imp: Awaited<ReturnType<typeof findImport>>) {
  const scope = scopeOf(request);
  const importer = IMPORTERS[imp.entity_type]!;
  const headers = JSON.parse(imp.headers) as string[];
  const mapping = JSON.parse(imp.mapping) as string[];
  const options: ImportOptions = { ...DEFAULT_OPTIONS, ...(JSON.parse(imp.options) as Partial<ImportOptions>) };
  const base = { title: `Import ${importer.plural}`, imp, importer, headers, mapping, options };
  if (imp.status === 'mapping') {
    // The preview: every row checked against the entity's rules (counts), the first rows shown as they will be stored.
    const rows = await app.db.selectFrom('import_rows').select(['n', 'line', 'cells']).where('import_id', '=', imp.id).orderBy('n').execute();
    const mapped: Mapped[] = rows.map((r) => mapRow(JSON.parse(r.cells) as string[], mapping));
    const lookups = await app.db.transaction().execute((trx) => importer.lookups(trx, scope, mapped));
    const counts = { create: 0, update: 0, skip: 0 };
    const seen = new Set<string>();
    const preview = mapped.map((m, i) => {
      const p = importer.preview(m, lookups, options, scope);
      const key = importer.duplicateKey(m);
      // A second row with the same email in the file is a duplicate of the first.
      const dupInFile = Boolean(key && seen.has(key) && !p.duplicate);
      if (key) seen.add(key);
      const duplicate = p.duplicate || dupInFile;
      const reason = p.reason ?? (duplicate && options.duplicates === 'skip' ? `Already in Orchard (same ${importer.duplicateBy}): skipped.` : null);
      if (reason) counts.skip++;
      else if (duplicate && options.duplicates === 'update') counts.update++;
      else counts.create++;
      return { line: rows[i].line, values: p.values, reason, duplicate };
    });
    return { ...base, preview: preview.slice(0, PREVIEW_ROWS), problems: preview.filter((p) => p.reason).slice(0, PREVIEW_ROWS), counts, unknown: importer.unknown(mapped, lookups) };
  }
  const skippedRows = imp.status === 'done' || imp.status === 'stopped' || imp.status === 'reverted'
    ? await app.db
        .selectFrom('import_results as r')
        .innerJoin('import_rows as w', (j) => j.onRef('w.import_id', '=', 'r.import_id').onRef('w.n', '=', 'r.n'))
        .select(['w.line', 'r.reason'])
        .where('r.import_id', '=', imp.id)
        .where('r.outcome', '=', 'skipped')
        .orderBy('r.n')
        .limit(50)
        .execute()
    : [];
  return { ...base, skippedRows };
}

/** Wrapped so `app.imports` (the runner) is on the app itself: tests and shutdown reach it. */
export default fp(importRoutes, { name: 'import-routes' });
