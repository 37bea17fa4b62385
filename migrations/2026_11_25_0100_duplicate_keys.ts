import { sql, type Kysely } from 'kysely';

/**
 * The duplicate finder (SPEC §9) groups records by normalized keys: lower-cased email, the last
 * nine digits of a phone (so "+49 30 1234567" and "030 1234567" meet), a name without case,
 * punctuation or legal suffix, and a website's bare domain. Each key is a VIRTUAL generated column
 * with its own partial index, so finding groups walks an index (GROUP BY on the key) instead of
 * comparing records pairwise, and every write path keeps the keys without knowing of them.
 */
const digits = (col: string) =>
  `replace(replace(replace(replace(replace(replace(replace(replace(${col}, ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', ''), '/', ''), char(9), '')`;
const phoneKey = (col: string) => `case when length(${digits(col)}) >= 7 then substr(${digits(col)}, -9) end`;
const emailKey = (col: string) => `nullif(lower(trim(${col})), '')`;
/** Lower case, punctuation out, runs of spaces made one. */
const plain = (expr: string) =>
  `nullif(trim(replace(replace(replace(replace(replace(replace(replace(lower(${expr}), '.', ' '), ',', ' '), '&', ' and '), '''', ''), '"', ''), '   ', ' '), '  ', ' ')), '')`;
const SUFFIXES = ['inc', 'llc', 'ltd', 'limited', 'gmbh', 'ag', 'corp', 'corporation', 'co', 'sa', 'bv', 'plc', 'srl', 'oy', 'ab'];
/** A company name without one trailing legal form ("Acme Inc." and "ACME" meet). */
const companyName = (base: string) =>
  `case ${SUFFIXES.map((s) => `when ${base} like '% ${s}' then trim(substr(${base}, 1, length(${base}) - ${s.length + 1}))`).join(' ')} else ${base} end`;
/** "https://www.Example.com/about" → "example.com". */
const domain = (col: string) => {
  const bare = `replace(replace(lower(trim(${col})), 'https://', ''), 'http://', '')`;
  const noWww = `case when ${bare} like 'www.%' then substr(${bare}, 5) else ${bare} end`;
  return `nullif(case when instr(${noWww}, '/') > 0 then substr(${noWww}, 1, instr(${noWww}, '/') - 1) else ${noWww} end, '')`;
};

const KEYS: [table: string, column: string, expr: string][] = [
  ['companies', 'dup_name_base', plain('name')],
  ['companies', 'dup_name', companyName('dup_name_base')],
  ['companies', 'dup_phone', phoneKey('phone')],
  ['companies', 'dup_domain', domain('website')],
  ['contacts', 'dup_email', emailKey('email')],
  ['contacts', 'dup_phone', phoneKey('phone')],
  ['contacts', 'dup_name', plain(`coalesce(first_name, '') || ' ' || coalesce(last_name, '')`)],
  ['customers', 'dup_name', plain('name')],
  ['customers', 'dup_phone', phoneKey('phone')],
  ['leads', 'dup_name', plain('contact_name')],
  ['leads', 'dup_phone', phoneKey('contact_phone')],
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const [table, column, expr] of KEYS) {
    await sql.raw(`alter table ${table} add column ${column} text generated always as (${expr}) virtual`).execute(db);
    if (column !== 'dup_name_base') await sql.raw(`create index ${table}_${column} on ${table} (${column}) where ${column} is not null`).execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [table, column] of [...KEYS].reverse()) {
    await sql.raw(`drop index if exists ${table}_${column}`).execute(db);
    await sql.raw(`alter table ${table} drop column ${column}`).execute(db);
  }
}
