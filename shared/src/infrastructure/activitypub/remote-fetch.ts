import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { AppConfig } from '../../config/index.ts';
import { readCapped } from '../read-capped.ts';

/** Limits applied to every request we make to another server. */
export interface RemoteFetchOptions {
  /** Loopback and private addresses are refused unless this is true (tests, or AP_ALLOW_PRIVATE_ADDRESSES in development). */
  allowPrivateAddress: boolean;
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  userAgent: string;
}

export class RemoteFetchError extends Error {
  /** The remote's status when it answered, else null (refused, network error, timeout). */
  readonly status: number | null;
  readonly retryAfter: string | null;
  /** Set when the guard refused the request: the address it resolved to. */
  readonly refusedAddress: string | null;

  constructor(
    message: string,
    status: number | null = null,
    retryAfter: string | null = null,
    refusedAddress: string | null = null,
  ) {
    super(message);
    this.status = status;
    this.retryAfter = retryAfter;
    this.refusedAddress = refusedAddress;
    this.name = 'RemoteFetchError';
  }
}

/**
 * Private and loopback addresses are reachable in test mode (`NODE_ENV=test`: tests run their
 * "remote servers" on 127.0.0.1) and in development behind AP_ALLOW_PRIVATE_ADDRESSES=true (a
 * Mastodon on the same machine). Production never allows them, whatever else is set.
 */
export function remoteFetchOptions(config: AppConfig): RemoteFetchOptions {
  return {
    allowPrivateAddress: config.activityPub.allowPrivateAddresses && !config.isProduction,
    timeoutMs: 10_000,
    maxBytes: 1024 * 1024,
    maxRedirects: 3,
    userAgent: `rose-ash/0.1 (+${config.apps.federation.publicUrl}/)`,
  };
}

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** True when an IP literal is loopback, private, link-local or otherwise not public. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    const mapped = address.toLowerCase().match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/);
    if (mapped?.[1]) return blocked.check(mapped[1], 'ipv4');
    // The unspecified address; checked by hand because a `::/128` subnet also matches IPv4.
    if (address === '::') return true;
    return blocked.check(address, 'ipv6');
  }
  return true;
}

/** Refuses URLs that are not http(s) or that resolve to a non-public address. */
export async function assertPublicUrl(url: URL, options: RemoteFetchOptions): Promise<void> {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new RemoteFetchError(`refusing ${url.protocol} URL`);
  }
  if (options.allowPrivateAddress) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  if (addresses.length === 0) throw new RemoteFetchError(`refusing ${url.host}: it resolves to no address`);
  const refused = addresses.find(isPrivateAddress);
  if (refused) {
    throw new RemoteFetchError(
      `refusing ${url.host}: ${refused} is a private or loopback address (allowed only in tests, and in development with AP_ALLOW_PRIVATE_ADDRESSES=true)`,
      null,
      null,
      refused,
    );
  }
}

export interface RemoteResponse {
  status: number;
  url: string;
  headers: Headers;
  body: string;
}

/**
 * `fetch` with the guard, a time limit and a size limit; redirects are followed by hand so each
 * hop is checked. `sign` (optional) signs each request just before it is sent.
 */
export async function remoteFetch(
  input: string,
  init: { method?: string; headers?: Record<string, string>; body?: string },
  options: RemoteFetchOptions,
  sign?: (request: Request) => Promise<Request>,
): Promise<RemoteResponse> {
  let url = new URL(input);
  for (let hop = 0; ; hop++) {
    await assertPublicUrl(url, options);
    let request = new Request(url, {
      method: init.method ?? 'GET',
      headers: { 'user-agent': options.userAgent, ...init.headers },
      ...(init.body !== undefined ? { body: init.body } : {}),
      redirect: 'manual',
    });
    if (sign) request = await sign(request);
    let response: Response;
    try {
      response = await fetch(request, { signal: AbortSignal.timeout(options.timeoutMs) });
    } catch (err) {
      throw new RemoteFetchError(`${url.host}: ${(err as Error).message}`);
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location && (init.method ?? 'GET') === 'GET') {
      await response.body?.cancel();
      if (hop >= options.maxRedirects) throw new RemoteFetchError(`${url.host}: too many redirects`);
      url = new URL(location, url);
      continue;
    }
    const body = await readLimited(response, options.maxBytes);
    return { status: response.status, url: url.href, headers: response.headers, body };
  }
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  const body = await readCapped(
    response,
    maxBytes,
    () => new RemoteFetchError(`response larger than ${maxBytes} bytes`, response.status),
  );
  return body.toString('utf8');
}

const AS_ACCEPT =
  'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"';

/** GETs an ActivityStreams document (signed when `sign` is given) and parses it. */
export async function fetchActivityDocument(
  uri: string,
  options: RemoteFetchOptions,
  sign?: (request: Request) => Promise<Request>,
): Promise<{ url: string; document: Record<string, unknown> }> {
  const response = await remoteFetch(uri, { headers: { accept: AS_ACCEPT } }, options, sign);
  if (response.status < 200 || response.status >= 300) {
    throw new RemoteFetchError(`GET ${uri} answered ${response.status}`, response.status);
  }
  let document: unknown;
  try {
    document = JSON.parse(response.body);
  } catch {
    throw new RemoteFetchError(`GET ${uri}: not JSON`, response.status);
  }
  if (!document || typeof document !== 'object' || Array.isArray(document)) {
    throw new RemoteFetchError(`GET ${uri}: not a JSON object`, response.status);
  }
  return { url: response.url, document: document as Record<string, unknown> };
}
