import { sql, type Kysely } from 'kysely';

/**
 * Deal dynamics and conversion over a year read ~13,000 per-day move counters at Large (4–5 ms a
 * request; the conversion page two such reads). Monthly rollups of those counters — a few
 * hundred rows a year — serve the whole UTC months inside a period; the per-day counters serve
 * the days before the first and after the last whole month, and the history rows the hours at
 * each end (reports.rules splitByMonths, periodSums). Kept by triggers on the day counters, so
 * every path that keeps the days keeps the months.
 */
const kinds = [
  { days: 'deal_move_days', months: 'deal_move_months', from: 'from_stage_id', to: 'to_stage_id', sums: ['moves', 'firsts', 'stays', 'stay_seconds'] },
  { days: 'lead_move_days', months: 'lead_move_months', from: 'from_status_id', to: 'to_status_id', sums: ['moves', 'firsts'] },
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const k of kinds) {
    const key = `${k.from}, ${k.to}, assigned_to`;
    await sql.raw(`
      create table ${k.months} (
        month text not null,
        ${k.from} integer not null,
        ${k.to} integer not null,
        assigned_to integer not null default 0,
        ${k.sums.map((s) => `${s} integer not null default 0`).join(', ')},
        primary key (month, ${key})
      ) without rowid`).execute(db);
    const add = (row: string, sign: string) => `
      insert into ${k.months} (month, ${key}, ${k.sums.join(', ')})
      values (substr(${row}.day, 1, 7), ${row}.${k.from}, ${row}.${k.to}, ${row}.assigned_to, ${k.sums.map((s) => `${sign}${row}.${s}`).join(', ')})
      on conflict (month, ${key}) do update set ${k.sums.map((s) => `${s} = ${s} + excluded.${s}`).join(', ')};`;
    await sql.raw(`create trigger ${k.days}_months_ai after insert on ${k.days} begin ${add('new', '')} end`).execute(db);
    await sql.raw(`create trigger ${k.days}_months_ad after delete on ${k.days} begin ${add('old', '-')} end`).execute(db);
    await sql.raw(`create trigger ${k.days}_months_au after update on ${k.days} begin ${add('old', '-')} ${add('new', '')} end`).execute(db);
    await sql.raw(`
      insert into ${k.months} (month, ${key}, ${k.sums.join(', ')})
      select substr(day, 1, 7), ${key}, ${k.sums.map((s) => `total(${s})`).join(', ')} from ${k.days} group by 1, 2, 3, 4`).execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const k of kinds) {
    for (const t of ['ai', 'ad', 'au']) await sql.raw(`drop trigger if exists ${k.days}_months_${t}`).execute(db);
    await sql.raw(`drop table if exists ${k.months}`).execute(db);
  }
}
