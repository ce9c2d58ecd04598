/**
 * The six services as production runs them, for the benchmarks: each app built and started
 * alone as its container starts it (its Dockerfile's CMD in the app's folder, NODE_ENV=production,
 * real secrets, Postgres and Redis), on a loopback port, with the other apps' URLs pointing at
 * theirs.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_NAMES, type AppName } from '../../shared/src/config/app-names.ts';
import { generateSecrets } from '../../shared/src/config/dev-secrets.ts';

export const repoRoot = join(import.meta.dirname, '../..');

export interface Service {
  name: AppName;
  port: number;
  url: string;
  child: ChildProcess;
  /** Milliseconds from spawning the process to the first 200 from /readyz. */
  coldStartMs: number;
  output(): string;
}

/** The environment production reads, with throwaway secrets and every app on loopback. */
export function productionEnv(options: {
  ports: Record<AppName, number>;
  databaseUrl: string;
  redisUrl: string;
  mediaDir: string;
}): Record<string, string> {
  const secrets = generateSecrets();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    APP_CONFIG_PATH: join(repoRoot, '_config/app-config.yaml'),
    MIGRATIONS_DIR: join(repoRoot, 'migrations'),
    MEDIA_DIR: options.mediaDir,
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    INTERNAL_TOKEN: secrets.internalToken,
    COOKIE_KEYS: secrets.cookieKeys.join(','),
    OIDC_CLIENT_SECRET_BLOG: secrets.oidcClientSecrets.blog,
    OIDC_CLIENT_SECRET_MARKET: secrets.oidcClientSecrets.market,
    OIDC_CLIENT_SECRET_CART: secrets.oidcClientSecrets.cart,
    OIDC_CLIENT_SECRET_EVENTS: secrets.oidcClientSecrets.events,
    OIDC_CLIENT_SECRET_ACCOUNT: secrets.oidcClientSecrets.account,
    OIDC_SIGNING_KEY: secrets.oidcSigningKey,
    AP_PRIVATE_KEY: secrets.apPrivateKey,
  };
  for (const name of APP_NAMES) {
    const url = `http://127.0.0.1:${options.ports[name]}`;
    env[`${name.toUpperCase()}_PUBLIC_URL`] = url;
    env[`${name.toUpperCase()}_INTERNAL_URL`] = url;
  }
  return env;
}

/**
 * The command the app's image runs (its Dockerfile's `CMD`, exec form), e.g.
 * `node --max-semi-space-size=4 --heap-growing-percent=20 dist/main.js`: the benchmark starts services exactly so.
 */
export function containerCommand(name: AppName): string[] {
  const dockerfile = readFileSync(join(repoRoot, name, 'Dockerfile'), 'utf8');
  const line = dockerfile.split('\n').findLast((l) => l.startsWith('CMD '));
  if (!line) throw new Error(`${name}/Dockerfile has no CMD`);
  const command = JSON.parse(line.slice(4)) as string[];
  if (command[0] !== 'node') throw new Error(`${name}/Dockerfile: CMD does not start node`);
  return command.slice(1);
}

/** Builds the apps' production bundles (`<app>/dist/main.js`), as the image build does. */
export function buildApps(names: readonly AppName[]): void {
  for (const name of names) {
    const result = spawnSync(
      process.execPath,
      [join(repoRoot, 'shared/ops/build-app.ts'), join(repoRoot, name)],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    if (result.status !== 0) throw new Error(`building ${name} failed`);
  }
}

/** Starts one app as its container does and waits for /readyz (the cold start is timed). */
export async function startService(
  name: AppName,
  port: number,
  env: Record<string, string>,
): Promise<Service> {
  const started = performance.now();
  let out = '';
  const child = spawn(process.execPath, containerCommand(name), {
    cwd: join(repoRoot, name),
    env: { ...env, PORT: String(port), ...(name === 'federation' ? {} : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => (out = (out + d).slice(-8_000)));
  child.stderr?.on('data', (d) => (out = (out + d).slice(-8_000)));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited during start:\n${out}`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (performance.now() - started > 60_000) throw new Error(`${name} not ready in 60 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { name, port, url, child, coldStartMs: performance.now() - started, output: () => out };
}

export async function stopService(service: Service): Promise<void> {
  if (service.child.exitCode !== null) return;
  const exited = new Promise((r) => service.child.once('exit', r));
  service.child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
  if (service.child.exitCode === null) service.child.kill('SIGKILL');
}

/** CPU time (user + system, all threads) a process has used so far, in seconds, from /proc. */
export function cpuSeconds(pid: number): number {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and
  // 13th, in clock ticks (100 per second on Linux).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident memory of a process and its children (MB), from /proc. */
export function rssMb(pid: number): number {
  let total = 0;
  const visit = (p: number) => {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      const children = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim();
      for (const c of children ? children.split(/\s+/) : []) visit(Number(c));
    } catch {
      // gone
    }
  };
  visit(pid);
  return Math.round(total / 1024);
}
