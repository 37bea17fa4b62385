import { Readable } from 'node:stream';
import SQLite from 'better-sqlite3';
import type { FastifyReply } from 'fastify';
import type { CompiledQuery } from 'kysely';

export interface CsvColumn<R> {
  header: string;
  value: (row: R) => unknown;
  /** A stored UTC timestamp, written as the viewer's local "yyyy-mm-dd hh:mm" (spreadsheets read it as a date). */
  kind?: 'datetime';
}

const localFormats = new Map<string, Intl.DateTimeFormat>();
const LOCAL = { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } as const;

/** "2026-11-24 14:05" in the given zone, from an ISO timestamp; anything else unchanged. */
export function localDateTime(value: unknown, timeZone: string): unknown {
  if (typeof value !== 'string' || !value) return value;
  const t = Date.parse(value);
  if (Number.isNaN(t)) return value;
  let f = localFormats.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-CA', { ...LOCAL, timeZone });
    } catch {
      f = new Intl.DateTimeFormat('en-CA', { ...LOCAL, timeZone: 'UTC' });
    }
    localFormats.set(timeZone, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(t)) p[part.type] = part.value;
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/**
 * A cell a spreadsheet would run as a formula (=, +, -, @, tab or CR first) gets a leading
 * apostrophe, so it opens as text (OWASP "CSV injection"). Numbers pass unchanged.
 */
export function neutralizeCell(value: unknown): unknown {
  return typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/**
 * Streams a query's rows as CSV; every cell goes through neutralizeCell. The rows come from
 * their own read-only connection, one at a
 * time as the client reads, so memory stays flat and other requests are not held up.
 */
/**
 * A query's rows one at a time from a read-only connection of its own (a snapshot: exports do not
 * hold the app's connection while the client reads), so an export's memory stays flat at any size.
 */
export function* queryRows<R>(dbFile: string, query: CompiledQuery): Generator<R> {
  const conn = new SQLite(dbFile, { readonly: true, fileMustExist: true });
  conn.pragma('busy_timeout = 5000');
  try {
    yield* conn.prepare(query.sql).iterate(...(query.parameters as unknown[])) as IterableIterator<R>;
  } finally {
    conn.close();
  }
}

export async function sendCsv<R>(reply: FastifyReply, filename: string, dbFile: string, query: CompiledQuery, columns: CsvColumn<R>[], timeZone = 'UTC'): Promise<FastifyReply> {
  // Loaded on the first export, not at start-up.
  const { stringify } = await import('csv-stringify');
  const iterator = queryRows<R>(dbFile, query);
  function* rows() {
    yield columns.map((c) => c.header);
    for (const row of iterator) yield columns.map((c) => neutralizeCell((c.kind === 'datetime' ? localDateTime(c.value(row), timeZone) : c.value(row)) ?? ''));
  }
  const source = Readable.from(rows(), { objectMode: true, highWaterMark: 64 });
  const csv = stringify({ bom: true, record_delimiter: '\r\n' });
  source.on('error', (err) => csv.destroy(err));
  csv.on('close', () => source.destroy());
  reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .header('cache-control', 'no-store');
  return reply.send(source.pipe(csv));
}

/** A small table already in memory (a report's numbers) as CSV, cells neutralized like every export. */
export async function sendTableCsv(reply: FastifyReply, filename: string, head: string[], rows: unknown[][]): Promise<FastifyReply> {
  const { stringify } = await import('csv-stringify');
  const csv = stringify({ bom: true, record_delimiter: '\r\n' });
  reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .header('cache-control', 'no-store');
  for (const row of [head, ...rows]) csv.write(row.map((v) => neutralizeCell(v ?? '')));
  csv.end();
  return reply.send(csv);
}
