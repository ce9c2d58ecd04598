/**
 * A supplier's website on loopback, for the market's scrapers: serves a folder of fixture
 * files (listing pages, images, robots.txt) as a small shop would, and records what it was
 * asked — every request with its user agent, and the most requests it ever had in flight at
 * once (each answer is held back a little, so requests that overlap are seen overlapping).
 * Tests change pages in place (a price, a removed item) and make it fail (500s). `pnpm dev`
 * runs it too, so a new user can press "Run now" and watch a scrape.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, relative, sep } from 'node:path';

export interface SupplierSiteRequest {
  path: string;
  userAgent: string;
  status: number;
}

export interface SupplierSite {
  /** `http://127.0.0.1:<port>` (or the host asked for). */
  url: string;
  /** Every request, in arrival order. */
  readonly requests: SupplierSiteRequest[];
  /** The most requests in flight at the same time so far. */
  readonly maxInFlight: number;
  /** Files by URL path (`/catalogue/` for catalogue/index.html); edit to change the site. */
  readonly files: Map<string, Buffer>;
  /** A page's text, to edit: `site.setPage(p, site.page(p).replace('£1.80', '£1.95'))`. */
  page(path: string): string;
  setPage(path: string, html: string): void;
  /** Answers `from` with a 301 to `to`. */
  redirect(from: string, to: string): void;
  /** Answers every request (or the next `times`) with `status` until `recover()`. */
  failWith(status: number, times?: number): void;
  recover(): void;
  /** Forgets the request log and the in-flight maximum. */
  resetLog(): void;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.css': 'text/css',
};

export async function startSupplierSite(options: {
  fixturesDir: string;
  port?: number;
  host?: string;
  /** Milliseconds each answer is held back (default 15), so overlapping requests overlap. */
  latencyMs?: number;
}): Promise<SupplierSite> {
  const files = new Map<string, Buffer>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name !== 'README.md') {
        const path = `/${relative(options.fixturesDir, full).split(sep).join('/')}`;
        files.set(
          path.endsWith('/index.html') ? path.slice(0, -'index.html'.length) : path,
          readFileSync(full),
        );
      }
    }
  };
  walk(options.fixturesDir);

  const requests: SupplierSiteRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let failing: { status: number; left: number } | null = null;
  const redirects = new Map<string, string>();
  const latency = options.latencyMs ?? 15;

  const server: Server = createServer((req, res) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const finish = (status: number, body: Buffer | string, type = 'text/plain; charset=utf-8') => {
      requests.push({ path, userAgent: String(req.headers['user-agent'] ?? ''), status });
      setTimeout(() => {
        inFlight -= 1;
        res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
        res.end(body);
      }, latency);
    };
    if (failing && failing.left > 0) {
      failing.left -= 1;
      finish(failing.status, 'Internal Server Error');
      return;
    }
    const target = redirects.get(path);
    if (target) {
      requests.push({ path, userAgent: String(req.headers['user-agent'] ?? ''), status: 301 });
      setTimeout(() => {
        inFlight -= 1;
        res.writeHead(301, { location: target, 'content-length': 0 });
        res.end();
      }, latency);
      return;
    }
    const file = files.get(path);
    if (!file) {
      finish(404, 'Not Found');
      return;
    }
    finish(200, file, TYPES[extname(path) || '.html'] ?? 'application/octet-stream');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    files,
    page(path) {
      const file = files.get(path);
      if (!file) throw new Error(`no page ${path}`);
      return file.toString('utf8');
    },
    setPage(path, html) {
      files.set(path, Buffer.from(html));
    },
    redirect(from, to) {
      redirects.set(from, to);
    },
    failWith(status, times = Number.POSITIVE_INFINITY) {
      failing = { status, left: times };
    },
    recover() {
      failing = null;
    },
    resetLog() {
      requests.length = 0;
      maxInFlight = inFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
