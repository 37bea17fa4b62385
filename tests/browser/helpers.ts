import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/http.js';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.js';
import type { Scope } from '../../src/lib/access.js';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createUser, withPasswordHash } from '../../src/features/users/users.service.js';
import { getSettings } from '../../src/features/settings/settings.queries.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface Served {
  base: string;
  dir: string;
  env: NodeJS.ProcessEnv;
  stop: () => Promise<void>;
}

/** Starts the compiled server on a fresh database, as `npm start` would. */
export async function startServer(extraEnv: Record<string, string> = {}, prepare?: (dbFile: string) => Promise<void>): Promise<Served> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-browser-'));
  if (prepare) await prepare(path.join(dir, 'orchard.db'));
  const port = await freePort();
  const env = {
    ...process.env,
    ORCHARD_DB: path.join(dir, 'orchard.db'),
    PORT: port,
    HOST: '127.0.0.1',
    ORCHARD_ADMIN_EMAIL: 'admin@orchard.test',
    ORCHARD_ADMIN_PASSWORD: 'admin-password-1',
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  const child: ChildProcess = spawn(process.execPath, ['dist/src/server.js'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  const until = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      /* starting */
    }
    if (Date.now() > until) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    dir,
    env,
    stop: async () => {
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function openBrowser(opts: { width?: number; height?: number } = {}): Promise<{ context: BrowserContext; page: Page; close: () => Promise<void> }> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium`);
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-chromium-'));
  const context = await chromium.launchPersistentContext(userDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    // 4xx answers (a refused sign-in, a 422 form) are logged by Chromium but are not page errors.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  (page as Page & { jsErrors: string[] }).jsErrors = errors;
  return {
    context,
    page,
    close: async () => {
      await context.close();
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}

export function jsErrors(page: Page): string[] {
  return (page as Page & { jsErrors?: string[] }).jsErrors ?? [];
}

export async function signIn(page: Page, base: string, email = 'admin@orchard.test', password = 'admin-password-1'): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
}

/** Screenshots go to screenshots/ (gitignored) when SCREENSHOTS=1, for looking at the pages. */
export async function shot(page: Page, name: string): Promise<void> {
  if (!process.env.SCREENSHOTS) return;
  fs.mkdirSync('screenshots', { recursive: true });
  await page.screenshot({ path: `screenshots/${name}.png`, fullPage: true });
}

/** The board, as tests see it: a column by its heading, a card by its title, a drag between columns. */
export const column = (page: Page, name: string) => page.locator(`.board-column:has(h2:text-is("${name}"))`);
export const columnCount = async (page: Page, name: string) => (await column(page, name).locator('.column-count').textContent())?.trim();
export const card = (page: Page, title: string) => page.locator(`.kanban-card:has(a.card-title:text-is("${title}"))`);

export async function drag(page: Page, title: string, to: string): Promise<void> {
  await page.waitForSelector('#board[data-ready="1"]');
  const from = await card(page, title).boundingBox();
  const target = await column(page, to).locator('.board-cards').boundingBox();
  if (!from || !target) throw new Error('nothing to drag');
  await page.mouse.move(from.x + from.width / 2, from.y + 20);
  await page.mouse.down();
  await page.mouse.move(from.x + from.width / 2 + 10, from.y + 30, { steps: 5 });
  await page.mouse.move(target.x + target.width / 2, target.y + 40, { steps: 15 });
  await page.mouse.move(target.x + target.width / 2, target.y + 45, { steps: 5 });
  await page.mouse.up();
}

/** A fresh database with the admin signIn() uses, and whatever `seed` adds as that admin — made before the server starts. */
export function withAdmin(seed: (db: Kysely<Database>, scope: Scope) => Promise<void>): (dbFile: string) => Promise<void> {
  return async (dbFile) => {
    const { db, sqlite } = openDatabase(dbFile);
    await migrateToLatest(db, sqlite);
    const admin = await withPasswordHash({ name: 'Admin Person', email: 'admin@orchard.test', password: 'admin-password-1', role: 'admin' as const });
    const id = await db.transaction().execute((trx) => createUser(trx, null, admin));
    await seed(db, { viewer: { id, name: 'Admin Person', email: 'admin@orchard.test', role: 'admin', timeZone: 'UTC', sessionId: '' }, ownOnly: false, settings: await getSettings(db) });
    await db.destroy();
  };
}
