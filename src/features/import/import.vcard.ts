import ICAL from 'ical.js';
import VCard from 'vcf';
import libqp from 'libqp';
import iconv from 'iconv-lite';
import { decode, detectEncoding, NotCsvError, type Encoding } from './import.csv.js';
import { splitName } from './import.mapping.js';

/**
 * vCard files (SPEC §9) as import rows: each card becomes one row under the headers below, which
 * the contact importer maps by its usual aliases — so a .vcf gets the same mapping, preview,
 * duplicates choice, batches, summary and revert as a CSV.
 *
 * Parsing is left to maintained parsers: vCard 3.0 (Apple, Google) and 4.0 to ical.js (Mozilla's
 * RFC 6350 parser: folding, escapes, parameters); vCard 2.1 (Outlook), whose bare parameters
 * ("TEL;WORK;VOICE") ical.js refuses, to vcf, with quoted-printable values decoded by libqp in the
 * charset the property names (iconv-lite).
 */
export const VCARD_HEADERS = ['First Name', 'Last Name', 'E-mail Address', 'Phone', 'Organization', 'Job Title'];

export interface CardRow {
  line: number;
  cells: string[];
}

export function looksLikeVcard(fileName: string, buf: Buffer): boolean {
  if (/\.vcf$|\.vcard$/i.test(fileName)) return true;
  const head = buf.subarray(0, 512).toString('latin1').replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart();
  return /^BEGIN:VCARD/i.test(head);
}

type Value = string | string[] | undefined;
interface Prop {
  value: Value;
  params: Record<string, unknown>;
}

const first = (v: Value): string => (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).trim();
const typesOf = (params: Record<string, unknown>): string[] =>
  [params.type, params.TYPE].flat().filter((t): t is string => typeof t === 'string').flatMap((t) => t.toLowerCase().split(','));
/** The preferred of several (TYPE=pref, PREF=1, 2.1's bare PREF), else the first. */
function preferred(props: Prop[]): string {
  const pref = props.find((p) => typesOf(p.params).includes('pref') || p.params.pref !== undefined);
  return first((pref ?? props[0])?.value);
}

/** One card's fields, whichever parser read it. */
function toRow(get: (name: string) => Prop[]): string[] | null {
  const n = get('n')[0]?.value;
  const parts = Array.isArray(n) ? n : typeof n === 'string' ? n.split(';') : [];
  let last = (Array.isArray(parts[0]) ? parts[0][0] : parts[0] ?? '').trim();
  let given = (Array.isArray(parts[1]) ? parts[1][0] : parts[1] ?? '').trim();
  const fn = first(get('fn')[0]?.value);
  if (!last && !given && fn) ({ first: given, last } = (({ first: f, last: l }) => ({ first: f ?? '', last: l ?? '' }))(splitName(fn)));
  const org = get('org')[0]?.value;
  const orgName = (Array.isArray(org) ? org[0] : (org ?? '')).trim();
  let phone = preferred(get('tel'));
  if (phone.startsWith('tel:')) phone = phone.slice(4);
  const row = [given, last, preferred(get('email')), phone, orgName, first(get('title')[0]?.value)];
  return row.some(Boolean) ? row : null;
}

/** vCard 3.0 and 4.0 through ical.js. */
function readModern(text: string): string[] | null {
  const comp = new ICAL.Component(ICAL.parse(text) as unknown[]);
  return toRow((name) =>
    comp.getAllProperties(name).map((p) => {
      const values = p.getValues() as unknown[];
      const value = values.length > 1 ? values.map(String) : (values[0] as string | string[] | undefined);
      return { value: Array.isArray(value) ? value.map(String) : value === undefined ? undefined : String(value), params: p.toJSON()[1] as Record<string, unknown> };
    }),
  );
}

/** A quoted-printable value in the charset the property names (Outlook: often windows-1252). */
function unQp(value: string, charset: unknown): string {
  const bytes = libqp.decode(value);
  const cs = typeof charset === 'string' && iconv.encodingExists(charset) ? charset : 'utf-8';
  return iconv.decode(bytes, cs);
}

/** vCard 2.1 through vcf; quoted-printable soft line breaks joined before it unfolds the card. */
function readLegacy(text: string): string[] | null {
  const lines = text.split(/\r?\n/);
  const joined: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    if (/^[^:]*QUOTED-PRINTABLE[^:]*:/i.test(line)) while (line.endsWith('=') && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i];
    joined.push(line);
  }
  const card = new VCard().parse(joined.join('\r\n'));
  return toRow((name) => {
    const raw = card.get(name);
    const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    return list.map((p) => {
      const params = { ...p } as Record<string, unknown>;
      const qp = String(params.encoding ?? '').toUpperCase() === 'QUOTED-PRINTABLE';
      const plain = (v: string) => (qp ? unQp(v, params.charset) : v);
      let v = p.valueOf() as string | string[];
      // vcf leaves ORG whole; 2.1 separates the organisation from its units with ";".
      if (name === 'org' && typeof v === 'string') v = v.split(/(?<!\\);/);
      return { value: Array.isArray(v) ? v.map(plain) : plain(v), params };
    });
  });
}

/**
 * Every card of a .vcf as a row, with the line it starts on. A file with no card, or a card that
 * no parser can read, gets a message a user can act on (NotCsvError: the upload form shows it).
 */
export function readVcards(buf: Buffer, encoding?: Encoding): { encoding: Encoding; rows: CardRow[] } {
  if (!buf.length) throw new NotCsvError('The file is empty.');
  const enc = encoding ?? detectEncoding(buf);
  const text = decode(buf, enc);
  const rows: CardRow[] = [];
  const re = /BEGIN:VCARD[\s\S]*?END:VCARD/gi;
  let m: RegExpExecArray | null;
  let line = 1;
  let at = 0;
  while ((m = re.exec(text))) {
    line += (text.slice(at, m.index).match(/\n/g) ?? []).length;
    at = m.index;
    const card = m[0];
    const version = /^VERSION:\s*([\d.]+)/im.exec(card)?.[1] ?? '3.0';
    let cells: string[] | null;
    try {
      cells = version.startsWith('2') ? readLegacy(card) : readModern(card);
    } catch {
      throw new NotCsvError(`The vCard starting on line ${line} could not be read. Export the contacts again as vCard 3.0 or as CSV.`);
    }
    // A card with nothing we keep (a photo only) still counts as a row: the summary says why it was skipped.
    rows.push({ line, cells: cells ?? VCARD_HEADERS.map(() => '') });
  }
  if (!rows.length) throw new NotCsvError('This file has no vCards in it (no BEGIN:VCARD). Export your contacts as vCard or CSV and upload that.');
  return { encoding: enc, rows };
}

/* ---------- Export ---------- */

export interface ContactCard {
  id: number;
  first_name: string | null;
  last_name: string | null;
  position: string | null;
  email: string | null;
  phone: string | null;
  company_name: string | null;
}

/**
 * One contact as a vCard 3.0 card (ical.js writes the escapes and folding). 3.0 rather than 4.0:
 * it is the version every address book reads — Outlook and older phones import 3.0 but not 4.0,
 * while Apple Contacts and Google Contacts read both — and our fields (name, email, phone,
 * organisation, title) need nothing 4.0 added.
 */
export function contactCard(c: ContactCard): string {
  const card = new ICAL.Component(['vcard', [], []]);
  card.addPropertyWithValue('version', '3.0');
  card.addPropertyWithValue('prodid', '-//Orchard CRM//EN');
  card.addPropertyWithValue('uid', `orchard-contact-${c.id}`);
  const name = [c.first_name, c.last_name].filter(Boolean).join(' ');
  card.addPropertyWithValue('fn', name || c.email || 'Contact');
  const n = new ICAL.Property('n', card);
  n.setValue([c.last_name ?? '', c.first_name ?? '', '', '', ''] as never);
  card.addProperty(n);
  if (c.company_name) {
    const org = new ICAL.Property('org', card);
    org.setValue([c.company_name] as never); // structured: a ";" in the name is escaped, not a unit
    card.addProperty(org);
  }
  if (c.position) card.addPropertyWithValue('title', c.position);
  if (c.email) {
    const email = new ICAL.Property('email', card);
    email.setValue(c.email);
    email.setParameter('type', 'internet');
    card.addProperty(email);
  }
  if (c.phone) {
    const tel = new ICAL.Property('tel', card);
    tel.setValue(c.phone);
    tel.setParameter('type', 'work');
    card.addProperty(tel);
  }
  return `${card.toString()}\r\n`;
}
