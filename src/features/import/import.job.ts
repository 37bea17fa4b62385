import { sql } from 'kysely';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../lib/workers.js';
import { insertRows } from '../../lib/bulk.js';
import type { FastifyInstance } from 'fastify';
import type SQLite from 'better-sqlite3';
import type { DB } from '../../db/database.js';
import { scopeFor, type Scope } from '../../lib/access.js';
import { HttpError, ValidationError } from '../../lib/errors.js';
import { nowIso } from '../../lib/time.js';
import { IMPORTERS, DEFAULT_OPTIONS, type ImportOptions, type PendingCreate, type Touched } from './import.importers.js';
import { mapRow } from './import.mapping.js';

/**
 * At most this many rows per batch, and no more than BATCH_BUDGET_MS of work: each batch is one
 * transaction and holds the event loop, so other requests wait at most about that long.
 */
export const BATCH_SIZE = 500;
export const BATCH_BUDGET_MS = 40;
/**
 * In a worker thread a batch holds no event loop, only SQLite's write lock: larger batches while a
 * user's save waits at most about this long for its turn. A commit writes every index page the
 * batch touched, and 2,000 random names, emails and phones touch most leaf pages of a 100,000-row
 * table's name, email and duplicate-key indexes: a commit cost about as much for 2,000 rows as for
 * 3,000, a third of the import's SQLite time at 150 ms batches; 200 ms batches save most of it.
 */
export const WORKER_BATCH_SIZE = 3000;
/** A batch's cells at most (text): 3,000 rows of a typical export are ~300 KB; 4 MB leaves the heap room for wide ones. */
export const BATCH_TEXT_BYTES = 4 * 1024 * 1024;
export const WORKER_BATCH_BUDGET_MS = 200;

export type BatchResult = 'more' | 'done' | 'gone';

/** What a batch needs: a connection (the app's, or an import worker's own). */
export interface Connection {
  db: DB;
  sqlite: SQLite.Database;
}

/**
 * One batch of an import: its rows written through the entity's service, one import_results
 * line each, and the import's counters and resume point — all in one transaction, so a crash
 * leaves whole batches only. A row the entity's rules refuse is rolled back to its savepoint
 * and skipped with the reason.
 */
export async function runBatch(app: Connection, importId: number, size = BATCH_SIZE, budgetMs = BATCH_BUDGET_MS): Promise<BatchResult> {
  return app.db.transaction().execute(async (trx) => {
    const imp = await trx.selectFrom('imports').selectAll().where('id', '=', importId).executeTakeFirst();
    if (!imp || imp.status !== 'running') return 'gone';
    const importer = IMPORTERS[imp.entity_type];
    const user = imp.user_id ? await trx.selectFrom('users').select(['id', 'name', 'email', 'role', 'time_zone', 'is_active']).where('id', '=', imp.user_id).executeTakeFirst() : undefined;
    if (!importer || !user || !user.is_active) {
      await trx.updateTable('imports').set({ status: 'stopped', updated_at: nowIso() }).where('id', '=', importId).execute();
      return 'gone';
    }
    const scope = await scopeFor(trx, { id: user.id, name: user.name, email: user.email, role: user.role, timeZone: user.time_zone ?? 'UTC', sessionId: '' });
    const mapping = JSON.parse(imp.mapping) as string[];
    const options: ImportOptions = { ...DEFAULT_OPTIONS, ...(JSON.parse(imp.options) as Partial<ImportOptions>) };
    // Up to `size` rows, and no more than BATCH_TEXT_BYTES of their cells: a file of wide rows (long
    // notes) takes smaller batches, so a batch fits the import thread's small heap.
    const sizes = await trx.selectFrom('import_rows').select(sql<number>`length(cells)`.as('len')).where('import_id', '=', importId).where('n', '>=', imp.next_row).orderBy('n').limit(size).execute();
    let take = 0;
    for (let bytes = 0; take < sizes.length && (take === 0 || bytes + sizes[take].len <= BATCH_TEXT_BYTES); take++) bytes += sizes[take].len;
    const rows = await trx.selectFrom('import_rows').select(['n', 'line', 'cells']).where('import_id', '=', importId).where('n', '>=', imp.next_row).orderBy('n').limit(take).execute();
    const mapped = rows.map((r) => mapRow(JSON.parse(r.cells) as string[], mapping));
    const lookups = await importer.lookups(trx, scope, mapped);
    const results: { import_id: number; n: number; outcome: 'created' | 'updated' | 'skipped'; entity_id: number | null; reason: string | null }[] = [];
    const counts = { created: 0, updated: 0, skipped: 0 };
    const touched: { import_id: number; entity_type: string; entity_id: number; action: 'created' | 'updated'; version_after: number; before: string | null }[] = [];
    const started = performance.now();
    const imported: { entity_type: string; entity_id: number; action: string; changes: string; user_id: number; created_at: string }[] = [];
    const importedChanges = JSON.stringify({ file: [null, imp.file_name] });
    const stamp = nowIso();
    let handled = 0;
    // Plain creates wait here for one createMany (multi-row INSERTs through the entity's bulk
    // service) at the end of the batch, or earlier when a later row's duplicate key needs their ids.
    const defer = Boolean(importer.createMany);
    const pending: { at: number; key: string | null; item: PendingCreate; touched: Touched[] }[] = [];
    const pendingKeys = new Set<string>();
    const keep = (x: Touched) => touched.push({ import_id: importId, entity_type: x.entity_type, entity_id: x.entity_id, action: x.action, version_after: x.version_after, before: x.before ? JSON.stringify(x.before) : null });
    const flush = async () => {
      if (!pending.length) return;
      const made = await importer.createMany!(trx, scope, pending.map((p) => p.item), { file: imp.file_name });
      made.forEach((m, k) => {
        const p = pending[k];
        const res = results[p.at];
        if (m instanceof ValidationError) {
          counts.created--;
          counts.skipped++;
          Object.assign(res, { outcome: 'skipped', entity_id: null, reason: Object.values(m.fieldErrors).join(' ') });
        } else {
          // Its "created" entry names the file ("imported this contact from a file"): no second entry.
          res.entity_id = m;
          if (p.key && !lookups.duplicates.has(p.key)) lookups.duplicates.set(p.key, { id: m, version: 1 });
        }
        p.touched.forEach(keep);
      });
      pending.length = 0;
      pendingKeys.clear();
    };
    const savepoint = app.sqlite.prepare('savepoint import_row');
    const release = app.sqlite.prepare('release import_row');
    const rollback = app.sqlite.prepare('rollback to import_row');
    for (const [i, row] of rows.entries()) {
      // A row's writes (a company made on the way, the contact) stand or fall together. The
      // savepoint is plain SQL on the transaction's own connection: no query building per row.
      if (i > 0 && performance.now() - started > budgetMs) break;
      handled = i + 1;
      const key = defer ? importer.duplicateKey(mapped[i]) : null;
      if (key && pendingKeys.has(key)) await flush();
      savepoint.run();
      try {
        const r = await importer.write(trx, scope, mapped[i], lookups, options, defer);
        release.run();
        counts[r.outcome]++;
        if (r.pending) {
          pending.push({ at: results.length, key, item: r.pending, touched: r.touched ?? [] });
          if (key) pendingKeys.add(key);
        } else {
          // "Imported from contacts.csv" on the record's timeline, beside the service's own entry (written with the batch).
          if (r.id !== null && r.outcome !== 'skipped') imported.push({ entity_type: importer.kind, entity_id: r.id, action: 'imported', changes: importedChanges, user_id: scope.viewer.id, created_at: stamp });
          // The record a row created is its import_results line (revert reads it there); import_records keeps the rest.
          for (const x of r.touched ?? []) if (!(r.outcome === 'created' && x.action === 'created' && x.entity_type === importer.kind && x.entity_id === r.id)) keep(x);
        }
        results.push({ import_id: importId, n: row.n, outcome: r.outcome, entity_id: r.id, reason: r.reason ?? null });
      } catch (e) {
        rollback.run();
        release.run();
        // The entity's rules refused the row (422), or the importer may not touch that record (403, 404, 409): skipped, with why.
        if (!(e instanceof HttpError) || e.statusCode >= 500) throw e;
        counts.skipped++;
        results.push({ import_id: importId, n: row.n, outcome: 'skipped', entity_id: null, reason: e instanceof ValidationError ? Object.values(e.fieldErrors).join(' ') : e.message });
      }
      // Written in turns, so the batch's time budget sees their cost.
      if (pending.length >= 500) await flush();
    }
    await flush();
    await insertRows(trx, 'import_results', ['import_id', 'n', 'outcome', 'entity_id', 'reason'], results.map((r) => [r.import_id, r.n, r.outcome, r.entity_id, r.reason]));
    for (let i = 0; i < imported.length; i += 100) await trx.insertInto('audit_entries').values(imported.slice(i, i + 100)).execute();
    for (let i = 0; i < touched.length; i += 100) await trx.insertInto('import_records').values(touched.slice(i, i + 100)).onConflict((oc) => oc.columns(['import_id', 'entity_type', 'entity_id', 'action']).doUpdateSet({ version_after: (eb) => eb.ref('excluded.version_after') })).execute();
    const next = handled ? rows[handled - 1].n + 1 : imp.next_row;
    const done = (handled === rows.length && rows.length === sizes.length && sizes.length < size) || next >= imp.total_rows;
    const now = nowIso();
    await trx
      .updateTable('imports')
      .set({
        next_row: next,
        created: sql`created + ${counts.created}`,
        updated: sql`updated + ${counts.updated}`,
        skipped: sql`skipped + ${counts.skipped}`,
        status: done ? 'done' : 'running',
        finished_at: done ? now : null,
        updated_at: now,
      })
      .where('id', '=', importId)
      .execute();
    return done ? 'done' : 'more';
  });
}

/**
 * Imports run in a worker thread with a connection of its own, so a batch's work, its commit and
 * the WAL checkpoints a big import brings never hold the event loop that answers pages (SPEC §9:
 * the server stays responsive) — and batches can be larger. One worker, started with the first
 * import and kept, runs imports one after another (SQLite has one writer anyway). `stop()` (app
 * close) ends it after the batch in flight; an import left 'running' by a crash or a stop is
 * marked 'stopped' at the next start, and its page offers to resume. An in-memory database (no
 * file to share) runs its batches on the event loop instead.
 */
export class ImportRunner {
  private running = new Map<number, { promise: Promise<void>; resolve: () => void }>();
  private worker: Worker | null = null;
  private closing = false;

  constructor(private readonly app: FastifyInstance) {}

  start(importId: number): void {
    if (this.running.has(importId) || this.closing) return;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r)).finally(() => this.running.delete(importId));
    this.running.set(importId, { promise, resolve });
    if (this.app.config.dbPath === ':memory:') void this.inProcess(importId).then(resolve);
    else this.ensureWorker().postMessage({ run: importId });
  }

  /** Starts the import thread ahead of an import (after an upload); it stays for the imports that follow. */
  warm(): void {
    if (!this.closing && this.app.config.dbPath !== ':memory:') this.ensureWorker();
  }

  private async inProcess(importId: number): Promise<void> {
    try {
      while (!this.closing) {
        const r = await runBatch(this.app, importId);
        if (r !== 'more') break;
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (e) {
      await this.failed(importId, e);
    }
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    // A small young generation, as the server's own (--max-semi-space-size=4): batches make short-lived garbage, not a big heap.
    const worker = startWorker(import.meta.url, 'import.worker', { dbPath: this.app.config.dbPath }, { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 32 });
    worker.on('message', (m: { done: number; error?: string }) => {
      const job = this.running.get(m.done);
      if (m.error) void this.failed(m.done, new Error(m.error)).then(() => job?.resolve());
      else job?.resolve();
    });
    worker.on('error', (e) => this.app.log.error({ err: e }, 'import worker failed'));
    worker.on('exit', () => {
      this.worker = null;
      // Whatever it had not finished is stopped (resumable from its page).
      for (const [id, job] of this.running) void this.failed(id, new Error('import worker ended')).then(job.resolve);
    });
    this.worker = worker;
    return worker;
  }

  private async failed(importId: number, e: unknown): Promise<void> {
    if (!this.closing) this.app.log.error({ err: e, importId }, 'import batch failed');
    await this.app.db.updateTable('imports').set({ status: 'stopped', updated_at: nowIso() }).where('id', '=', importId).where('status', '=', 'running').execute().catch(() => {});
  }

  /** Wait for a running import (tests, shutdown). */
  async settle(importId?: number): Promise<void> {
    await Promise.all(importId === undefined ? [...this.running.values()].map((j) => j.promise) : [this.running.get(importId)?.promise]);
  }

  async stop(): Promise<void> {
    this.closing = true;
    const worker = this.worker;
    if (worker) {
      const ended = new Promise((r) => worker.once('exit', r));
      worker.postMessage('stop');
      await ended;
    }
    await Promise.all([...this.running.values()].map((j) => j.promise));
  }
}

/** At start: an import a crash left running says where it stopped. */
export async function markInterrupted(app: Connection): Promise<void> {
  await app.db.updateTable('imports').set({ status: 'stopped', updated_at: nowIso() }).where('status', '=', 'running').execute();
}

/**
 * Revert an import (SPEC §9): what it created is deleted and what it updated is put back, through
 * the entities' services (audit and timeline as for a hand edit), in one transaction. A record
 * changed since the import (its version moved on) is not touched: then nothing is reverted and
 * the list says which records and why.
 */
export async function revertImport(app: FastifyInstance, importId: number, scope: Scope): Promise<{ changed: { type: string; id: number; name: string }[] }> {
  return app.db.transaction().execute(async (trx) => {
    const imp = await trx.selectFrom('imports').selectAll().where('id', '=', importId).executeTakeFirstOrThrow();
    const importer = IMPORTERS[imp.entity_type]!;
    const records: { entity_type: string; entity_id: number; action: 'created' | 'updated'; version_after: number; before: string | null }[] = await trx.selectFrom('import_records').selectAll().where('import_id', '=', importId).execute();
    // The records its rows created: their import_results lines (at version 1 unless a later row updated them).
    const made = await trx.selectFrom('import_results').select('entity_id').where('import_id', '=', importId).where('outcome', '=', 'created').where('entity_id', 'is not', null).execute();
    for (const m of made) records.push({ entity_type: importer.kind, entity_id: m.entity_id!, action: 'created', version_after: 1, before: null });
    // Per record: the version the import left it at (the last of its writes), created or only updated.
    const byKey = new Map<string, { type: Touched['entity_type']; id: number; version: number; created: boolean; before: Record<string, unknown> | null }>();
    for (const r of records) {
      const k = `${r.entity_type}:${r.entity_id}`;
      const e = byKey.get(k) ?? { type: r.entity_type as Touched['entity_type'], id: r.entity_id, version: 0, created: false, before: null };
      e.version = Math.max(e.version, r.version_after);
      if (r.action === 'created') e.created = true;
      else e.before ??= r.before ? (JSON.parse(r.before) as Record<string, unknown>) : null;
      byKey.set(k, e);
    }
    const entries = [...byKey.values()];
    const current = new Map<string, { version: number; name: string }>();
    const tables = { contact: 'contacts', company: 'companies', customer: 'customers', lead: 'leads', deal: 'deals' } as const;
    for (const [type, table] of Object.entries(tables) as [keyof typeof tables, (typeof tables)[keyof typeof tables]][]) {
      const ids = entries.filter((e) => e.type === type).map((e) => e.id);
      const name = table === 'contacts' ? sql<string>`trim(coalesce(first_name, '') || ' ' || coalesce(last_name, ''))` : table === 'leads' || table === 'deals' ? sql<string>`title` : sql<string>`name`;
      for (let i = 0; i < ids.length; i += 500) {
        const rows = await trx.selectFrom(table).select(['id', 'version', name.as('name')]).where('id', 'in', ids.slice(i, i + 500)).execute();
        for (const r of rows) current.set(`${type}:${r.id}`, { version: r.version, name: r.name });
      }
    }
    const changed = entries
      .filter((e) => current.has(`${e.type}:${e.id}`) && current.get(`${e.type}:${e.id}`)!.version !== e.version)
      .map((e) => ({ type: e.type, id: e.id, name: current.get(`${e.type}:${e.id}`)!.name }));
    if (changed.length) return { changed };
    // Contacts before the companies they point to; records deleted since are left alone.
    const order = (e: { type: string }) => (e.type === 'company' ? 1 : 0);
    for (const e of entries.filter((x) => current.has(`${x.type}:${x.id}`)).sort((a, b) => order(a) - order(b))) {
      await importer.undo(trx, scope, { entity_type: e.type, entity_id: e.id, action: e.created ? 'created' : 'updated', version_after: e.version, before: e.before });
    }
    await trx.updateTable('imports').set({ status: 'reverted', updated_at: nowIso() }).where('id', '=', importId).execute();
    return { changed: [] };
  });
}
