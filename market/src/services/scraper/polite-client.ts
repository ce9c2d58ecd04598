/**
 * The scraper's HTTP client: polite by construction. Every request (listing pages, images,
 * robots.txt) goes through one gate per host that allows at most `concurrency` requests in
 * flight and spaces their starts by the delay (or the site's robots.txt Crawl-delay, if
 * longer); each carries our user agent and a timeout; failures that may pass (network errors,
 * timeouts, 408, 429, 5xx) are retried with exponential back-off; bodies are size-capped; and
 * nothing robots.txt disallows for our user agent is ever fetched.
 */

import { lazyRequire } from '@rose-ash/shared/infrastructure/lazy.ts';
import { readCapped } from '@rose-ash/shared/infrastructure/read-capped.ts';

/** What we use of robots-parser (its types declare an ES default export; it is a CommonJS function). */
interface RobotsRules {
  isAllowed(url: string, ua?: string): boolean | undefined;
  getCrawlDelay(ua?: string): number | undefined;
}
/** robots-parser, loaded with the first robots.txt a scrape reads. */
const robotsParser = lazyRequire<(url: string, contents: string) => RobotsRules>(
  'robots-parser',
  import.meta.url,
);

export interface PoliteClientOptions {
  userAgent: string;
  delayMs: number;
  /** Requests in flight per host (1–2). */
  concurrency: number;
  timeoutMs: number;
  retries: number;
  /** Injected in tests; defaults to the global fetch. */
  fetch?: typeof globalThis.fetch;
  /** Waits between attempts (tests shorten nothing; the fixture server is local). */
  sleep?: (ms: number) => Promise<void>;
}

/** A request that failed for good (after its retries), or was refused before it was sent. */
export class FetchError extends Error {
  readonly url: string;
  readonly status: number | null;

  constructor(url: string, message: string, status: number | null = null) {
    super(message);
    this.name = 'FetchError';
    this.url = url;
    this.status = status;
  }
}

/** robots.txt forbids our user agent this URL: it was not requested. */
export class DisallowedError extends FetchError {
  constructor(url: string) {
    super(url, 'robots.txt disallows this URL for our user agent; not fetched');
    this.name = 'DisallowedError';
  }
}

export interface FetchedBody {
  url: string;
  status: number;
  contentType: string;
  body: Buffer;
  /** Set on a redirect (which `get` follows). */
  location?: string;
}

/** At most `concurrency` at once, starts spaced by `delayMs`. */
class HostGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private nextStart = 0;
  delayMs: number;
  private readonly concurrency: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(concurrency: number, delayMs: number, sleep: (ms: number) => Promise<void>) {
    this.concurrency = concurrency;
    this.delayMs = delayMs;
    this.sleep = sleep;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active < this.concurrency) this.active += 1;
    // A finishing request hands its place straight to the next in line.
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      const now = Date.now();
      const start = Math.max(now, this.nextStart);
      this.nextStart = start + this.delayMs;
      if (start > now) await this.sleep(start - now);
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}

const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Redirects followed for one request. */
const MAX_REDIRECTS = 5;
const MAX_BACKOFF_MS = 30_000;
/** Robots files larger than this are cut (Google reads 500 KiB). */
const ROBOTS_MAX_BYTES = 500 * 1024;

type Robots = RobotsRules;

export interface PoliteClient {
  /** GETs `url` (robots.txt permitting), retrying what may pass; throws FetchError for good. */
  get(url: string, maxBytes: number, accept?: string): Promise<FetchedBody>;
  /** Whether robots.txt lets us fetch `url` (fetches and caches the host's robots.txt). */
  isAllowed(url: string): Promise<boolean>;
}

export function createPoliteClient(options: PoliteClientOptions): PoliteClient {
  const doFetch = options.fetch ?? globalThis.fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const gates = new Map<string, HostGate>();
  const robots = new Map<string, Promise<Robots | 'allow-all'>>();

  const gateOf = (url: URL) => {
    let gate = gates.get(url.host);
    if (!gate) {
      gate = new HostGate(options.concurrency, options.delayMs, sleep);
      gates.set(url.host, gate);
    }
    return gate;
  };

  /** One attempt, through the host's gate. */
  async function attempt(url: URL, maxBytes: number, accept: string): Promise<FetchedBody> {
    return gateOf(url).run(async () => {
      let res: Response;
      try {
        res = await doFetch(url, {
          headers: { 'user-agent': options.userAgent, accept },
          // Followed by `get`, so robots.txt and the host's gate apply to every hop.
          redirect: 'manual',
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (err) {
        const reason =
          (err as Error).name === 'TimeoutError'
            ? `timed out after ${options.timeoutMs} ms`
            : (err as Error).message;
        throw new RetryableError(url.href, reason, null);
      }
      const location = res.headers.get('location');
      if (REDIRECTS.has(res.status) && location) {
        await res.body?.cancel();
        return { url: url.href, status: res.status, contentType: '', body: Buffer.alloc(0), location };
      }
      if (RETRYABLE.has(res.status)) {
        await res.body?.cancel();
        throw new RetryableError(url.href, `HTTP ${res.status}`, res.status, retryAfterMs(res));
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw new FetchError(url.href, `HTTP ${res.status}`, res.status);
      }
      let body: Buffer;
      try {
        body = await readCappedBody(res, maxBytes);
      } catch (err) {
        if (err instanceof FetchError) throw err;
        throw new RetryableError(url.href, (err as Error).message, null);
      }
      return {
        url: res.url || url.href,
        status: res.status,
        contentType: res.headers.get('content-type') ?? '',
        body,
      };
    });
  }

  async function withRetries(url: URL, maxBytes: number, accept: string): Promise<FetchedBody> {
    for (let n = 0; ; n++) {
      try {
        return await attempt(url, maxBytes, accept);
      } catch (err) {
        if (!(err instanceof RetryableError) || n >= options.retries) {
          if (err instanceof RetryableError) {
            throw new FetchError(err.url, `${err.message} (after ${n + 1} attempts)`, err.status);
          }
          throw err;
        }
        const backoff = Math.min(MAX_BACKOFF_MS, Math.max(100, options.delayMs) * 2 ** n);
        await sleep(Math.max(backoff, err.retryAfterMs ?? 0));
      }
    }
  }

  function robotsOf(url: URL): Promise<Robots | 'allow-all'> {
    let pending = robots.get(url.origin);
    if (!pending) {
      const robotsUrl = new URL('/robots.txt', url.origin);
      pending = withRetries(robotsUrl, ROBOTS_MAX_BYTES, 'text/plain')
        .then((res) => {
          const parsed = robotsParser()(robotsUrl.href, res.body.toString('utf8'));
          // A Crawl-delay longer than ours is honoured (up to a minute).
          const crawlDelay = parsed.getCrawlDelay(options.userAgent);
          const gate = gateOf(url);
          if (crawlDelay) gate.delayMs = Math.max(gate.delayMs, Math.min(60_000, crawlDelay * 1000));
          return parsed;
        })
        .catch((err: unknown) => {
          // No robots.txt (4xx) means everything is allowed; a server error is not a permission.
          if (err instanceof FetchError && err.status !== null && err.status >= 400 && err.status < 500)
            return 'allow-all' as const;
          throw err;
        });
      robots.set(url.origin, pending);
    }
    return pending;
  }

  async function isAllowed(raw: string): Promise<boolean> {
    const url = new URL(raw);
    const rules = await robotsOf(url);
    if (rules === 'allow-all') return true;
    return rules.isAllowed(url.href, options.userAgent) !== false;
  }

  return {
    isAllowed,
    async get(raw, maxBytes, accept = 'text/html,application/xhtml+xml') {
      let next = raw;
      for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
        let url: URL;
        try {
          url = new URL(next);
        } catch {
          throw new FetchError(next, 'not a URL');
        }
        if (url.protocol !== 'http:' && url.protocol !== 'https:')
          throw new FetchError(next, 'not an http(s) URL');
        if (!(await isAllowed(url.href))) throw new DisallowedError(url.href);
        const res = await withRetries(url, maxBytes, accept);
        if (!res.location) return res;
        next = new URL(res.location, url).href;
      }
      throw new FetchError(raw, `more than ${MAX_REDIRECTS} redirects`);
    },
  };
}

class RetryableError extends FetchError {
  readonly retryAfterMs: number | null;

  constructor(url: string, message: string, status: number | null, retryAfterMs: number | null = null) {
    super(url, message, status);
    this.retryAfterMs = retryAfterMs;
  }
}

function retryAfterMs(res: Response): number | null {
  const value = res.headers.get('retry-after');
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.min(MAX_BACKOFF_MS, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.min(MAX_BACKOFF_MS, Math.max(0, date - Date.now()));
}

/** The body, refusing (without reading on) anything over `maxBytes`. */
function readCappedBody(res: Response, maxBytes: number): Promise<Buffer> {
  return readCapped(
    res,
    maxBytes,
    (declared) =>
      new FetchError(res.url, `larger than ${maxBytes} bytes${declared === null ? '' : ` (${declared})`}`),
  );
}
