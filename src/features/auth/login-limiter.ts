/**
 * Counts failed sign-ins per IP and per account in a sliding window. Only failures count, so a
 * team behind one office IP is not locked out by normal use. In memory: one process serves.
 */
export interface LimiterOptions {
  windowMs: number;
  maxPerIp: number;
  maxPerAccount: number;
  /** Each failure on an account before the next answer waits this much longer (capped at 2 s). */
  slowdownMs?: number;
}

export class LoginLimiter {
  private failures = new Map<string, number[]>();

  constructor(private readonly opts: LimiterOptions = { windowMs: 15 * 60_000, maxPerIp: 30, maxPerAccount: 5, slowdownMs: 250 }) {}

  /** How long to hold a failed answer: it grows with the account's recent failures. */
  slowdown(email: string, now = Date.now()): number {
    const failures = this.recent(`acct:${email.toLowerCase()}`, now).length;
    return Math.min(2000, (this.opts.slowdownMs ?? 0) * Math.max(0, failures - 1));
  }

  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => now - t < this.opts.windowMs);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  /** Seconds to wait before another try, or 0 when allowed. */
  retryAfter(ip: string, email: string, now = Date.now()): number {
    const checks: [string, number][] = [
      [`ip:${ip}`, this.opts.maxPerIp],
      [`acct:${email.toLowerCase()}`, this.opts.maxPerAccount],
    ];
    let wait = 0;
    for (const [key, max] of checks) {
      const list = this.recent(key, now);
      if (list.length >= max) wait = Math.max(wait, Math.ceil((list[0] + this.opts.windowMs - now) / 1000));
    }
    return wait;
  }

  fail(ip: string, email: string, now = Date.now()): void {
    for (const key of [`ip:${ip}`, `acct:${email.toLowerCase()}`]) {
      this.failures.set(key, [...this.recent(key, now), now]);
    }
    if (this.failures.size > 50_000) this.failures.clear();
  }

  succeed(email: string): void {
    this.failures.delete(`acct:${email.toLowerCase()}`);
  }
}
