import crypto from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { NotFoundError } from '../../lib/errors.js';
import { sha256 } from '../../lib/password.js';
import { utcToZoned } from '../../lib/time.js';
import { recordKind } from '../../lib/entities.js';
import { END_OF_DAY } from './tasks.service.js';
import { TASK_TYPE_LABELS } from './tasks.schemas.js';
import { openDatedTasksOf } from './tasks.queries.js';
import type { Trx } from '../../lib/writes.js';
import { record } from '../timeline/timeline.queries.js';
import { defaultTimeZone } from '../auth/sessions.queries.js';

/* ---------- The secret ---------- */

/** A new feed secret (256 bits, URL-safe); only its hash is stored. The old URL stops working. */
export async function setCalendarFeed(trx: Trx, userId: number, on: boolean): Promise<string | null> {
  const secret = on ? crypto.randomBytes(32).toString('base64url') : null;
  await trx.updateTable('users').set({ calendar_token_hash: secret ? sha256(secret) : null }).where('id', '=', userId).execute();
  await record(trx, { entityType: 'user', entityId: userId, action: on ? 'calendar_feed_on' : 'calendar_feed_off', userId });
  return secret;
}

const SECRET_FILE = /^([A-Za-z0-9_-]{43})\.ics$/;

/* ---------- iCalendar text (RFC 5545) ---------- */

/** TEXT values: backslash, semicolon, comma and newlines escaped (§3.3.11). */
const text = (v: string) => v.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r\n|\r|\n/g, '\\n');

/** Content lines fold at 75 octets, never inside a UTF-8 character (§3.1); lines end in CRLF. */
function fold(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch);
    if (octets + size > (out.length ? 74 : 75)) {
      out.push(current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  out.push(current);
  return out.join('\r\n ');
}

const stamp = (iso: string) => iso.replace(/[-:]/g, '').replace(/\.\d{3}/, '');
const day = (date: string) => date.replace(/-/g, '');
const nextDate = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
const PRIORITY: Record<string, number> = { high: 1, normal: 5, low: 9 };

type FeedTask = Awaited<ReturnType<typeof openDatedTasksOf>>[number];

/**
 * The feed: one VEVENT per open dated task. A task due at a time is a 30-minute event then; one
 * due "by the end of a day" (no time given) is an all-day event on that day in the user's zone.
 */
export function calendarFeed(tasks: FeedTask[], opts: { name: string; base: string; host: string; timeZone: string; now?: string }): string {
  const now = stamp(opts.now ?? new Date().toISOString());
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Orchard//Orchard CRM//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `X-WR-CALNAME:${text(`Orchard tasks · ${opts.name}`)}`,
    'REFRESH-INTERVAL;VALUE=DURATION:PT1H',
    'X-PUBLISHED-TTL:PT1H',
  ];
  for (const t of tasks) {
    const url = `${opts.base}/tasks/${t.id}`;
    const local = utcToZoned(t.due_at!, opts.timeZone);
    const noun = t.entity_type ? (recordKind(t.entity_type)?.noun ?? t.entity_type) : '';
    const about = t.entity_type ? `${noun[0].toUpperCase()}${noun.slice(1)}: ${t.related_name ?? ''}` : null;
    const description = [TASK_TYPE_LABELS[t.type], about, t.description, url].filter(Boolean).join('\n');
    lines.push('BEGIN:VEVENT', `UID:task-${t.id}@${opts.host}`, `DTSTAMP:${now}`);
    if (local.time === END_OF_DAY) lines.push(`DTSTART;VALUE=DATE:${day(local.date)}`, `DTEND;VALUE=DATE:${day(nextDate(local.date))}`);
    else lines.push(`DTSTART:${stamp(t.due_at!)}`, 'DURATION:PT30M');
    lines.push(
      `SUMMARY:${text(t.title)}`,
      `DESCRIPTION:${text(description)}`,
      `URL:${url}`,
      `PRIORITY:${PRIORITY[t.priority] ?? 5}`,
      `STATUS:${t.status === 'in_progress' ? 'CONFIRMED' : 'TENTATIVE'}`,
      'TRANSP:TRANSPARENT',
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return lines.map(fold).join('\r\n') + '\r\n';
}

/** `GET /calendar/<secret>.ics`: public (calendar apps send no cookie); the secret is the key. */
const calendarRoutes: FastifyPluginAsync = async (app) => {
  app.get('/calendar/:file', { config: { access: 'public' } }, async (request, reply) => {
    const m = SECRET_FILE.exec(String((request.params as { file?: unknown }).file ?? ''));
    if (!m) throw new NotFoundError();
    const user = await app.db
      .selectFrom('users')
      .select(['id', 'name', 'time_zone'])
      .where('calendar_token_hash', '=', sha256(m[1]))
      .where('is_active', '=', 1)
      .executeTakeFirst();
    if (!user) throw new NotFoundError();
    const base = (app.config.baseUrl ?? `${request.protocol}://${request.host}`).replace(/\/$/, '');
    const body = calendarFeed(await openDatedTasksOf(app.db, user.id), {
      name: user.name, base, host: new URL(base).host, timeZone: user.time_zone ?? (await defaultTimeZone(app.db)),
    });
    return reply
      .header('content-type', 'text/calendar; charset=utf-8')
      .header('content-disposition', 'inline; filename="orchard-tasks.ics"')
      .header('cache-control', 'private, max-age=300')
      .header('x-robots-tag', 'noindex')
      .send(body);
  });
};

export default calendarRoutes;
