import fs from 'node:fs';
import SQLite from 'better-sqlite3';

/**
 * A consistent copy while the server writes: `VACUUM INTO` reads one snapshot (a WAL read
 * transaction, which writers do not disturb) in a single pass — unlike the online backup API,
 * which restarts whenever another connection writes and so never finished on a busy file. The
 * copy is written under a temporary name and takes the target's name only after it passes
 * `integrity_check`, so a failed or interrupted backup never leaves a file that looks whole.
 */
export async function backupTo(sourceFile: string, target: string): Promise<void> {
  const tmp = `${target}.partial-${process.pid}`;
  fs.rmSync(tmp, { force: true });
  const src = new SQLite(sourceFile, { readonly: true, fileMustExist: true });
  src.pragma('busy_timeout = 5000');
  try {
    src.prepare('VACUUM INTO ?').run(tmp);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  } finally {
    src.close();
  }
  const check = integrityCheck(tmp);
  if (check !== 'ok') {
    fs.rmSync(tmp, { force: true });
    throw new Error(`the backup copy fails the integrity check: ${check}`);
  }
  fs.renameSync(tmp, target);
}

export function integrityCheck(file: string): string {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check).join('; ');
  } finally {
    db.close();
  }
}

/**
 * True while another connection holds the database open for writing. A running server keeps a
 * WAL read transaction briefly at most, so we probe with an exclusive lock instead: the server
 * takes a lock file beside the database while it serves.
 */
export function serverLockFile(dbFile: string): string {
  return dbFile + '.server.lock';
}

export function isServerRunning(dbFile: string): boolean {
  const lock = serverLockFile(dbFile);
  if (!fs.existsSync(lock)) return false;
  const pid = Number(fs.readFileSync(lock, 'utf8').trim());
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Replaces the database with a checked copy of `from`; the caller made sure no server runs. */
export function restoreFrom(from: string, dbFile: string): void {
  const result = integrityCheck(from);
  if (result !== 'ok') throw new Error(`${from} fails the integrity check: ${result}`);
  for (const suffix of ['-wal', '-shm']) fs.rmSync(dbFile + suffix, { force: true });
  const tmp = dbFile + '.restoring';
  fs.copyFileSync(from, tmp);
  fs.renameSync(tmp, dbFile);
}

/** The security log notes each backup; a file not yet migrated that far is simply not noted. */
export function noteBackup(dbFile: string, target: string): void {
  try {
    const db = new SQLite(dbFile, { fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      db.prepare("insert into security_events (kind, ip, detail, created_at) values ('backup', 'command line', ?, ?)").run(`to ${target}`.slice(0, 500), new Date().toISOString());
    } finally {
      db.close();
    }
  } catch {
    /* the backup itself succeeded; the note is best effort */
  }
}
