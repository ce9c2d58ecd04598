/**
 * Benchmark, measured the way a load balancer sees the service: the six apps each in their own
 * process, started as their containers start them (production settings: templates cached,
 * Postgres and Redis), a bare Fastify route in another process serving the same bytes, and the
 * load generator (autocannon) in a third. Targets alternate in rounds; each round and the median
 * ratios are printed, with every service's cold start, idle and loaded memory, and the
 * all-in-one `pnpm dev` process's memory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_NAMES, type AppName } from '../../shared/src/config/app-names.ts';
import { CART_COOKIE } from '../../shared/src/contracts/widgets.ts';
import { connectDatabase } from '../../shared/src/db/client.ts';
import { runMigrations } from '../../shared/src/db/migrate.ts';
import {
  authors,
  calendarEntries,
  calendars,
  navigationItems,
  posts,
  users,
} from '../../shared/src/db/schema/index.ts';
import { RedisCache } from '../../shared/src/infrastructure/cache.ts';
import { SessionStore } from '../../shared/src/infrastructure/sessions.ts';
import { freePort } from '../../shared/src/testing/http.ts';
import { type ProfileSummary, summariseProfile } from './profile.ts';
import {
  buildApps,
  cpuSeconds,
  productionEnv,
  repoRoot,
  rssMb,
  type Service,
  startService,
  stopService,
} from './services.ts';

export interface BenchOptions {
  /** Seconds per target per round. */
  duration: number;
  connections: number;
  rounds: number;
  /** Profile the blog (`--cpu-prof`) while only this target is loaded, and print where time goes. */
  profile?: 'anonymous' | 'signed-in';
}

export interface Measured {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  /**
   * CPU time (user + system, from /proc) the serving process spent per request answered, in
   * µs: unlike req/s it hardly moves when other work shares the machine.
   */
  cpuUsPerRequest: number;
}

export interface BenchResult {
  rounds: { composed: Measured; signedIn: Measured; bare: Measured }[];
  ratio: number;
  signedInRatio: number;
  composed: Measured;
  signedIn: Measured;
  bare: Measured;
  services: {
    name: AppName;
    coldStartMs: number;
    /** RSS 5 s after the last service was ready: start-up's young generation still held. */
    afterStartMb: number;
    /** RSS after 30 s without a request: what an idle container holds (see IDLE_SETTLE_MS). */
    idleMb: number;
    loadedMb: number;
  }[];
  devRssMb: number | null;
  bytes: number;
  /** With `profile`: the blog's CPU profile file, summarised. */
  profile: { file: string; summary: ProfileSummary } | null;
}

const cookieSign = (
  createRequire(new URL('../../shared/package.json', import.meta.url))('@fastify/cookie') as {
    sign(value: string, secret: string): string;
  }
).sign;

/**
 * How long the services sit without a request before their idle RSS is read. Start-up grows
 * V8's young generation to its cap (`--max-semi-space-size`); once a process has been idle for
 * a while, V8's memory reducer collects and hands that back (~15 s after start on this
 * machine), which is the memory an idle container keeps.
 */
const IDLE_SETTLE_MS = 30_000;

/** autocannon in a process of its own, JSON out; `server` is the pid whose CPU time is read. */
async function autocannon(
  url: string,
  headers: Record<string, string>,
  options: BenchOptions,
  server: number,
): Promise<Measured> {
  const before = cpuSeconds(server);
  const measured = await runAutocannon(url, headers, options);
  const used = cpuSeconds(server) - before;
  return { ...measured, cpuUsPerRequest: measured.total ? Math.round((used * 1e6) / measured.total) : 0 };
}

function runAutocannon(
  url: string,
  headers: Record<string, string>,
  options: BenchOptions,
): Promise<Omit<Measured, 'cpuUsPerRequest'> & { total: number }> {
  const args = [
    join(repoRoot, 'node_modules/autocannon/autocannon.js'),
    '--json',
    '-c',
    String(options.connections),
    '-d',
    String(options.duration),
    ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
    url,
  ];
  return new Promise((resolve, reject) => {
    let out = '';
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', () => {
      try {
        const r = JSON.parse(out) as {
          requests: { average: number; total: number };
          latency: { p50: number; p99: number };
          non2xx: number;
          errors: number;
        };
        resolve({
          reqPerSec: r.requests.average,
          total: r.requests.total,
          p50Ms: r.latency.p50,
          p99Ms: r.latency.p99,
          non2xx: r.non2xx + r.errors,
        });
      } catch (err) {
        reject(new Error(`autocannon output not JSON: ${out.slice(0, 300)} (${(err as Error).message})`));
      }
    });
  });
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const medianOf = (items: Measured[]): Measured => ({
  reqPerSec: median(items.map((m) => m.reqPerSec)),
  p50Ms: median(items.map((m) => m.p50Ms)),
  p99Ms: median(items.map((m) => m.p99Ms)),
  non2xx: items.reduce((n, m) => n + m.non2xx, 0),
  cpuUsPerRequest: median(items.map((m) => m.cpuUsPerRequest)),
});

export async function runComposedPageBench(
  options: BenchOptions,
  log: (line: string) => void,
): Promise<BenchResult> {
  const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/13';
  const dbName = `rose_ash_bench_${process.pid}`;
  const work = mkdtempSync(join(tmpdir(), 'ra-bench-'));
  const admin = await connectDatabase({ url: adminUrl, max: 1 });
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${dbName}`;
  const db = await connectDatabase({ url: dbUrl.toString(), max: 2 });
  // The apps' keys live under `ra:` in this Redis database, emptied before and after.
  const redis = new RedisCache(redisUrl, '', { commandTimeoutMs: 5_000 });
  await redis.ready();
  await redis.client.flushdb();
  const services: Service[] = [];
  let bare: ChildProcess | null = null;
  try {
    await runMigrations(db, join(repoRoot, 'migrations'));
    const [author] = await db.db
      .insert(authors)
      .values({ slug: 'bench-author', name: 'Bench Author' })
      .returning();
    const [post] = await db.db
      .insert(posts)
      .values({
        slug: 'wild-garlic-pesto',
        title: 'Wild garlic pesto',
        html: `<p>${'Some reasonably long paragraph of post text. '.repeat(12)}</p>`.repeat(5),
        status: 'published',
        publishedAt: new Date(Date.now() - 60_000),
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
    const [member] = await db.db
      .insert(users)
      .values({ email: 'bench-member@example.test', displayName: 'Bench Member' })
      .returning();

    buildApps(APP_NAMES);
    const ports = Object.fromEntries(
      await Promise.all(APP_NAMES.map(async (n) => [n, await freePort()] as const)),
    ) as Record<AppName, number>;
    const env = productionEnv({
      ports,
      databaseUrl: dbUrl.toString(),
      redisUrl,
      mediaDir: join(work, 'media'),
    });
    // Started one after another, so each cold start is measured alone.
    const coldStart: Record<string, number> = {};
    const profileDir = join(work, 'profile');
    for (const name of APP_NAMES) {
      const profiled = options.profile && name === 'blog';
      const service = await startService(
        name,
        ports[name],
        profiled ? { ...env, NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : env,
      );
      services.push(service);
      coldStart[name] = service.coldStartMs;
      log(`started ${name.padEnd(10)} ready in ${Math.round(service.coldStartMs)} ms`);
    }
    await new Promise((r) => setTimeout(r, 5_000));
    const afterStart = Object.fromEntries(services.map((s) => [s.name, rssMb(s.child.pid as number)]));
    await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS - 5_000));
    const idle = Object.fromEntries(services.map((s) => [s.name, rssMb(s.child.pid as number)]));

    const blog = services.find((s) => s.name === 'blog') as Service;
    const url = `${blog.url}/wild-garlic-pesto/`;
    const anonymous = {
      accept: 'text/html',
      cookie: `blog_sso_checked=1; ${CART_COOKIE}=bench_cart_key_0000000001`,
    };
    // Each app answers a page first (templates compiled, pools connected), so the post page's
    // first composition does not meet a fragment timeout and get cached without that fragment.
    for (const service of services)
      await fetch(`${service.url}/`).then(
        (r) => r.arrayBuffer(),
        () => null,
      );
    let body = '';
    for (let i = 0; i < 3; i++) {
      const res = await fetch(url, { headers: anonymous });
      body = await res.text();
      if (res.status !== 200) throw new Error(`warm-up got ${res.status}: ${body.slice(0, 300)}`);
      if (i === 2 && res.headers.get('x-cache') !== 'hit') throw new Error('page cache is not warm');
    }
    // Every run measures the same composition: the events app's calendar widget must be in it.
    if (!body.includes('Supper club')) throw new Error('the composed page lacks the events container-widget');
    // A signed-in member: a real session in the apps' Redis, with the signed cookie a browser holds.
    const sessions = new SessionStore(new RedisCache(redisUrl, 'ra:', { commandTimeoutMs: 5_000 }), 'blog');
    const session = await sessions.create({
      user: { id: member?.id ?? 0, email: 'bench-member@example.test', name: 'Bench Member', username: null },
      sub: String(member?.id),
      sid: null,
      idToken: null,
    });
    const signedIn = {
      accept: 'text/html',
      cookie: `blog_sso_checked=1; blog_session=${cookieSign(session.id, (env.COOKIE_KEYS ?? '').split(',')[0] ?? '')}`,
    };
    for (let i = 0; i < 3; i++) {
      const res = await fetch(url, { headers: signedIn });
      const text = await res.text();
      if (res.status !== 200 || !text.includes('Bench Member') || !text.includes('Supper club'))
        throw new Error(`signed-in warm-up: ${res.status}`);
      if (res.headers.get('x-cache') !== 'bypass')
        throw new Error('a signed-in page came from the page cache');
    }

    const bareFile = join(work, 'page.html');
    writeFileSync(bareFile, body);
    const barePort = await freePort();
    const bareProcess = spawn(
      process.execPath,
      [join(import.meta.dirname, 'bare-server.ts'), String(barePort), bareFile],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    bare = bareProcess;
    await new Promise<void>((resolve) => bareProcess.stdout?.once('data', () => resolve()));
    const bareUrl = `http://127.0.0.1:${barePort}/`;

    log(
      `composed page ${url} (${body.length} bytes); bare route ${bareUrl}; ${options.rounds} rounds of ${options.duration} s, ${options.connections} connections`,
    );
    const rounds: BenchResult['rounds'] = [];
    const skipped: Measured = { reqPerSec: 0, p50Ms: 0, p99Ms: 0, non2xx: 0, cpuUsPerRequest: 0 };
    const blogPid = services.find((s) => s.name === 'blog')?.child.pid as number;
    const barePid = bareProcess.pid as number;
    for (let r = 1; r <= options.rounds; r++) {
      const composed =
        options.profile === 'signed-in' ? skipped : await autocannon(url, anonymous, options, blogPid);
      const bareRound = await autocannon(bareUrl, anonymous, options, barePid);
      const signed =
        options.profile === 'anonymous' ? skipped : await autocannon(url, signedIn, options, blogPid);
      rounds.push({ composed, signedIn: signed, bare: bareRound });
      log(
        `round ${r}: composed ${composed.reqPerSec.toFixed(0)} req/s (p99 ${composed.p99Ms} ms) · bare ${bareRound.reqPerSec.toFixed(0)} (p99 ${bareRound.p99Ms} ms) · signed in ${signed.reqPerSec.toFixed(0)} (p99 ${signed.p99Ms} ms) · ratios ${(composed.reqPerSec / bareRound.reqPerSec).toFixed(2)} / ${(signed.reqPerSec / bareRound.reqPerSec).toFixed(2)}`,
      );
      log(
        `         CPU per request: composed ${composed.cpuUsPerRequest} µs · bare ${bareRound.cpuUsPerRequest} µs · signed in ${signed.cpuUsPerRequest} µs`,
      );
    }
    const loaded = Object.fromEntries(services.map((s) => [s.name, rssMb(s.child.pid as number)]));
    for (const s of services) await stopService(s);
    services.length = 0;
    let profile: BenchResult['profile'] = null;
    if (options.profile) {
      const { readdirSync, copyFileSync } = await import('node:fs');
      const written = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
      if (!written) throw new Error('the blog wrote no CPU profile');
      const file = join(tmpdir(), `rose-ash-bench-${options.profile}-${process.pid}.cpuprofile`);
      copyFileSync(join(profileDir, written), file);
      profile = { file, summary: summariseProfile(file) };
    }
    bareProcess.kill('SIGTERM');
    bare = null;

    const devRssMb = options.profile
      ? null
      : await allInOneRss(dbUrl.toString(), redisUrl, work, log).catch((err: unknown) => {
          log(`pnpm dev memory not measured: ${(err as Error).message}`);
          return null;
        });
    return {
      rounds,
      ratio: median(rounds.map((r) => r.composed.reqPerSec / r.bare.reqPerSec)),
      signedInRatio: median(rounds.map((r) => r.signedIn.reqPerSec / r.bare.reqPerSec)),
      composed: medianOf(rounds.map((r) => r.composed)),
      signedIn: medianOf(rounds.map((r) => r.signedIn)),
      bare: medianOf(rounds.map((r) => r.bare)),
      services: APP_NAMES.map((name) => ({
        name,
        coldStartMs: Math.round(coldStart[name] ?? 0),
        afterStartMb: afterStart[name] ?? 0,
        idleMb: idle[name] ?? 0,
        loadedMb: loaded[name] ?? 0,
      })),
      devRssMb,
      bytes: body.length,
      profile,
    };
  } finally {
    for (const s of services) await stopService(s).catch(() => {});
    bare?.kill('SIGKILL');
    await redis.client.flushdb().catch(() => {});
    await redis.close();
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => {});
    await admin.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/** `pnpm dev`'s single process, on the same database and Redis, idle for 5 s after it is ready. */
async function allInOneRss(databaseUrl: string, redisUrl: string, work: string, log: (l: string) => void) {
  const { readFileSync } = await import('node:fs');
  const ports: Record<string, number> = {};
  let yaml = readFileSync(join(repoRoot, '_config/app-config.yaml'), 'utf8');
  for (const name of APP_NAMES) {
    ports[name] = await freePort();
    yaml = yaml.replace(new RegExp(`(\\n  ${name}: \\{ port: )\\d+`), `$1${ports[name]}`);
  }
  const configFile = join(work, 'app-config.yaml');
  writeFileSync(configFile, yaml);
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'dev/src/run-all.ts')], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      APP_CONFIG_PATH: configFile,
      MIGRATIONS_DIR: join(repoRoot, 'migrations'),
      DATA_DIR: join(work, 'dev-data'),
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
    },
    stdio: 'ignore',
  });
  try {
    const started = performance.now();
    for (const name of APP_NAMES) {
      for (;;) {
        const ok = await fetch(`http://127.0.0.1:${ports[name]}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) break;
        if (child.exitCode !== null || performance.now() - started > 90_000)
          throw new Error('pnpm dev did not start');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await new Promise((r) => setTimeout(r, 5_000));
    const rss = rssMb(child.pid as number);
    log(`pnpm dev (all six apps in one process): ${rss} MB RSS idle`);
    return rss;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1_000));
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
