import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { CookieJar } from 'tough-cookie';

/*
 * Ports for servers whose address must be known before they listen (apps that name each other
 * in their config). Asking the OS for port 0 and releasing it is racy: the kernel hands the same
 * ephemeral range to every outgoing connection (database, Redis, HTTP clients of other test
 * workers), so the released port can be taken before the app binds it. These ports come from
 * below the ephemeral range (Linux: 32768+), in a slice of their own per test worker, and are
 * checked free before they are handed out.
 */
const PORT_FLOOR = 20000;
const SLICE = 600;
const SLICES = 20;
const poolId = process.env.VITEST_POOL_ID; // unique among the workers running at once
const slice = (poolId ? Number(poolId) : process.pid) % SLICES;
let nextOffset = Math.floor(Math.random() * SLICE);

function canBind(port: number): Promise<boolean> {
  return new Promise((resolveBind) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolveBind(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolveBind(true)));
  });
}

/**
 * A free loopback port outside the ephemeral range. A process goes round its whole slice before it
 * offers a port again.
 */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < SLICE; tries += 1) {
    const port = PORT_FLOOR + slice * SLICE + (nextOffset % SLICE);
    nextOffset += 1;
    if (await canBind(port)) return port;
  }
  throw new Error(`no free port in ${PORT_FLOOR + slice * SLICE}..${PORT_FLOOR + (slice + 1) * SLICE - 1}`);
}

/** Listens on loopback and returns the base URL. */
export async function listen(app: FastifyInstance, port = 0): Promise<string> {
  await app.listen({ port, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('not listening on TCP');
  return `http://127.0.0.1:${address.port}`;
}

export interface HttpResponse {
  status: number;
  url: string;
  headers: Headers;
  text: string;
  /** Every URL visited, redirects included (first is the request). */
  chain: string[];
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  json?: unknown;
  body?: string;
  /** Follow redirects (default true), carrying cookies across hosts as a browser would. */
  follow?: boolean;
  maxRedirects?: number;
}

/**
 * A browser-like client for real-HTTP tests: a cookie jar (tough-cookie, so host-only and
 * path rules hold), manual redirect following, and the redirect chain for assertions.
 */
export class Browser {
  readonly jar = new CookieJar();

  async request(url: string, options: RequestOptions = {}): Promise<HttpResponse> {
    const chain: string[] = [];
    let current = url;
    let method = options.method ?? (options.form || options.json !== undefined ? 'POST' : 'GET');
    let body: string | undefined =
      options.body ??
      (options.form
        ? new URLSearchParams(options.form).toString()
        : options.json !== undefined
          ? JSON.stringify(options.json)
          : undefined);
    const headers: Record<string, string> = { accept: 'text/html', ...options.headers };
    if (options.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    if (options.json !== undefined) headers['content-type'] = 'application/json';
    for (let i = 0; ; i++) {
      chain.push(current);
      const cookie = await this.jar.getCookieString(current);
      const res = await fetch(current, {
        method,
        headers: { ...headers, ...(cookie ? { cookie } : {}) },
        ...(body !== undefined ? { body } : {}),
        redirect: 'manual',
      });
      for (const sc of res.headers.getSetCookie())
        await this.jar.setCookie(sc, current, { ignoreError: true });
      const location = res.headers.get('location');
      if (options.follow !== false && location && res.status >= 300 && res.status < 400) {
        if (i >= (options.maxRedirects ?? 20)) throw new Error(`too many redirects: ${chain.join(' -> ')}`);
        await res.arrayBuffer();
        current = new URL(location, current).toString();
        if (res.status !== 307 && res.status !== 308) {
          method = 'GET';
          body = undefined;
          delete headers['content-type'];
        }
        continue;
      }
      return { status: res.status, url: current, headers: res.headers, text: await res.text(), chain };
    }
  }

  get(url: string, options: Omit<RequestOptions, 'method'> = {}) {
    return this.request(url, { ...options, method: 'GET' });
  }

  post(url: string, form: Record<string, string>, options: Omit<RequestOptions, 'method' | 'form'> = {}) {
    return this.request(url, { ...options, method: 'POST', form });
  }

  async cookies(url: string) {
    return this.jar.getCookies(url);
  }
}

/** Pulls a hidden form field's value (e.g. `_csrf`) out of an HTML page. */
export function formField(html: string, name: string): string | undefined {
  const re = new RegExp(
    `<input[^>]*name="${name}"[^>]*value="([^"]*)"|<input[^>]*value="([^"]*)"[^>]*name="${name}"`,
  );
  const m = html.match(re);
  return m ? (m[1] ?? m[2]) : undefined;
}
