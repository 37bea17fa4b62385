import chardet from 'chardet';
import iconv from 'iconv-lite';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { parse as parseStream } from 'csv-parse';

/**
 * Reading an uploaded CSV as real exports look (SPEC §9): UTF-8 with or without a BOM, UTF-16
 * (Excel's "Unicode text"), Windows-1252 / Latin-1 (older Excel, Outlook); comma, semicolon or
 * tab; quoted newlines; blank lines; ragged rows. What is not a CSV gets a sentence, not a trace.
 */

export const ENCODINGS = ['utf-8', 'windows-1252', 'iso-8859-1', 'utf-16le', 'utf-16be'] as const;
export type Encoding = (typeof ENCODINGS)[number];
export const DELIMITERS = [',', ';', '\t', '|'] as const;

export class NotCsvError extends Error {
  override name = 'NotCsvError';
}

/** The file's encoding: a BOM says it; else valid UTF-8 is UTF-8; else chardet tells UTF-16 without a BOM; else Windows-1252. */
export function detectEncoding(buf: Buffer): Encoding {
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return 'utf-8';
  if (buf[0] === 0xff && buf[1] === 0xfe) return 'utf-16le';
  if (buf[0] === 0xfe && buf[1] === 0xff) return 'utf-16be';
  const sample = buf.subarray(0, 256 * 1024);
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample.length < buf.length ? trimPartial(sample) : sample);
    return 'utf-8';
  } catch {
    const guess = (chardet.detect(sample) ?? '').toLowerCase();
    if (guess === 'utf-16le' || guess === 'utf-16be') return guess;
    // Latin-1 guesses read as Windows-1252, its superset (€, curly quotes, dashes from Excel and Outlook).
    return 'windows-1252';
  }
}

/** A sample cut inside a multi-byte character is still UTF-8: drop the last few bytes. */
function trimPartial(b: Buffer): Buffer {
  let end = b.length;
  while (end > 0 && end > b.length - 4 && (b[end - 1] & 0xc0) === 0x80) end--;
  if (end > 0 && b[end - 1] >= 0xc0) end--;
  return b.subarray(0, end);
}

export function decode(buf: Buffer, encoding: Encoding): string {
  const text = iconv.decode(buf, encoding);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The delimiter of the header line: the candidate found most often outside quotes. */
export function detectDelimiter(text: string): string {
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (let i = 0; i < text.length && i < 64 * 1024; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  const [best, n] = [...counts].sort((a, b) => b[1] - a[1])[0];
  return n > 0 ? best : ',';
}

export interface ParsedCsv {
  encoding: Encoding;
  delimiter: string;
  headers: string[];
  /** Each data row with its line number in the file (the header is line 1). */
  rows: { line: number; cells: string[] }[];
}

const PARSE_OPTIONS = { relax_column_count: true, relax_quotes: true, skip_empty_lines: true, skip_records_with_empty_values: true, info: true, trim: true } as const;
const NOT_CSV = 'This is not a CSV file. Save it as “CSV (comma delimited)” from your spreadsheet and upload that.';

/** The decoded text and its delimiter, after the checks that need the raw bytes. */
function prepare(buf: Buffer, encoding?: Encoding): { encoding: Encoding; text: string; delimiter: string } {
  if (!buf.length) throw new NotCsvError('The file is empty.');
  const enc = encoding ?? detectEncoding(buf);
  // A NUL in a single-byte or UTF-8 file means a binary file (a spreadsheet, an image, a zip).
  if (!enc.startsWith('utf-16') && buf.subarray(0, 64 * 1024).includes(0)) throw new NotCsvError(NOT_CSV);
  const text = decode(buf, enc);
  return { encoding: enc, text, delimiter: detectDelimiter(text) };
}

const notCsv = (e: unknown) => {
  const line = (e as { lines?: number }).lines;
  return new NotCsvError(`The file could not be read as CSV${line ? ` (near line ${line})` : ''}: check that it is a CSV export, not a spreadsheet file.`);
};

function checkHeaders(headers: string[]): void {
  if (!headers.some(Boolean)) throw new NotCsvError('The first line should name the columns (First name, Email, …), but it is empty.');
}

/** Parse a whole upload into memory (tests, small files). Throws NotCsvError with a sentence a user can act on. */
export function readCsv(buf: Buffer, encoding?: Encoding): ParsedCsv {
  const { encoding: enc, text, delimiter } = prepare(buf, encoding);
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { delimiter, ...PARSE_OPTIONS }) as never;
  } catch (e) {
    throw notCsv(e);
  }
  if (!records.length) throw new NotCsvError('The file has no rows.');
  const headers = records[0].record.map((h) => h.trim());
  checkHeaders(headers);
  return { encoding: enc, delimiter, headers, rows: records.slice(1).map((r) => ({ line: r.info.lines, cells: r.record })) };
}

/**
 * Parse an upload a chunk of rows at a time (csv-parse's stream, fed 64 KB at a time): the header
 * first, then `onRows` with up to `chunk` rows, awaited before more is parsed — so a 100,000-row
 * file never sits in memory as 100,000 parsed rows.
 */
export async function streamCsv(
  buf: Buffer,
  encoding: Encoding | undefined,
  onHeader: (csv: { encoding: Encoding; delimiter: string; headers: string[] }) => Promise<void>,
  onRows: (rows: { line: number; cells: string[] }[]) => Promise<void>,
  chunk = 1000,
): Promise<number> {
  const { encoding: enc, text, delimiter } = prepare(buf, encoding);
  const parser = parseStream({ delimiter, ...PARSE_OPTIONS });
  const source = Readable.from((function* () {
    for (let i = 0; i < text.length; i += 65536) yield text.slice(i, i + 65536);
  })());
  source.pipe(parser);
  let headers: string[] | null = null;
  let rows: { line: number; cells: string[] }[] = [];
  let total = 0;
  try {
    for await (const r of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!headers) {
        headers = r.record.map((h) => h.trim());
        checkHeaders(headers);
        await onHeader({ encoding: enc, delimiter, headers });
        continue;
      }
      rows.push({ line: r.info.lines, cells: r.record });
      total++;
      if (rows.length >= chunk) {
        await onRows(rows);
        rows = [];
      }
    }
  } catch (e) {
    source.destroy();
    if (e instanceof NotCsvError) throw e;
    if ((e as { code?: string }).code?.startsWith('CSV_')) throw notCsv(e);
    throw e;
  }
  if (!headers) throw new NotCsvError('The file has no rows.');
  if (rows.length) await onRows(rows);
  return total;
}
