import { sql, type Kysely } from 'kysely';

/**
 * Webhooks (SPEC §12): an admin's subscriptions (URL, events, a signing secret, active), the
 * outbox of events written in the same transaction as the change that caused them, and one
 * delivery per event and subscriber that the delivery worker sends, retries and logs. Deliveries
 * are rows, so a restart picks up where the last process stopped.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table webhooks (
      id integer primary key autoincrement,
      url text not null,
      description text,
      events text not null,
      secret text not null,
      is_active integer not null default 1,
      created_by integer references users (id) on delete set null,
      version integer not null default 1,
      created_at text not null,
      updated_at text not null
    )`.execute(db);
  await sql`
    create table webhook_events (
      id integer primary key autoincrement,
      msg_id text not null unique,
      type text not null,
      payload text not null,
      created_at text not null
    )`.execute(db);
  await sql`
    create table webhook_deliveries (
      id integer primary key autoincrement,
      webhook_id integer not null references webhooks (id) on delete cascade,
      event_id integer not null references webhook_events (id) on delete cascade,
      status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
      attempts integer not null default 0,
      next_attempt_at text not null,
      last_attempt_at text,
      response_code integer,
      response_body text,
      error text,
      delivered_at text,
      created_at text not null
    )`.execute(db);
  // The worker's queue: due deliveries in order; a webhook's log, newest first.
  await sql`create index webhook_deliveries_due on webhook_deliveries (next_attempt_at, id) where status = 'pending'`.execute(db);
  await sql`create index webhook_deliveries_log on webhook_deliveries (webhook_id, id)`.execute(db);
  await sql`create index webhook_deliveries_event on webhook_deliveries (event_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['webhook_deliveries', 'webhook_events', 'webhooks']) await sql.raw(`drop table if exists ${t}`).execute(db);
}
