/**
 * Benchmark: a composed blog post page (page cache + three header fragments, all caches warm)
 * against a bare Fastify route returning the same bytes, in the same process and run.
 * Target: composed req/s ≥ 0.5 × bare req/s.
 */
import { createRequire } from 'node:module';
import autocannon from 'autocannon';
import type { buildApp as BuildBlog } from '../../blog/src/app.ts';
import { APP_BUILDERS } from '../../dev/src/app-builders.ts';
import { APP_NAMES } from '../../shared/src/config/app-names.ts';
import { loadConfig } from '../../shared/src/config/index.ts';
import { CART_COOKIE } from '../../shared/src/contracts/widgets.ts';
import { connectDatabase } from '../../shared/src/db/client.ts';
import { runMigrations } from '../../shared/src/db/migrate.ts';
import {
  authors,
  calendarEntries,
  calendars,
  navigationItems,
  posts,
} from '../../shared/src/db/schema/index.ts';
import { createCache } from '../../shared/src/infrastructure/cache.ts';
import { freePort, listen } from '../../shared/src/testing/http.ts';

type FastifyInstance = Awaited<ReturnType<typeof BuildBlog>>;
/** Fastify as the apps load it: a workspace dependency of shared, not of the repository root. */
const Fastify = createRequire(new URL('../../shared/package.json', import.meta.url))('fastify') as (options: {
  logger: boolean;
}) => FastifyInstance;

export interface BenchOptions {
  /** Seconds per target. */
  duration: number;
  connections: number;
  /** Run autocannon on the apps' own thread (both targets then share its cost). */
  sameThread: boolean;
}

export interface Measured {
  reqPerSec: number;
  p99Ms: number;
  non2xx: number;
}

async function measure(
  url: string,
  headers: Record<string, string>,
  options: BenchOptions,
): Promise<Measured> {
  const result = await autocannon({
    url,
    headers,
    duration: options.duration,
    connections: options.connections,
    // By default the load generator runs in a worker thread, off the apps' event loop.
    ...(options.sameThread ? {} : { workers: 1 }),
  });
  return {
    reqPerSec: result.requests.average,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx + result.errors,
  };
}

export async function runComposedPageBench(
  env: Record<string, string | undefined>,
  options: BenchOptions,
  log: (line: string) => void,
): Promise<{
  composed: Measured;
  floor: Measured;
  bare: Measured;
  ratio: number;
  cache: string;
  bytes: number;
}> {
  const ports = Object.fromEntries(
    await Promise.all(APP_NAMES.map(async (n) => [n, await freePort()] as const)),
  );
  const urlEnv: Record<string, string> = { LOG_LEVEL: 'warn' };
  for (const name of APP_NAMES) {
    urlEnv[`${name.toUpperCase()}_PUBLIC_URL`] = `http://127.0.0.1:${ports[name]}`;
    urlEnv[`${name.toUpperCase()}_INTERNAL_URL`] = `http://127.0.0.1:${ports[name]}`;
  }
  const config = loadConfig({ env: { ...env, ...urlEnv } });
  // A private in-memory database (never the configured one); Redis when REDIS_URL is set.
  const db = await connectDatabase({});
  await runMigrations(db, config.paths.migrations);
  const cache = createCache({ url: config.redisUrl, prefix: `bench:${process.pid}:` });
  const apps: FastifyInstance[] = [];
  const bare = Fastify({ logger: false });
  try {
    const [author] = await db.db
      .insert(authors)
      .values({ slug: 'bench-author', name: 'Bench Author' })
      .returning();
    const [post] = await db.db
      .insert(posts)
      .values({
        slug: 'bench-post',
        title: 'A composed page',
        html: `<p>${'Some reasonably long paragraph of post text. '.repeat(40)}</p>`.repeat(6),
        status: 'published',
        publishedAt: new Date(),
        primaryAuthorId: author?.id ?? null,
      })
      .returning();
    await db.db.insert(navigationItems).values([
      { menu: 'primary', label: 'Home', url: '/', sortOrder: 0 },
      { menu: 'primary', label: 'About', url: '/about/', sortOrder: 1 },
    ]);
    const [calendar] = await db.db
      .insert(calendars)
      .values({
        containerType: 'post',
        containerId: post?.id ?? 0,
        slug: 'suppers',
        name: 'Suppers',
        timezone: 'Europe/London',
      })
      .returning();
    await db.db.insert(calendarEntries).values({
      calendarId: calendar?.id ?? 0,
      slug: 'supper',
      title: 'Supper club',
      startsAt: new Date(Date.now() + 7 * 86_400_000),
      timezone: 'Europe/London',
    });

    for (const name of APP_NAMES) {
      const { buildApp } = await APP_BUILDERS[name]();
      const app = await buildApp({ config, db, cache });
      await listen(app, ports[name]);
      apps.push(app);
    }

    const url = `http://127.0.0.1:${ports.blog}/bench-post/`;
    const headers = {
      accept: 'text/html',
      cookie: `blog_sso_checked=1; ${CART_COOKIE}=bench_cart_key_0000000001`,
    };
    // Warm every cache: the page, its events widget and the three header fragments.
    let body = '';
    for (let i = 0; i < 3; i++) {
      const res = await fetch(url, { headers });
      body = await res.text();
      if (res.status !== 200) throw new Error(`warm-up got ${res.status}`);
      if (i === 2 && res.headers.get('x-cache') !== 'hit') throw new Error('page cache is not warm');
    }
    bare.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(body));
    const bareUrl = await listen(bare, await freePort());

    log(`composed page: ${url} (${body.length} bytes, cache: ${cache.kind})`);
    const composed = await measure(url, headers, options);
    // The factory's own per-request cost (helmet, cookies, sessions, ...), for context.
    const floor = await measure(`http://127.0.0.1:${ports.blog}/healthz`, headers, options);
    log(`bare route:    ${bareUrl}/`);
    const bareResult = await measure(`${bareUrl}/`, headers, options);
    return {
      composed,
      floor,
      bare: bareResult,
      ratio: composed.reqPerSec / bareResult.reqPerSec,
      cache: cache.kind,
      bytes: body.length,
    };
  } finally {
    await Promise.allSettled([...apps.map((a) => a.close()), bare.close()]);
    if (cache.kind === 'redis') {
      // Leave nothing behind in a shared Redis.
      const redis = (
        cache as unknown as {
          client: { keys(p: string): Promise<string[]>; del(...k: string[]): Promise<number> };
        }
      ).client;
      const keys = await redis.keys(`bench:${process.pid}:*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    await Promise.allSettled([cache.close(), db.close()]);
  }
}
