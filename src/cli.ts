#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { backupTo, integrityCheck, isServerRunning, noteBackup, restoreFrom } from './db/backup.js';
import { serve } from './server.js';
import { createUser, withPasswordHash } from './features/users/users.service.js';
import { userCreateSchema } from './features/users/users.schemas.js';
import { fieldErrorsFrom } from './lib/forms.js';
import { seedDemo } from './seed/demo.js';
import { scaled, seedVolume } from './seed/volume.js';
import { countUsers } from './features/users/users.queries.js';

const USAGE = `Usage: orchard <command>

  serve                      run the server (same as npm start)
  migrate                    apply pending migrations (backs up a database with data first)
  backup <file>              write a consistent copy of the database, safe while serving
  restore <file>             replace the database with <file> (server must be stopped)
  user create --name N --email E --password P [--role admin|manager|rep]
  seed --demo                add a demo team and demo records
  seed --size large|<factor> add synthetic volume (SPEC §15 Large = 1) for benchmarks
`;

async function withDb<T>(fn: (o: ReturnType<typeof openDatabase>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const opened = openDatabase(config.dbPath);
  try {
    await migrateToLatest(opened.db, opened.sqlite);
    return await fn(opened);
  } finally {
    await opened.db.destroy();
  }
}

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const config = loadConfig();
  switch (command) {
    case 'serve':
      await serve(config);
      return -1;
    case 'migrate': {
      const { db, sqlite } = openDatabase(config.dbPath);
      try {
        const r = await migrateToLatest(db, sqlite);
        if (r.backupFile) console.log(`Backup written to ${r.backupFile}`);
        console.log(r.applied.length ? `Applied: ${r.applied.join(', ')}` : 'Database is up to date.');
      } finally {
        await db.destroy();
      }
      return 0;
    }
    case 'backup': {
      const target = rest[0];
      if (!target) throw new UsageError('backup needs a target file: orchard backup <file>');
      await backupTo(config.dbPath, target);
      const check = integrityCheck(target);
      noteBackup(config.dbPath, target);
      console.log(`Backup written to ${target} (integrity: ${check})`);
      return check === 'ok' ? 0 : 1;
    }
    case 'restore': {
      const source = rest[0];
      if (!source) throw new UsageError('restore needs a backup file: orchard restore <file>');
      if (isServerRunning(config.dbPath)) {
        console.error('orchard: a server is running on this database. Stop it first, then restore.');
        return 1;
      }
      restoreFrom(source, config.dbPath);
      console.log(`Restored ${config.dbPath} from ${source}.`);
      return 0;
    }
    case 'user': {
      if (rest[0] !== 'create') throw new UsageError('Try: orchard user create --name … --email … --password …');
      const { values } = parseArgs({
        args: rest.slice(1),
        options: { name: { type: 'string' }, email: { type: 'string' }, password: { type: 'string' }, role: { type: 'string', default: 'rep' } },
      });
      const parsed = userCreateSchema.safeParse(values);
      if (!parsed.success) {
        const errs = fieldErrorsFrom(parsed.error);
        throw new UsageError(Object.entries(errs).map(([k, v]) => `--${k}: ${v}`).join('\n'));
      }
      await withDb(async ({ db }) => {
        const user = await withPasswordHash(parsed.data);
        const id = await db.transaction().execute((trx) => createUser(trx, null, user));
        console.log(`Created ${parsed.data.role} ${parsed.data.email} (id ${id}).`);
      });
      return 0;
    }
    case 'seed': {
      const { values } = parseArgs({ args: rest, options: { demo: { type: 'boolean' }, size: { type: 'string' } } });
      if (!values.demo && !values.size) throw new UsageError('Try: orchard seed --demo, or orchard seed --size large (or a factor like 0.1)');
      await withDb(async ({ db, sqlite }) => {
        if (values.demo) for (const line of await seedDemo(db)) console.log(line);
        if (values.size) {
          const factor = values.size === 'large' ? 1 : Number(values.size);
          if (!(factor > 0 && factor <= 10)) throw new UsageError('--size takes "large" or a factor between 0 and 10');
          if ((await countUsers(db)) === 0) await seedDemo(db);
          seedVolume(sqlite, scaled(factor), (label, done, total) => {
            process.stdout.write(`\r  ${label.padEnd(10)} ${'#'.repeat(Math.round((done / total) * 30)).padEnd(30, '.')} ${done}/${total}`);
            if (done === total) process.stdout.write('\n');
          });
        }
      });
      return 0;
    }
    default:
      process.stdout.write(USAGE);
      return command ? 1 : 0;
  }
}

class UsageError extends Error {}

run(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    if (err instanceof ConfigError || err instanceof UsageError) console.error(`orchard: ${err.message}`);
    else console.error(`orchard: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
