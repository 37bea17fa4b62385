import { sql, type Kysely } from 'kysely';

/**
 * Deal dynamics, conversion and sales performance (SPEC §10) at 200,000 deals and 100,000 leads,
 * for any period of up to a year and more, under 200 ms p99: counters kept by triggers.
 *
 * - Each history row (deal_stage_history, lead_status_history) now carries what it means for the
 *   reports, worked out once when it is written: `first_entry` (the record had never been in
 *   that stage/status before — so a funnel counts a record once per step, even if it comes back)
 *   and, for deals, `stay_seconds` (how long the deal sat in the stage it left — velocity).
 * - deal_move_days / lead_move_days: moves per UTC day, from → to (0: created there) and the
 *   record's *current* assignee, with the first entries and the stays summed. A period in the
 *   CRM's zone reads its whole UTC days here and the few hours at each end from the history
 *   rows' created_at index (reports.rules periodSums) — exact in any zone. A few thousand rows
 *   instead of ~190,000 history rows joined to their deals.
 * - Keyed by the current assignee (not who owned the deal when it moved), so a rep's figures and
 *   `own` visibility cover exactly the records that are theirs now: reassigning a deal or lead
 *   moves its few history rows' counts to the new owner; deleting one takes them out (BEFORE the
 *   delete, while its history rows are still there to be read).
 * - deal_closed_days gains `close_days`: Σ days from creation (its UTC date) to the close date,
 *   for "average days to close" per rep.
 * History rows are append-only in the app. A seed that backdates one moves its counts to the new
 * day (its first_entry and stay stay as computed); the demo writes its deals' histories in order.
 */
const moveKinds = [
  { history: 'deal_stage_history', counter: 'deal_move_days', owner: 'deals', fk: 'deal_id', from: 'from_stage_id', to: 'to_stage_id', stays: true },
  { history: 'lead_status_history', counter: 'lead_move_days', owner: 'leads', fk: 'lead_id', from: 'from_status_id', to: 'to_status_id', stays: false },
] as const;

export async function up(db: Kysely<any>): Promise<void> {
  for (const k of moveKinds) {
    if (k.stays) await sql.raw(`alter table ${k.history} add column stay_seconds integer`).execute(db);
    await sql.raw(`alter table ${k.history} add column first_entry integer not null default 0`).execute(db);
    await sql.raw(`
      create table ${k.counter} (
        day text not null,
        ${k.from} integer not null,
        ${k.to} integer not null,
        assigned_to integer not null default 0,
        moves integer not null default 0,
        firsts integer not null default 0
        ${k.stays ? ', stays integer not null default 0, stay_seconds integer not null default 0' : ''},
        primary key (day, ${k.from}, ${k.to}, assigned_to)
      ) without rowid`).execute(db);
    // The few hours at each end of a period, and the backfill below.
    await sql.raw(`create index ${k.history}_created on ${k.history} (created_at)`).execute(db);

    const cols = `day, ${k.from}, ${k.to}, assigned_to, moves, firsts${k.stays ? ', stays, stay_seconds' : ''}`;
    const sums = (h: string) => `count(*), total(${h}.first_entry)${k.stays ? `, count(${h}.stay_seconds), total(${h}.stay_seconds)` : ''}`;
    const upsert = `on conflict (day, ${k.from}, ${k.to}, assigned_to) do update set moves = moves + excluded.moves, firsts = firsts + excluded.firsts${k.stays ? ', stays = stays + excluded.stays, stay_seconds = stay_seconds + excluded.stay_seconds' : ''}`;
    const key = (h: string) => `substr(${h}.created_at, 1, 10), coalesce(${h}.${k.from}, 0), ${h}.${k.to}`;
    // Add a record's history rows (all, or one) under an assignee.
    const addRows = (where: string, assignee: string) =>
      `insert into ${k.counter} (${cols}) select ${key('h')}, coalesce(${assignee}, 0), ${sums('h')} from ${k.history} h where ${where} group by 1, 2, 3 ${upsert};`;
    const subtractRows = (where: string, assignee: string) => `
      update ${k.counter} as m set moves = m.moves - s.moves, firsts = m.firsts - s.firsts${k.stays ? ', stays = m.stays - s.stays, stay_seconds = m.stay_seconds - s.secs' : ''}
      from (select substr(h.created_at, 1, 10) as day, coalesce(h.${k.from}, 0) as f, h.${k.to} as t, count(*) as moves, total(h.first_entry) as firsts${k.stays ? ', count(h.stay_seconds) as stays, total(h.stay_seconds) as secs' : ''}
            from ${k.history} h where ${where} group by day, f, t) s
      where m.day = s.day and m.${k.from} = s.f and m.${k.to} = s.t and m.assigned_to = coalesce(${assignee}, 0);`;

    await sql.raw(`
      create trigger ${k.history}_moves_ai after insert on ${k.history} begin
        update ${k.history} set
          first_entry = not exists (select 1 from ${k.history} p where p.${k.fk} = new.${k.fk} and p.id < new.id and p.${k.to} = new.${k.to})
          ${k.stays ? `, stay_seconds = (select cast(round((julianday(new.created_at) - julianday(p.created_at)) * 86400) as integer) from ${k.history} p where p.${k.fk} = new.${k.fk} and p.id < new.id order by p.id desc limit 1)` : ''}
        where id = new.id;
        ${addRows('h.id = new.id', `(select o.assigned_to from ${k.owner} o where o.id = new.${k.fk})`)}
      end`).execute(db);
    // Only rows removed on their own: a record's delete has taken its rows out already (below).
    await sql.raw(`
      create trigger ${k.history}_moves_ad after delete on ${k.history} when exists (select 1 from ${k.owner} o where o.id = old.${k.fk}) begin
        update ${k.counter} set moves = moves - 1, firsts = firsts - old.first_entry${k.stays ? ', stays = stays - (old.stay_seconds is not null), stay_seconds = stay_seconds - coalesce(old.stay_seconds, 0)' : ''}
        where day = substr(old.created_at, 1, 10) and ${k.from} = coalesce(old.${k.from}, 0) and ${k.to} = old.${k.to}
          and assigned_to = coalesce((select o.assigned_to from ${k.owner} o where o.id = old.${k.fk}), 0);
      end`).execute(db);
    // Backdating a row (seeds) moves its counts to its new day; its stay is as first computed.
    await sql.raw(`
      create trigger ${k.history}_moves_au after update of created_at on ${k.history} begin
        update ${k.counter} set moves = moves - 1, firsts = firsts - old.first_entry${k.stays ? ', stays = stays - (old.stay_seconds is not null), stay_seconds = stay_seconds - coalesce(old.stay_seconds, 0)' : ''}
        where day = substr(old.created_at, 1, 10) and ${k.from} = coalesce(old.${k.from}, 0) and ${k.to} = old.${k.to}
          and assigned_to = coalesce((select o.assigned_to from ${k.owner} o where o.id = new.${k.fk}), 0);
        ${addRows('h.id = new.id', `(select o.assigned_to from ${k.owner} o where o.id = new.${k.fk})`)}
      end`).execute(db);
    await sql.raw(`
      create trigger ${k.owner}_moves_owner after update of assigned_to on ${k.owner} when coalesce(old.assigned_to, 0) <> coalesce(new.assigned_to, 0) begin
        ${subtractRows(`h.${k.fk} = old.id`, 'old.assigned_to')}
        ${addRows(`h.${k.fk} = new.id`, 'new.assigned_to')}
      end`).execute(db);
    await sql.raw(`
      create trigger ${k.owner}_moves_bd before delete on ${k.owner} begin
        ${subtractRows(`h.${k.fk} = old.id`, 'old.assigned_to')}
      end`).execute(db);

    // Backfill: each row's meaning, then the counters.
    await sql.raw(`
      update ${k.history} as h set first_entry = (h.id = x.first_id)
      from (select ${k.fk} as r, ${k.to} as t, min(id) as first_id from ${k.history} group by 1, 2) x
      where x.r = h.${k.fk} and x.t = h.${k.to}`).execute(db);
    if (k.stays)
      await sql.raw(`
        update ${k.history} as h set stay_seconds = x.secs
        from (select id, cast(round((julianday(created_at) - julianday(lag(created_at) over (partition by ${k.fk} order by id))) * 86400) as integer) as secs from ${k.history}) x
        where x.id = h.id and x.secs is not null`).execute(db);
    await sql.raw(`
      insert into ${k.counter} (${cols})
      select ${key('h')}, coalesce(o.assigned_to, 0), ${sums('h')} from ${k.history} h join ${k.owner} o on o.id = h.${k.fk} group by 1, 2, 3, 4`).execute(db);
  }

  // Average days to close, per close day, stage and assignee (the triggers of migration 2300, plus close_days).
  await sql`alter table deal_closed_days add column close_days integer not null default 0`.execute(db);
  for (const t of ['deals_closed_days_ai', 'deals_closed_days_ad', 'deals_closed_days_au']) await sql.raw(`drop trigger if exists ${t}`).execute(db);
  const days = (r: string) => `max(0, cast(round(julianday(${r}.actual_close_date) - julianday(substr(${r}.created_at, 1, 10))) as integer))`;
  const addClosed = sql.raw(`
    insert into deal_closed_days (day, stage_id, assigned_to, deals, value_cents, close_days)
    select new.actual_close_date, new.stage_id, coalesce(new.assigned_to, 0), 1, coalesce(new.value_cents, 0), ${days('new')} where new.actual_close_date is not null
    on conflict (day, stage_id, assigned_to) do update set deals = deals + 1, value_cents = value_cents + excluded.value_cents, close_days = close_days + excluded.close_days;`);
  const removeClosed = sql.raw(`
    update deal_closed_days set deals = deals - 1, value_cents = value_cents - coalesce(old.value_cents, 0), close_days = close_days - ${days('old')}
    where old.actual_close_date is not null and day = old.actual_close_date and stage_id = old.stage_id and assigned_to = coalesce(old.assigned_to, 0);`);
  await sql`create trigger deals_closed_days_ai after insert on deals begin ${addClosed} end`.execute(db);
  await sql`create trigger deals_closed_days_ad after delete on deals begin ${removeClosed} end`.execute(db);
  await sql`create trigger deals_closed_days_au after update of actual_close_date, stage_id, assigned_to, value_cents, created_at on deals begin ${removeClosed} ${addClosed} end`.execute(db);
  await sql`delete from deal_closed_days`.execute(db);
  await sql.raw(`
    insert into deal_closed_days (day, stage_id, assigned_to, deals, value_cents, close_days)
    select actual_close_date, stage_id, coalesce(assigned_to, 0), count(*), coalesce(sum(value_cents), 0), total(${days('deals')}) from deals where actual_close_date is not null group by 1, 2, 3`).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const k of moveKinds) {
    for (const t of [`${k.history}_moves_ai`, `${k.history}_moves_ad`, `${k.history}_moves_au`, `${k.owner}_moves_owner`, `${k.owner}_moves_bd`]) await sql.raw(`drop trigger if exists ${t}`).execute(db);
    await sql.raw(`drop table if exists ${k.counter}`).execute(db);
    await sql.raw(`drop index if exists ${k.history}_created`).execute(db);
    await sql.raw(`alter table ${k.history} drop column first_entry`).execute(db);
    if (k.stays) await sql.raw(`alter table ${k.history} drop column stay_seconds`).execute(db);
  }
  for (const t of ['deals_closed_days_ai', 'deals_closed_days_ad', 'deals_closed_days_au']) await sql.raw(`drop trigger if exists ${t}`).execute(db);
  await sql`alter table deal_closed_days drop column close_days`.execute(db);
  const addClosed = sql.raw(`
    insert into deal_closed_days (day, stage_id, assigned_to, deals, value_cents)
    select new.actual_close_date, new.stage_id, coalesce(new.assigned_to, 0), 1, coalesce(new.value_cents, 0) where new.actual_close_date is not null
    on conflict (day, stage_id, assigned_to) do update set deals = deals + 1, value_cents = value_cents + excluded.value_cents;`);
  const removeClosed = sql.raw(`
    update deal_closed_days set deals = deals - 1, value_cents = value_cents - coalesce(old.value_cents, 0)
    where old.actual_close_date is not null and day = old.actual_close_date and stage_id = old.stage_id and assigned_to = coalesce(old.assigned_to, 0);`);
  await sql`create trigger deals_closed_days_ai after insert on deals begin ${addClosed} end`.execute(db);
  await sql`create trigger deals_closed_days_ad after delete on deals begin ${removeClosed} end`.execute(db);
  await sql`create trigger deals_closed_days_au after update of actual_close_date, stage_id, assigned_to, value_cents on deals begin ${removeClosed} ${addClosed} end`.execute(db);
}
