import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '../../lib/errors.js';
import { asFormBody, parseForm, submitForm, type FormBody } from '../../lib/forms.js';
import { idParam, redirectAfterPost, wantsFragment } from '../../lib/http.js';
import { RECORD_KINDS, recordKind, recordUrl } from '../../lib/entities.js';
import type { Scope } from '../../lib/access.js';
import { scopeOf } from '../../plugins/session.js';
import { TASK_PARENTS, taskPanel } from './tasks.panel.js';
import * as q from './tasks.queries.js';
import * as service from './tasks.service.js';
import { taskFormSchema } from './tasks.schemas.js';

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
    if (parent && task.entity_id && wantsFragment(request, 'tasks-panel')) return panel(reply, scope, task.entity_type!, task.entity_id, parent.path);
    reply.flash('success', message);
    return redirectAfterPost(request, reply, task.entity_type && task.entity_id ? recordUrl(task.entity_type, task.entity_id) : '/');
  };

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
