import type { Kysely } from 'kysely';
import type SQLite from 'better-sqlite3';
import type { Database, Role } from './db/schema.js';
import type { Config } from './config.js';
import type { Scope } from './lib/access.js';

export interface Viewer {
  id: number;
  name: string;
  email: string;
  role: Role;
  timeZone: string;
  sessionId: string;
  /** Rows per list page this user chose; absent: the CRM default. */
  pageSize?: number | null;
  /** Signs in with a second factor (TOTP). */
  twoFactor?: boolean;
}

/** Who may reach a route: anyone, any signed-in user, or the listed roles. */
export type Access = 'public' | 'user' | Role[];

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<Database>;
    sqlite: SQLite.Database;
    config: Config;
    setupToken: string | null;
    routeList: { method: string; url: string }[];
    /** The live bell's event streams (features/notifications/notifications.events). */
    events: import('./features/notifications/notifications.events.js').EventHub;
  }
  interface FastifyRequest {
    viewer: Viewer | null;
    /** Viewer and settings, computed once per request (plugins/session). */
    scope: Scope | null;
    /** Set when a personal API token, not a session, signed the request in. */
    apiToken: { id: number; scope: 'read' | 'write' } | null;
    /** Where the database stood when the request came in (lib/figure-cache), for the caches the guard reads through; undefined: not taken. */
    dbStamp: string | null | undefined;
  }
  interface FastifyReply {
    locals: Record<string, unknown>;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
}
