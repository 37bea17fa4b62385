import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/schema.js';
import type { Scope } from '../../lib/access.js';
import { recordKind, visible, type Executor } from '../../lib/entities.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import type { FormBody } from '../../lib/forms.js';
import { filters } from '../../lib/listing.js';
import { keysetPage, manyVisible, type KeysetOptions, type KeysetResult } from '../../lib/list-query.js';
import { quoteId } from '../../lib/bulk.js';
import type { ResourceCore } from '../../lib/resource-routes.js';
import type { Trx } from '../../lib/writes.js';
import { companyResource } from '../companies/companies.routes.js';
import { contactResource } from '../contacts/contacts.routes.js';
import { customerResource } from '../customers/customers.routes.js';
import { customerGroupResource } from '../customer-groups/customer-groups.routes.js';
import { dealResource } from '../deals/deals.routes.js';
import { leadResource } from '../leads/leads.routes.js';
import { TASK_PARENTS } from '../tasks/tasks.panel.js';
import * as taskQ from '../tasks/tasks.queries.js';
import * as taskService from '../tasks/tasks.service.js';
import { taskEditSchema, taskFormSchema, TASK_PRIORITIES, TASK_STATUSES, TASK_TYPES } from '../tasks/tasks.schemas.js';
import * as noteQ from '../notes/notes.queries.js';
import * as noteService from '../notes/notes.service.js';

type DB = Kysely<Database>;
type Row = Record<string, unknown> & { id: number };

/**
 * One collection of the JSON API (SPEC §12): how to find, list, create, change and delete its
 * records — the pages' own scoped queries, form schemas and services behind a JSON door. The
 * record kinds with pages come from their ResourceCore (`fromCore`); tasks, notes, pipelines,
 * lead statuses and users describe theirs here.
 */
export interface ApiResource {
  /** The URL segment: /api/v1/{name}. */
  name: string;
  /** "contact": the OpenAPI schema and operation names. */
  noun: string;
  table: 'companies' | 'contacts' | 'customers' | 'customer_groups' | 'deals' | 'leads' | 'tasks' | 'notes' | 'pipelines' | 'lead_statuses' | 'users';
  /** The list's filters as query parameters (the page's list schema, or the API's own). */
  filters: z.ZodObject;
  /** Query parameters the page's schema has that the API list does not use (its own paging and sort). */
  omitFilters?: string[];
  /** A page of rows (the columns asked for) in id order after the cursor. */
  keyset(db: DB, scope: Scope, filters: Record<string, unknown>, o: KeysetOptions): Promise<KeysetResult>;
  /** The record if the viewer may see it. */
  find(db: DB, scope: Scope, id: number): Promise<Row | undefined>;
  /**
   * A GET needs only the record's visibility, not what its page shows: true when the list's
   * scoped query, narrowed to one id, decides it (record kinds with pages) — one query for the
   * answer instead of the page's joins plus the JSON.
   */
  getByList?: boolean;
  /** What a record holds beyond its write schema (read-only collections: all of it), for the OpenAPI document. */
  record?: z.ZodObject;
  /** Columns of the table the API returns (default: all but internal sort and duplicate keys). */
  columns?: readonly string[];
  /** Adds what a record carries beyond its row (a pipeline's stages), for a page of rows at once; such records are built in JavaScript. */
  extend?(db: DB, rows: Row[]): Promise<void>;
  /** Pairs added to the record's json_object (`'key', expression` over the table `alias`): what it carries beyond its row, read in the same query. */
  jsonExtras?(alias: string): string;
  write?: {
    /** New records are assigned to their creator unless the body names someone (as the new forms start). */
    assignable?: boolean;
    createSchema: z.ZodType;
    updateSchema: z.ZodType;
    manage?: (scope: Scope) => boolean;
    /** The record as its edit form holds it: a PATCH changes only the fields it sends. */
    formValues(rec: Row, scope: Scope): FormBody;
    create(trx: Trx, scope: Scope, input: unknown, body: FormBody): Promise<number>;
    update(trx: Trx, scope: Scope, rec: Row, input: unknown, body: FormBody): Promise<void>;
    remove(trx: Trx, scope: Scope, rec: Row): Promise<void>;
  };
}

const flag = z.union([z.literal(0), z.literal(1)]);
const stageRecord = z.looseObject({ id: z.number().int(), pipeline_id: z.number().int(), name: z.string(), color: z.string().nullable(), position: z.number().int(), probability: z.number().nullable(), rotting_days: z.number().int().nullable(), is_default: flag, is_won: flag, is_lost: flag });
const pipelineRecord = z.object({ name: z.string(), description: z.string().nullable(), is_active: flag, is_default: flag, position: z.number().int(), stages: z.array(stageRecord) });
const leadStatusRecord = z.object({ name: z.string(), color: z.string().nullable(), position: z.number().int(), is_default: flag, is_final: flag, is_conversion_target: flag });
const userRecord = z.object({ name: z.string(), email: z.string(), role: z.enum(['admin', 'manager', 'rep']), is_active: flag, time_zone: z.string().nullable() });
const noteRecord = z.object({ entity_type: z.string(), entity_id: z.number().int(), body: z.string(), user_id: z.number().int().nullable() });
const taskRecord = z.object({ title: z.string(), type: z.enum(TASK_TYPES), priority: z.enum(TASK_PRIORITIES), description: z.string().nullable(), assigned_to: z.number().int().nullable(), status: z.enum(TASK_STATUSES), due_at: z.string().nullable(), completed_at: z.string().nullable(), entity_type: z.string().nullable(), entity_id: z.number().int().nullable(), created_by: z.number().int().nullable() });

/** Never in an answer: kept sort keys, duplicate keys, secrets. */
export const isInternalColumn = (c: string) => c.endsWith('_sort') || c.startsWith('dup_') || c.endsWith('_hash') || c.includes('secret') || c === 'overdue_notified_at';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCore = ResourceCore<any, any, any, any>;

function fromCore(name: string, core: AnyCore, jsonExtras?: ApiResource['jsonExtras']): ApiResource {
  return {
    name,
    noun: core.kind.type,
    table: core.kind.table as ApiResource['table'],
    filters: core.listSchema as unknown as z.ZodObject,
    omitFilters: ['sort', 'dir', 'page'],
    keyset: (db, scope, f, o) => core.list.keyset(db, scope, f, o),
    find: (db, scope, id) => core.find(db, scope, id),
    getByList: true,
    jsonExtras,
    write: {
      assignable: 'assigned_to' in ((core.formSchema as unknown as { shape?: object }).shape ?? {}),
      createSchema: core.formSchema,
      updateSchema: core.formSchema,
      manage: core.manage,
      formValues: (rec) => core.toFormValues(rec),
      create: (trx, scope, input, body) => core.create(trx, scope, input, body),
      update: (trx, scope, rec, input, body) => core.update(trx, scope, rec.id, input, body),
      remove: async (trx, scope, rec) => {
        await core.remove(trx, scope, rec.id);
      },
    },
  };
}

/** Keyset paging over a scoped query (lib/list-query keysetPage). */
const keysetOf = (q: ReturnType<DB['selectFrom']>, idColumn: string, o: KeysetOptions) => keysetPage(q as never, idColumn, o);

/** A record the viewer may see, by type and id (a task's or a note's parent). */
async function parentVisible(db: Executor, scope: Scope, type: string | null, id: number | null): Promise<boolean> {
  if (!type || !id) return false;
  const kind = recordKind(type);
  return Boolean(kind && (await kind.findRow(db, scope, id)));
}

const parentFilters = {
  entity_type: z.preprocess((v) => (typeof v === 'string' && v ? v : undefined), z.enum(['lead', 'deal', 'company', 'contact', 'customer', 'customer_group']).optional()),
  entity_id: z.preprocess((v) => (v === '' || v === undefined ? undefined : v), z.coerce.number().int().positive().optional()),
};

/** Tasks: visible as on the task pages (with `own`, a rep's own or the ones they made); on a record while the record is visible. */
async function findTaskFor(db: DB, scope: Scope, id: number): Promise<Row | undefined> {
  const task = await taskQ.findTask(db, id);
  if (!task) return undefined;
  if (task.entity_type && task.entity_id) return (await parentVisible(db, scope, task.entity_type, task.entity_id)) ? task : undefined;
  if (scope.ownOnly && task.assigned_to !== scope.viewer.id && task.created_by !== scope.viewer.id) return undefined;
  return task;
}

const taskCreateSchema = taskFormSchema.and(z.object(parentFilters));

const tasks: ApiResource = {
  name: 'tasks',
  noun: 'task',
  table: 'tasks',
  record: taskRecord,
  filters: z.object({
    status: z.preprocess((v) => (v === '' ? undefined : v), z.enum(TASK_STATUSES).optional()),
    assigned_to: filters.idOrNone,
    ...parentFilters,
  }),
  async keyset(db, scope, fl, o) {
    // A rep's tasks (assigned to or made by them), unfiltered: walked in id order when many,
    // gathered by the two indexes when few (lib/list-query manyVisible) — gathering sorted all
    // 87,000 of a busy rep's tasks for every page (24 ms at Large volume).
    const narrowed = (walk: boolean) => {
      let q = visible.tasks(db, scope, walk);
      if (fl.entity_type && fl.entity_id) q = q.where('t.entity_type', '=', fl.entity_type as taskQ.TaskEntity).where('t.entity_id', '=', fl.entity_id as number);
      if (fl.status) q = q.where('t.status', '=', fl.status as (typeof TASK_STATUSES)[number]);
      if (fl.assigned_to === 'none') q = q.where('t.assigned_to', 'is', null);
      else if (typeof fl.assigned_to === 'number') q = q.where('t.assigned_to', '=', fl.assigned_to);
      return q;
    };
    if (fl.entity_type && fl.entity_id && !(await parentVisible(db, scope, fl.entity_type as string, fl.entity_id as number))) return { rows: [], more: false };
    const bare = !(fl.entity_type && fl.entity_id) && !fl.status && fl.assigned_to === undefined && o.updatedSince === null;
    const walk = scope.ownOnly && bare && o.id === undefined && (await manyVisible(db, `t.id:${scope.viewer.id}`, narrowed(false)));
    return keysetOf(narrowed(walk) as never, 't.id', o);
  },
  find: findTaskFor,
  write: {
    assignable: true,
    createSchema: taskCreateSchema,
    updateSchema: taskEditSchema,
    formValues: (rec, scope) => taskService.taskFormValues(rec as never, scope.viewer.timeZone),
    async create(trx, scope, input, body) {
      const i = input as z.output<typeof taskCreateSchema>;
      let parent: { type: taskQ.TaskEntity; id: number } | null = null;
      if (i.entity_type || i.entity_id) {
        if (!i.entity_type || !i.entity_id || !TASK_PARENTS.has(i.entity_type) || !(await parentVisible(trx, scope, i.entity_type, i.entity_id))) {
          throw new ValidationError({ entity_id: 'Choose a lead, deal, company, contact or customer you can see (entity_type and entity_id).' }, body);
        }
        parent = { type: i.entity_type as taskQ.TaskEntity, id: i.entity_id };
      }
      return taskService.createTask(trx, scope, parent, i, body);
    },
    update: (trx, scope, rec, input, body) => taskService.updateTask(trx, scope, rec as never, input as never, body),
    remove: (trx, scope, rec) => taskService.deleteTask(trx, scope, rec as never),
  },
};

const noteBody = z.object({
  body: z.preprocess((v) => (typeof v === 'string' ? v.replace(/\r\n/g, '\n').trim() : ''), z.string().min(1, 'Write something first.').max(20_000, 'Notes are limited to 20,000 characters.')),
});
const noteCreateSchema = noteBody.extend({
  entity_type: z.enum(['lead', 'deal', 'company', 'contact', 'customer', 'customer_group'], { message: 'Say which kind of record the note is on.' }),
  entity_id: z.coerce.number({ message: 'Say which record the note is on.' }).int().positive('Say which record the note is on.'),
});

/** Notes: on a record, visible while the record is; the author or an admin changes one. */
const notes: ApiResource = {
  name: 'notes',
  noun: 'note',
  table: 'notes',
  record: noteRecord,
  filters: z.object(parentFilters),
  async keyset(db, scope, fl, o) {
    // Notes are read per record (their index): the list needs the record.
    if (!fl.entity_type || !fl.entity_id) throw new ValidationError({ entity_id: 'List the notes of one record: entity_type and entity_id.' }, {});
    if (!(await parentVisible(db, scope, fl.entity_type as string, fl.entity_id as number))) throw new NotFoundError();
    return keysetOf(db.selectFrom('notes as n').where('n.entity_type', '=', fl.entity_type as string).where('n.entity_id', '=', fl.entity_id as number) as never, 'n.id', o);
  },
  async find(db, scope, id) {
    const note = await noteQ.findNote(db, id);
    return note && (await parentVisible(db, scope, note.entity_type, note.entity_id)) ? note : undefined;
  },
  write: {
    createSchema: noteCreateSchema,
    updateSchema: noteBody,
    formValues: (rec) => ({ body: rec.body }),
    async create(trx, scope, input, body) {
      const i = input as z.output<typeof noteCreateSchema>;
      if (!(await parentVisible(trx, scope, i.entity_type, i.entity_id))) throw new ValidationError({ entity_id: 'Choose a record you can see.' }, body);
      return noteService.addNote(trx, scope.viewer, i.entity_type, i.entity_id, i.body);
    },
    update: (trx, scope, rec, input) => noteService.editNote(trx, scope.viewer, rec as never, (input as z.output<typeof noteBody>).body),
    remove: (trx, scope, rec) => noteService.removeNote(trx, scope.viewer, rec as never),
  },
};

const noFilters = z.object({});

/** Read-only settings collections, small: everyone reads them (the pages' option lists do). */
function settingsList(name: string, noun: string, table: 'pipelines' | 'lead_statuses' | 'users', record: z.ZodObject, columns?: readonly string[], extend?: ApiResource['extend']): ApiResource {
  return {
    name,
    noun,
    table,
    record,
    filters: noFilters,
    keyset: (db, _scope, _f, o) => keysetOf(db.selectFrom(`${table} as x`) as never, 'x.id', o),
    find: async (db, _scope, id) => (await db.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst()) as Row | undefined,
    columns,
    extend,
  };
}

export const API_RESOURCES: readonly ApiResource[] = [
  fromCore('companies', companyResource),
  fromCore('contacts', contactResource),
  fromCore('customers', customerResource),
  fromCore('customer-groups', customerGroupResource),
  fromCore('leads', leadResource),
  // contact_ids in id order: read in that order from the (deal_id, contact_id) key — an ORDER BY
  // inside the aggregate would build and sort a temporary table for every deal of the page.
  fromCore('deals', dealResource, (a) => `'contact_ids', json((select json_group_array(contact_id) from (select dc.contact_id from deal_contacts dc where dc.deal_id = ${a}.id order by dc.contact_id)))`),
  tasks,
  notes,
  settingsList('pipelines', 'pipeline', 'pipelines', pipelineRecord, undefined, async (db, rows) => {
    const ids = rows.map((r) => r.id);
    const stages = ids.length ? await db.selectFrom('deal_stages').selectAll().where('pipeline_id', 'in', ids).orderBy('position').orderBy('id').execute() : [];
    for (const r of rows) r.stages = stages.filter((s) => s.pipeline_id === r.id);
  }),
  settingsList('lead-statuses', 'lead_status', 'lead_statuses', leadStatusRecord),
  settingsList('users', 'user', 'users', userRecord, ['id', 'name', 'email', 'role', 'is_active', 'time_zone', 'created_at', 'updated_at']),
];

/**
 * The records of `ids` as the API returns them, as JSON text, in that order. SQLite writes the
 * JSON (recordJson): no row objects and no JSON.stringify in JavaScript — for a deals page of
 * 51 × 21 fields that was half the request's time and most of its garbage. Collections with an
 * `extend` (pipelines and their stages) are built in JavaScript.
 */
export async function apiJson(db: DB, r: ApiResource, ids: number[]): Promise<string[]> {
  if (!ids.length) return [];
  if (r.extend) {
    const rows = (await db.selectFrom(r.table).select((await columnsOf(db, r)) as never).where('id', 'in', ids).execute()) as unknown as Row[];
    const byId = new Map(rows.map((row) => [row.id, row]));
    return (await apiPage(db, r, ids.map((id) => byId.get(id)).filter((x): x is Row => Boolean(x)))).map((row) => JSON.stringify(row));
  }
  const rows = (await db
    .selectFrom(`${r.table} as x` as 'contacts as x')
    .select([sql<number>`x.id`.as('id'), sql<string>`${sql.raw(await recordJson(db, r, 'x'))}`.as('json')])
    .where(sql<boolean>`x.id in (${sql.join(ids)})`)
    .execute()) as { id: number; json: string }[];
  const byId = new Map(rows.map((row) => [row.id, row.json]));
  return ids.map((id) => byId.get(id)).filter((x): x is string => x !== undefined);
}

/** The records of `ids` as objects (what an answer embeds: a converted lead). */
export async function apiRows(db: DB, r: ApiResource, ids: number[]): Promise<Row[]> {
  return (await apiJson(db, r, ids)).map((text) => JSON.parse(text) as Row);
}

/** A list page's rows (read with `columnsOf`) as the API returns them: collections with an `extend`. */
export async function apiPage(db: DB, r: ApiResource, rows: Row[]): Promise<Row[]> {
  const out = rows.map(present);
  await r.extend?.(db, out);
  return out;
}

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;
const jsonSql = new Map<string, string>();

/**
 * A record as SQLite's json_object over the table `alias`: its columns (columnsOf), `value` in
 * major units beside `value_cents` (whole amounts as integers, as a form shows them), and the
 * collection's jsonExtras. Made once per collection and alias.
 */
export async function recordJson(db: DB, r: ApiResource, alias: string): Promise<string> {
  const key = `${r.name}\u0001${alias}`;
  const known = jsonSql.get(key);
  if (known) return known;
  const a = quoteId(alias);
  const cols = await columnsOf(db, r);
  const pairs = cols.map((c) => `${sqlString(c)}, ${a}.${quoteId(c)}`);
  if (cols.includes('value_cents')) pairs.push(`'value', iif(${a}.value_cents % 100 = 0, ${a}.value_cents / 100, ${a}.value_cents / 100.0)`);
  if (r.jsonExtras) pairs.push(r.jsonExtras(a));
  const text = `json_object(${pairs.join(', ')})`;
  jsonSql.set(key, text);
  return text;
}

/**
 * The columns an answer holds, read once per table from the file itself: not the kept sort keys,
 * and not generated columns (the duplicate keys), which SQLite would compute for every row read.
 */
const columnCache = new Map<string, string[]>();
export async function columnsOf(db: DB, r: ApiResource): Promise<string[]> {
  const key = `${r.table}:${r.name}`;
  let cols = columnCache.get(key);
  if (!cols) {
    const info = await sql<{ name: string; hidden: number }>`select name, hidden from pragma_table_xinfo(${r.table})`.execute(db);
    cols = info.rows.filter((c) => c.hidden === 0 && (r.columns ? r.columns.includes(c.name) : !isInternalColumn(c.name))).map((c) => c.name);
    columnCache.set(key, cols);
  }
  return cols;
}

function present(row: Row): Row {
  // Money as the forms take it (value), beside the stored minor units (value_cents).
  // Set on the row read for this answer (no copy per row: a deals page is 51 rows of 20 columns).
  if ('value_cents' in row) row.value = row.value_cents === null ? null : Number(row.value_cents) / 100;
  return row;
}

/** Who may write to a collection at all (customer groups: managers and admins). */
export const mayWrite = (r: ApiResource, scope: Scope) => Boolean(r.write) && (r.write?.manage ? r.write.manage(scope) : true);

