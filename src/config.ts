import path from 'node:path';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const emptyAsUndefined = (v: unknown) => (v === '' ? undefined : v);

export const configSchema = z
  .object({
    PORT: z.preprocess(emptyAsUndefined, z.coerce.number({ message: 'must be a port number from 0 to 65535' }).int('must be a whole number').min(0, 'must be from 0 to 65535').max(65535, 'must be from 0 to 65535').default(3000)),
    HOST: z.preprocess(emptyAsUndefined, z.string().min(1).default('0.0.0.0')),
    ORCHARD_DB: z.preprocess(emptyAsUndefined, z.string().min(1).default('./data/orchard.db')),
    ORCHARD_ADMIN_EMAIL: z.preprocess(emptyAsUndefined, z.string().email().optional()),
    ORCHARD_ADMIN_PASSWORD: z.preprocess(emptyAsUndefined, z.string().min(10, 'must be at least 10 characters').optional()),
    ORCHARD_BASE_URL: z.preprocess(emptyAsUndefined, z.string().url().optional()),
    LOG_LEVEL: z.preprocess(emptyAsUndefined, z.enum(LOG_LEVELS).default('info')),
    ORCHARD_TRUST_PROXY: z.preprocess(emptyAsUndefined, z.enum(['true', 'false', '1', '0'], { message: 'must be true or false' }).default('false')),
    NODE_ENV: z.preprocess(emptyAsUndefined, z.string().default('production')),
    ORCHARD_API_RATE_PER_MINUTE: z.preprocess(emptyAsUndefined, z.coerce.number({ message: 'must be a whole number of requests' }).int('must be a whole number of requests').min(1, 'must be at least 1').max(100_000, 'must be at most 100000').default(600)),
    ORCHARD_IMPORT_MAX_MB: z.preprocess(emptyAsUndefined, z.coerce.number({ message: 'must be a number of megabytes' }).positive('must be more than 0').max(2048, 'must be at most 2048').default(50)),
    ORCHARD_WEBHOOK_ALLOW_PRIVATE: z.preprocess(emptyAsUndefined, z.enum(['true', 'false', '1', '0'], { message: 'must be true or false' }).default('false')),
    ORCHARD_WEBHOOK_TIMEOUT_MS: z.preprocess(emptyAsUndefined, z.coerce.number({ message: 'must be a number of milliseconds' }).int('must be a whole number').min(100, 'must be at least 100').max(60_000, 'must be at most 60000').default(10_000)),
    ORCHARD_WEBHOOK_RETRY_SCALE: z.preprocess(emptyAsUndefined, z.coerce.number({ message: 'must be a number' }).min(0, 'must be 0 or more').max(10, 'must be at most 10').default(1)),
  })
  .refine((c) => Boolean(c.ORCHARD_ADMIN_EMAIL) === Boolean(c.ORCHARD_ADMIN_PASSWORD), {
    message: 'set both ORCHARD_ADMIN_EMAIL and ORCHARD_ADMIN_PASSWORD, or neither',
    path: ['ORCHARD_ADMIN_PASSWORD'],
  });

export interface Config {
  port: number;
  host: string;
  dbPath: string;
  adminEmail: string | null;
  adminPassword: string | null;
  baseUrl: string | null;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Believe X-Forwarded-For (only behind a reverse proxy: clients could otherwise fake their IP). */
  trustProxy: boolean;
  secureCookies: boolean;
  isDev: boolean;
  /** The largest CSV or vCard file an import accepts. */
  importMaxBytes: number;
  /** API requests per token (or, without one, per IP) per minute; past it, 429. */
  apiRatePerMinute: number;
  /** Webhook URLs on loopback and private networks are refused unless this is set (SSRF). */
  webhookAllowPrivate: boolean;
  webhookTimeoutMs: number;
  /** Scales the retry delays (tests shrink a day of retries to milliseconds). */
  webhookRetryScale: number;
}

export class ConfigError extends Error {}

/** The only place that reads process.env. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0] ?? 'environment');
    const value = env[name];
    throw new ConfigError(
      `Invalid ${name}${value !== undefined && !/PASSWORD/.test(name) ? ` ("${value}")` : ''}: ${issue.message}`,
    );
  }
  const c = parsed.data;
  return {
    port: c.PORT,
    host: c.HOST,
    dbPath: c.ORCHARD_DB === ':memory:' ? c.ORCHARD_DB : path.resolve(c.ORCHARD_DB),
    adminEmail: c.ORCHARD_ADMIN_EMAIL ?? null,
    adminPassword: c.ORCHARD_ADMIN_PASSWORD ?? null,
    baseUrl: c.ORCHARD_BASE_URL ?? null,
    logLevel: c.LOG_LEVEL,
    trustProxy: c.ORCHARD_TRUST_PROXY === 'true' || c.ORCHARD_TRUST_PROXY === '1',
    secureCookies: (c.ORCHARD_BASE_URL ?? '').startsWith('https://'),
    isDev: c.NODE_ENV === 'development',
    importMaxBytes: Math.round(c.ORCHARD_IMPORT_MAX_MB * 1024 * 1024),
    apiRatePerMinute: c.ORCHARD_API_RATE_PER_MINUTE,
    webhookAllowPrivate: c.ORCHARD_WEBHOOK_ALLOW_PRIVATE === 'true' || c.ORCHARD_WEBHOOK_ALLOW_PRIVATE === '1',
    webhookTimeoutMs: c.ORCHARD_WEBHOOK_TIMEOUT_MS,
    webhookRetryScale: c.ORCHARD_WEBHOOK_RETRY_SCALE,
  };
}
