/**
 * The live bell under load (SPEC §8): opens N event streams (GET /events) against a running
 * server, measures the server's RSS before and after, then has one write reach every stream and
 * times how long until the last tab hears of it. Run from `npm run bench:http` (at the end).
 */
import http from 'node:http';
import fs from 'node:fs';

export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

interface Tab {
  events: string[];
  req: http.ClientRequest;
}

function open(base: string, cookie: string, onEvent: () => void): Promise<Tab> {
  const url = new URL('/events', base);
  return new Promise((resolve, reject) => {
    const tab: Tab = { events: [], req: null as unknown as http.ClientRequest };
    tab.req = http.get({ host: url.hostname, port: url.port, path: url.pathname, headers: { cookie }, agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`/events answered ${res.statusCode}`));
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          tab.events.push(buf.slice(0, i));
          buf = buf.slice(i + 2);
          onEvent();
        }
        if (tab.events.length === 1) resolve(tab);
      });
    });
    tab.req.on('error', reject);
  });
}

export async function measureStreams(opts: { base: string; cookie: string; pid: number; n?: number; poke: () => Promise<void> }): Promise<{ streams: number; rssBeforeMb: number; rssAfterMb: number; growthMb: number; fanOutMs: number }> {
  const n = opts.n ?? 200;
  await new Promise((r) => setTimeout(r, 6_000)); // let the server compact after the bench before
  const rssBeforeMb = rssMb(opts.pid);
  let heard = 0;
  let lastHeardAt = 0;
  const tabs: Tab[] = [];
  for (let i = 0; i < n; i++) {
    tabs.push(await open(opts.base, opts.cookie, () => {}));
  }
  await new Promise((r) => setTimeout(r, 3_000));
  const rssAfterMb = rssMb(opts.pid);
  const before = tabs.map((t) => t.events.length);
  const t0 = performance.now();
  await opts.poke();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${heard} of ${n} streams heard the change`)), 15_000);
    const check = setInterval(() => {
      heard = tabs.filter((t, i) => t.events.slice(before[i]).some((e) => e.startsWith('event: unread'))).length;
      if (heard === n) {
        lastHeardAt = performance.now();
        clearInterval(check);
        clearTimeout(timer);
        resolve();
      }
    }, 5);
  });
  for (const t of tabs) t.req.destroy();
  return { streams: n, rssBeforeMb: Math.round(rssBeforeMb), rssAfterMb: Math.round(rssAfterMb), growthMb: Math.round((rssAfterMb - rssBeforeMb) * 10) / 10, fanOutMs: Math.round(lastHeardAt - t0) };
}
