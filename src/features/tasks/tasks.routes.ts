import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '../../lib/errors.js';
import { asFormBody, parseForm, submitForm, type FormBody } from '../../lib/forms.js';
import { idParam, redirectAfterPost, wantsFragment } from '../../lib/http.js';
import { RECORD_KINDS, recordKind, recordUrl } from '../../lib/entities.js';
import type { Scope } from '../../lib/access.js';
import { scopeOf } from '../../plugins/session.js';
import { TASK_PARENTS, taskPanel } from './tasks.panel.js';
import { assigneeOptions } from '../users/users.queries.js';
import { parseQuery } from '../../lib/forms.js';
import { listView, pageInfo } from '../../lib/listing.js';
import { sendCsv, type CsvColumn } from '../../lib/csv.js';
import { dayStartUtc, nextDay, todayIso } from '../../lib/time.js';
import { TASK_STATUS_LABELS, TASK_TYPE_LABELS, taskListSchema, type TaskFilters } from './tasks.schemas.js';
import type { TaskListFilters, TaskRow } from './tasks.queries.js';

const TASK_CSV: CsvColumn<TaskRow>[] = [
  { header: 'ID', value: (r) => r.id },
  { header: 'Title', value: (r) => r.title },
  { header: 'Type', value: (r) => TASK_TYPE_LABELS[r.type] },
  { header: 'Priority', value: (r) => r.priority },
  { header: 'Status', value: (r) => TASK_STATUS_LABELS[r.status] },
  { header: 'Due', value: (r) => r.due_at, kind: 'datetime' },
  { header: 'Related to', value: (r) => (r.entity_type ? `${r.entity_type}: ${r.related_name ?? ''}` : '') },
  { header: 'Assigned to', value: (r) => r.assigned_name },
  { header: 'Completed at', value: (r) => r.completed_at, kind: 'datetime' },
];
import * as q from './tasks.queries.js';
import * as service from './tasks.service.js';
import { taskEditSchema, taskFormSchema, TASK_PRIORITIES, TASK_STATUSES } from './tasks.schemas.js';
import { timelinePage } from '../timeline/timeline.present.js';
import { canEdit } from '../../lib/access.js';

/** Tasks on every record kind that takes them: add inline, complete and undo with one click, delete. */
const tasksRoutes: FastifyPluginAsync = async (app) => {
  const panel = async (reply: FastifyReply, scope: Scope, type: q.TaskEntity, id: number, path: string, extra: Record<string, unknown> = {}, status = 200) =>
    reply.render('partials/_tasks_panel', { ...(await taskPanel(app.db, scope, type, id, path)), ...extra }, status);

  for (const parent of RECORD_KINDS.filter((k) => TASK_PARENTS.has(k.type))) {
    const type = parent.type as q.TaskEntity;
    app.post(`${parent.path}/:id/tasks`, async (request, reply) => {
      const scope = scopeOf(request);
      const id = idParam(request);
      // Visibility first: no task goes on a record the viewer cannot see.
      if (!(await parent.findRow(app.db, scope, id))) throw new NotFoundError();
      const body = asFormBody(request.body);
      const fragment = wantsFragment(request, 'tasks-panel');
      return submitForm(
        async () => {
          const input = parseForm(taskFormSchema, body);
          await app.db.transaction().execute((trx) => service.createTask(trx, scope, { type, id }, input, body));
          if (fragment) return panel(reply, scope, type, id, parent.path, { taskAdded: true });
          reply.flash('success', 'Task added.');
          return redirectAfterPost(request, reply, `${parent.path}/${id}`);
        },
        async (values: FormBody, errors, status) => {
          if (fragment) return panel(reply, scope, type, id, parent.path, { taskValues: values, taskErrors: errors, taskOpen: true }, status);
          reply.flash('error', Object.values(errors)[0] ?? 'Please correct the task.');
          return redirectAfterPost(request, reply, `${parent.path}/${id}`);
        },
        body,
      );
    });

    // The panel alone: what "Cancel" on an inline edit swaps back in.
    app.get(`${parent.path}/:id/tasks`, async (request, reply) => {
      const scope = scopeOf(request);
      const id = idParam(request);
      if (!(await parent.findRow(app.db, scope, id))) throw new NotFoundError();
      if (!wantsFragment(request, 'tasks-panel')) return reply.redirect(`${parent.path}/${id}`, 303);
      return panel(reply, scope, type, id, parent.path);
    });
  }

  /** A task is reachable while its record is visible to the viewer (as a note is). */
  const loadTask = async (request: FastifyRequest) => {
    const scope = scopeOf(request);
    const task = await q.findTask(app.db, idParam(request));
    if (!task) throw new NotFoundError();
    const parent = task.entity_type ? recordKind(task.entity_type) : undefined;
    if (task.entity_type && task.entity_id) {
      if (!parent || !(await parent.findRow(app.db, scope, task.entity_id))) throw new NotFoundError();
    } else if (scope.ownOnly && task.assigned_to !== scope.viewer.id && task.created_by !== scope.viewer.id) {
      throw new NotFoundError();
    }
    return { scope, task, parent };
  };

  const after = async (request: FastifyRequest, reply: FastifyReply, loaded: Awaited<ReturnType<typeof loadTask>>, message: string) => {
    const { scope, task, parent } = loaded;
    if (wantsFragment(request, 'my-tasks')) return reply.render('tasks/_mine', await myTasksData(scope));
    if (parent && task.entity_id && wantsFragment(request, 'tasks-panel')) return panel(reply, scope, task.entity_type!, task.entity_id, parent.path);
    if (message) reply.flash('success', message);
    // From the task's own page, back to it (unless it was deleted); else to its record, or My tasks.
    const fromTaskPage = asFormBody(request.body).from === 'task' && !request.url.endsWith('/delete');
    const back = fromTaskPage ? `/tasks/${task.id}` : task.entity_type && task.entity_id ? recordUrl(task.entity_type, task.entity_id) : '/tasks/mine';
    return redirectAfterPost(request, reply, back);
  };

  /* ---------- My tasks and All tasks ---------- */

  const listFilters = (scope: Scope, params: TaskFilters): TaskListFilters => ({
    ...params,
    due_from_at: params.due_from ? dayStartUtc(params.due_from, scope.viewer.timeZone) : undefined,
    due_before_at: params.due_to ? dayStartUtc(nextDay(params.due_to), scope.viewer.timeZone) : undefined,
  });

  const myTasksData = async (scope: Scope) => {
    const tz = scope.viewer.timeZone;
    const today = todayIso(tz);
    const now = new Date().toISOString();
    const sections = await q.myTasks(app.db, scope.viewer.id, { now, tomorrowStart: dayStartUtc(nextDay(today), tz), weekAgo: dayStartUtc(nextDay(today, -7), tz) });
    return { sections, now, shown: q.MY_TASKS_SHOWN };
  };

  app.get('/tasks/mine', async (request, reply) => {
    const scope = scopeOf(request);
    return reply.render('tasks/mine', { title: 'My tasks', ...(await myTasksData(scope)) });
  });

  app.get('/tasks', async (request, reply) => {
    const scope = scopeOf(request);
    const params = parseQuery(taskListSchema, request.query);
    const pageSize = scope.pageSize ?? scope.settings.page_size;
    const result = await q.taskList.page(app.db, scope, { ...listFilters(scope, params), page: params.page } as never, pageSize);
    const list = listView('/tasks', params as typeof params & Record<string, unknown>, pageInfo(result.total, result.page, pageSize, { capped: result.summary.capped, hasNext: result.hasNext, shown: result.rows.length }), 'due_at', 'asc');
    const data = { title: 'All tasks', rows: result.rows, total: result.total, ...result.summary, list, rowsId: 'tasks-rows', wide: true, now: new Date().toISOString() };
    reply.header('vary', 'HX-Request, HX-Target');
    if (wantsFragment(request, 'tasks-rows')) return reply.render('tasks/_rows', data);
    return reply.render('tasks/index', { ...data, assignees: await assigneeOptions(app.db) });
  });

  app.get('/tasks/export.csv', async (request, reply) => {
    const scope = scopeOf(request);
    const params = parseQuery(taskListSchema, request.query);
    const rows = await q.taskList.rowsQuery(app.db, scope, listFilters(scope, params));
    return sendCsv(reply, 'tasks.csv', app.config.dbPath, rows.compile(), TASK_CSV, scope.viewer.timeZone);
  });

  /* ---------- A task's own page, its edit form and inline edit on a panel ---------- */

  const formOptions = async () => ({
    assignees: await assigneeOptions(app.db),
    types: Object.entries(TASK_TYPE_LABELS).map(([value, label]) => ({ value, label })),
    priorities: TASK_PRIORITIES.map((value) => ({ value, label: value[0].toUpperCase() + value.slice(1) })),
    statuses: TASK_STATUSES.map((value) => ({ value, label: TASK_STATUS_LABELS[value] })),
  });

  const relatedOf = async (loaded: Awaited<ReturnType<typeof loadTask>>) => {
    const { task, parent, scope } = loaded;
    if (!parent || !task.entity_id) return null;
    const row = await parent.findRow(app.db, scope, task.entity_id);
    return row ? { kind: parent.noun, name: parent.nameOf(row), href: `${parent.path}/${task.entity_id}` } : null;
  };

  const renderEdit = async (reply: FastifyReply, loaded: Awaited<ReturnType<typeof loadTask>>, values: FormBody, errors: Record<string, string>, status = 200) => {
    const { task, parent, scope } = loaded;
    if (parent && task.entity_id && wantsFragment(reply.request, 'tasks-panel')) {
      return panel(reply, scope, task.entity_type!, task.entity_id, parent.path, { editingId: task.id, editValues: values, editErrors: errors }, status);
    }
    return reply.render('tasks/edit', { title: `Edit ${task.title}`, task, values, errors, related: await relatedOf(loaded), ...(await formOptions()) }, status);
  };

  app.get('/tasks/:id', async (request, reply) => {
    const loaded = await loadTask(request);
    const { task, scope } = loaded;
    const [related, tl, people] = await Promise.all([
      relatedOf(loaded),
      timelinePage(app.db, 'task', task.id, { moreBase: '', limit: 50, timeZone: scope.viewer.timeZone }),
      app.db.selectFrom('users').select(['id', 'name']).where('id', 'in', [task.assigned_to ?? 0, task.created_by ?? 0]).execute(),
    ]);
    const nameOf = (id: number | null) => people.find((p) => p.id === id)?.name ?? null;
    return reply.render('tasks/show', {
      title: task.title, task, related, ...tl, timelineVisible: true, now: new Date().toISOString(),
      assignedName: nameOf(task.assigned_to), createdByName: nameOf(task.created_by),
      typeLabel: TASK_TYPE_LABELS[task.type], statusLabel: TASK_STATUS_LABELS[task.status],
      editable: canEdit(scope.viewer, task.assigned_to) || task.created_by === scope.viewer.id,
    });
  });

  app.get('/tasks/:id/edit', async (request, reply) => {
    const loaded = await loadTask(request);
    service.assertMayChange(loaded.scope, loaded.task);
    return renderEdit(reply, loaded, service.taskFormValues(loaded.task, loaded.scope.viewer.timeZone) as FormBody, {});
  });

  app.post('/tasks/:id', async (request, reply) => {
    const loaded = await loadTask(request);
    const body = asFormBody(request.body);
    return submitForm(
      async () => {
        const input = parseForm(taskEditSchema, body);
        await app.db.transaction().execute((trx) => service.updateTask(trx, loaded.scope, loaded.task, input, body));
        if (wantsFragment(request, 'tasks-panel')) return after(request, reply, loaded, '');
        reply.flash('success', 'Task saved.');
        return redirectAfterPost(request, reply, `/tasks/${loaded.task.id}`);
      },
      (values, errors, status) => renderEdit(reply, loaded, values, errors, status),
      body,
    );
  });

  app.post('/tasks/:id/complete', async (request, reply) => {
    const loaded = await loadTask(request);
    await app.db.transaction().execute((trx) => service.setTaskDone(trx, loaded.scope, loaded.task, true));
    return after(request, reply, loaded, `${loaded.task.title}: done.`);
  });

  app.post('/tasks/:id/reopen', async (request, reply) => {
    const loaded = await loadTask(request);
    await app.db.transaction().execute((trx) => service.setTaskDone(trx, loaded.scope, loaded.task, false));
    return after(request, reply, loaded, `${loaded.task.title} is open again.`);
  });

  app.post('/tasks/:id/delete', async (request, reply) => {
    const loaded = await loadTask(request);
    await app.db.transaction().execute((trx) => service.deleteTask(trx, loaded.scope, loaded.task));
    return after(request, reply, loaded, `${loaded.task.title} was deleted.`);
  });
};

export default tasksRoutes;
