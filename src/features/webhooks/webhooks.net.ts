import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

/**
 * Outgoing webhook requests and the SSRF guard: a webhook URL may not reach this server's own
 * network (loopback, private, link-local, carrier-grade NAT, unspecified, IPv6 unique-local)
 * unless ORCHARD_WEBHOOK_ALLOW_PRIVATE is set. The address is checked when the URL is saved and
 * again at the connection itself (the agents' lookup), so a name that later resolves inward is
 * refused too.
 */
const PRIVATE = new net.BlockList();
for (const [addr, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) PRIVATE.addSubnet(addr, prefix, 'ipv4');
for (const [addr, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) PRIVATE.addSubnet(addr, prefix, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1], 'ipv4');
  const family = net.isIP(address);
  if (!family) return true;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export class BlockedAddressError extends Error {}

/** Why a URL cannot be a webhook's, or null. Names are resolved at send time (and checked there). */
export function urlProblem(raw: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'Enter a full URL like https://example.com/hooks/orchard.';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'Use an http:// or https:// URL.';
  if (url.username || url.password) return 'Leave user names and passwords out of the URL: each request is signed instead.';
  if (allowPrivate) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost') || (net.isIP(host) && isPrivateAddress(host))) {
    return 'This address is on the server’s own network, which webhooks may not reach (an admin can allow it with ORCHARD_WEBHOOK_ALLOW_PRIVATE).';
  }
  return null;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/** dns.lookup that refuses private answers (both the single and the `all` forms the socket may ask for). */
function guardedLookup(hostname: string, options: dns.LookupOptions, callback: LookupCallback): void {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '', 4);
    const list = addresses as dns.LookupAddress[];
    const bad = list.find((a) => isPrivateAddress(a.address));
    if (bad) return callback(new BlockedAddressError(`${hostname} resolves to ${bad.address}, on the server’s own network`), '', 4);
    if (options.all) return callback(null, list);
    callback(null, list[0].address, list[0].family);
  });
}

export interface PostResult {
  status: number;
  body: string;
}

/** Keep-alive agents, one pair per guard setting: many deliveries to one receiver reuse connections. */
const agents = new Map<boolean, { http: http.Agent; https: https.Agent }>();
function agentsFor(allowPrivate: boolean) {
  let a = agents.get(allowPrivate);
  if (!a) {
    const opts = { keepAlive: true, maxSockets: 32, ...(allowPrivate ? {} : { lookup: guardedLookup as never }) };
    a = { http: new http.Agent(opts), https: new https.Agent(opts) };
    agents.set(allowPrivate, a);
  }
  return a;
}

/** POST a JSON body; resolves with the status and the first KB of the answer, rejects on network errors and the timeout. */
export function postJson(rawUrl: string, body: string, headers: Record<string, string>, opts: { timeoutMs: number; allowPrivate: boolean }): Promise<PostResult> {
  return new Promise((resolve, reject) => {
    const problem = urlProblem(rawUrl, opts.allowPrivate);
    if (problem) return reject(new BlockedAddressError(problem));
    const url = new URL(rawUrl);
    const a = agentsFor(opts.allowPrivate);
    const req = (url.protocol === 'https:' ? https : http).request(
      url,
      { method: 'POST', agent: url.protocol === 'https:' ? a.https : a.http, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body).toString(), 'user-agent': 'Orchard-Webhooks/1', ...headers }, timeout: opts.timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < 1024) chunks.push(c);
          size += c.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8').slice(0, 1024) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`No answer within ${opts.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
