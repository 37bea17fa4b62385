import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { LoginLimiter } from '../../src/features/auth/login-limiter.js';

export interface TestApp {
  app: FastifyInstance;
  dbFile: string;
  config: Config;
}

/** A real app on a fresh, migrated SQLite file; closed with the test. */
export async function buildTestApp(
  t: { teardown: (fn: () => unknown) => void },
  opts: { env?: Record<string, string>; limiter?: LoginLimiter } = {},
): Promise<TestApp> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-test-'));
  const dbFile = path.join(dir, 'orchard.db');
  const config = loadConfig({ ORCHARD_DB: dbFile, LOG_LEVEL: 'silent', ...opts.env });
  const { db, sqlite } = openDatabase(dbFile);
  await migrateToLatest(db, sqlite);
  const app = await buildApp({ config, db, sqlite, logger: false, loginLimiter: opts.limiter ?? new LoginLimiter() });
  await app.ready();
  t.teardown(async () => {
    await app.close();
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { app, dbFile, config };
}

/**
 * A browser-like client over app.inject: keeps cookies, and sends the CSRF token of the last page
 * it loaded with every form it posts.
 */
export class Client {
  cookies = new Map<string, string>();
  csrf = '';

  constructor(public readonly app: FastifyInstance) {}

  cookieHeaderForTests(): string {
    return this.cookieHeader();
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private absorb(res: LightMyRequestResponse): void {
    for (const c of res.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      const expired = c.maxAge === 0 || (c.expires && c.expires.getTime() < Date.now()) || c.value === '';
      if (expired) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    const m = /<meta name="csrf-token" content="([^"]*)"/.exec(res.body);
    if (m) this.csrf = m[1];
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const res = await this.app.inject({ method: 'GET', url, headers: { cookie: this.cookieHeader(), ...headers } });
    this.absorb(res);
    return res;
  }

  /** Posts a urlencoded form; `_csrf` is added unless the caller passes `csrf: false`. */
  async post(
    url: string,
    form: Record<string, string | number | string[]> = {},
    opts: { csrf?: boolean; headers?: Record<string, string> } = {},
  ): Promise<LightMyRequestResponse> {
    if (opts.csrf !== false && !this.csrf) await this.get('/login');
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) {
      if (Array.isArray(v)) v.forEach((x) => params.append(k, x));
      else params.append(k, String(v));
    }
    if (opts.csrf !== false) params.set('_csrf', this.csrf);
    const res = await this.app.inject({
      method: 'POST',
      url,
      payload: params.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookieHeader(), ...opts.headers },
    });
    this.absorb(res);
    return res;
  }
}

/** Posts a multipart form with one file (an upload), with the CSRF token like a browser form. */
export async function postFile(
  client: Client,
  url: string,
  fields: Record<string, string>,
  file: { field?: string; name: string; content: Buffer | string; type?: string } | null,
  opts: { csrf?: boolean } = {},
): Promise<LightMyRequestResponse> {
  if (opts.csrf !== false && !client.csrf) await client.get('/login');
  const boundary = `----orchard${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  const all = opts.csrf === false ? fields : { _csrf: client.csrf, ...fields };
  for (const [k, v] of Object.entries(all)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  if (file) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'file'}"; filename="${file.name}"\r\nContent-Type: ${file.type ?? 'text/csv'}\r\n\r\n`));
    parts.push(Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content));
    parts.push(Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  const res = await client.app.inject({ method: 'POST', url, payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, cookie: client.cookieHeaderForTests() } });
  return res;
}

/** Signs in through the real login form and returns a client holding the session. */
export async function loginAs(app: FastifyInstance, user: { email: string; password: string }): Promise<Client> {
  const client = new Client(app);
  await client.get('/login');
  const res = await client.post('/login', { email: user.email, password: user.password });
  if (res.statusCode !== 303) throw new Error(`login as ${user.email} failed: ${res.statusCode}`);
  await client.get('/');
  return client;
}
