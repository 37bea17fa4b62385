import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { scopeOf } from '../../plugins/session.js';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { asFormBody, parseQuery } from '../../lib/forms.js';
import { FigureCache } from '../../lib/figure-cache.js';
import type { Scope } from '../../lib/access.js';
import { DUPLICATE_KINDS, duplicateKind, type DuplicateKind } from './duplicates.kinds.js';
import { GROUPS_PER_PAGE, MEMBERS_SHOWN, groupCounts, groupPage, relatedCounts } from './duplicates.queries.js';
import { formName, mergeRecords } from './duplicates.merge.js';
import { presentValues } from './duplicates.present.js';

const listQuery = z.object({
  kind: z.string().optional(),
  by: z.string().optional(),
  page: z.coerce.number().int().min(1).max(10_000).catch(1).default(1),
});

const idList = (v: unknown): number[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) => Number(x)).filter((n) => Number.isSafeInteger(n) && n > 0);

/** Likely duplicates (SPEC §9) and merging two of them. */
const duplicatesRoutes: FastifyPluginAsync = async (app) => {
  // Finding groups walks each key's whole index (tens of ms at Large volume, more for a rep with
  // own visibility): kept until the database next changes, per viewer where visibility differs.
  const cache = new FigureCache<unknown>(app.sqlite);
  const cached = <T>(scope: Scope, key: string, compute: () => Promise<T>) => cache.get(`${scope.ownOnly ? scope.viewer.id : '*'}:${key}`, compute) as Promise<T>;

  app.get('/duplicates', async (request, reply) => {
    const scope = scopeOf(request);
    const query = parseQuery(listQuery, request.query);
    const d = duplicateKind(query.kind) ?? DUPLICATE_KINDS[1];
    const counts = await cached(scope, `counts:${d.slug}`, () => groupCounts(app.db, scope, d));
    // The signal asked for, else the first with groups, else the first.
    const signal = d.signals.find((s) => s.by === query.by) ?? d.signals.find((s) => (counts.get(s.by) ?? 0) > 0) ?? d.signals[0];
    const total = counts.get(signal.by) ?? 0;
    const pages = Math.max(1, Math.ceil(total / GROUPS_PER_PAGE));
    const page = Math.min(query.page, pages);
    const groups = await cached(scope, `page:${d.slug}:${signal.by}:${page}`, () => groupPage(app.db, scope, d, signal, page));
    const shown = await presentValues(app.db, d, groups.flatMap((g) => g.members), d.columns, scope.settings.currency);
    return reply.render('duplicates/index', {
      title: 'Duplicates',
      kinds: DUPLICATE_KINDS.map((k) => ({ slug: k.slug, title: k.title })),
      d: { slug: d.slug, title: d.title, path: d.kind.path, columns: d.columns.map((c) => ({ name: c, label: d.kind.fields[c]?.label ?? c })) },
      signals: d.signals.map((s) => ({ ...s, count: counts.get(s.by) ?? 0 })),
      signal,
      groups: groups.map((g) => ({ ...g, members: g.members.map((m) => ({ id: Number(m.id), name: d.kind.nameOf(m as never), shown: shown.get(Number(m.id)) ?? {} })) })),
      page,
      pages,
      total,
      membersShown: MEMBERS_SHOWN,
    });
  });

  /** The compare page: both records side by side, a choice per field that differs. */
  const renderMerge = async (request: FastifyRequest, reply: FastifyReply, scope: Scope, d: DuplicateKind, ids: number[], opts: { keep?: number; picks?: Record<string, number>; errors?: Record<string, string>; message?: string } = {}, status = 200) => {
    const rows = await Promise.all(ids.map((id) => d.kind.findRow(app.db, scope, id)));
    if (rows.some((r) => !r)) throw new NotFoundError();
    const records = rows as (Record<string, unknown> & { id: number; version: number })[];
    const keep = opts.keep && ids.includes(opts.keep) ? opts.keep : Math.min(...ids);
    const shown = await presentValues(app.db, d, records, d.fields, scope.settings.currency);
    const related = await relatedCounts(app.db, d, ids);
    const fields = d.fields.map((f) => {
      const values = records.map((r) => shown.get(r.id)?.[f] ?? '');
      const same = values.every((v) => v === values[0]);
      // Default: the survivor's value, or the other's where the survivor has none.
      const keepRow = records.find((r) => r.id === keep)!;
      const filled = records.find((r) => r.id !== keep && (keepRow[f] === null || keepRow[f] === '') && r[f] !== null && r[f] !== '');
      return { name: f, label: d.kind.fields[f]?.label ?? f, values, same, pick: opts.picks?.[f] ?? filled?.id ?? keep, error: opts.errors?.[formName(f)] };
    });
    return reply.render(
      'duplicates/merge',
      {
        title: `Merge ${d.kind.nounPlural}`,
        d: { slug: d.slug, title: d.title, noun: d.kind.noun, path: d.kind.path },
        records: records.map((r) => ({ id: r.id, version: r.version, created_at: r.created_at, name: d.kind.nameOf(r as never), related: related.get(r.id) ?? {} })),
        keep,
        fields,
        message: opts.message,
        errors: opts.errors ?? {},
      },
      status,
    );
  };

  app.get('/duplicates/merge', async (request, reply) => {
    const scope = scopeOf(request);
    const q = request.query as Record<string, unknown>;
    const d = duplicateKind(q.kind);
    if (!d) throw new NotFoundError();
    const ids = [...new Set(idList(q.ids))];
    if (ids.length !== 2) {
      reply.flash('error', `Tick two ${d.kind.nounPlural} to compare and merge.`);
      return reply.redirect(`/duplicates?kind=${d.slug}`, 303);
    }
    return renderMerge(request, reply, scope, d, ids);
  });

  app.post('/duplicates/merge', async (request, reply) => {
    const scope = scopeOf(request);
    const body = asFormBody(request.body);
    const d = duplicateKind(body.kind);
    if (!d) throw new NotFoundError();
    const ids = [...new Set(idList((request.body as Record<string, unknown>).ids))];
    if (ids.length !== 2) throw new ConflictError(`Pick two ${d.kind.nounPlural} to merge.`);
    const keepId = ids.includes(Number(body.keep)) ? Number(body.keep) : Math.min(...ids);
    const dropId = ids.find((id) => id !== keepId)!;
    const picks: Record<string, number> = {};
    for (const f of d.fields) {
      const v = Number(body[`pick_${f}`]);
      if (ids.includes(v)) picks[f] = v;
    }
    const version = (id: number) => Number(body[`version_${id}`]);
    try {
      await app.db.transaction().execute((trx) => mergeRecords(trx, scope, d, { keepId, dropId, keepVersion: version(keepId), dropVersion: version(dropId), picks }));
    } catch (err) {
      if (err instanceof ValidationError) return renderMerge(request, reply, scope, d, ids, { keep: keepId, picks, errors: err.fieldErrors, message: 'The merged record would not be valid — pick other values below.' }, 422);
      if (err instanceof ConflictError) {
        const stillThere = await Promise.all(ids.map((id) => d.kind.findRow(app.db, scope, id)));
        if (stillThere.every(Boolean)) return renderMerge(request, reply, scope, d, ids, { keep: keepId, picks, message: err.message }, 409);
      }
      throw err;
    }
    const kept = await d.kind.findRow(app.db, scope, keepId);
    reply.flash('success', `Merged into ${kept ? d.kind.nameOf(kept as never) : 'the record you kept'}. Everything linked to both is here now.`);
    return reply.redirect(`${d.kind.path}/${keepId}`, 303);
  });
};

export default duplicatesRoutes;
