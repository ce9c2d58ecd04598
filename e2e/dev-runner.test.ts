import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { APP_NAMES } from '../shared/src/config/app-names.ts';
import { connectDatabase } from '../shared/src/db/client.ts';
import { createEmptyDatabase } from '../shared/src/testing/database.ts';
import { freePort } from '../shared/src/testing/http.ts';

const repoRoot = join(import.meta.dirname, '..');
const services = inject('roseAshTest');

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** A config file like the repo's, but on free ports, so a developer's own `pnpm dev` can keep running. */
async function configOnFreePorts(dir: string): Promise<Record<string, number>> {
  const ports: Record<string, number> = {};
  let yaml = readFileSync(join(repoRoot, '_config/app-config.yaml'), 'utf8');
  for (const name of APP_NAMES) {
    ports[name] = await freePort();
    yaml = yaml.replace(new RegExp(`(\\n  ${name}: \\{ port: )\\d+`), `$1${ports[name]}`);
  }
  mkdirSync(join(dir, '_config'), { recursive: true });
  writeFileSync(join(dir, '_config/app-config.yaml'), yaml);
  return ports;
}

function startDev(dir: string, env: Record<string, string> = {}): Running {
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'dev/src/run-all.ts')], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      APP_CONFIG_PATH: join(dir, '_config/app-config.yaml'),
      MIGRATIONS_DIR: join(repoRoot, 'migrations'),
      DATA_DIR: join(dir, '.data'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitReady(ports: Record<string, number>, run: Running, ms = 60_000) {
  const deadline = Date.now() + ms;
  const pending = new Set(APP_NAMES);
  while (pending.size && Date.now() < deadline) {
    if (run.child.exitCode !== null) throw new Error(`dev runner exited early:\n${run.output()}`);
    for (const name of [...pending]) {
      const res = await fetch(`http://127.0.0.1:${ports[name]}/readyz`).catch(() => null);
      if (res?.status === 200) pending.delete(name);
    }
    if (pending.size) await new Promise((r) => setTimeout(r, 250));
  }
  if (pending.size) throw new Error(`not ready within ${ms} ms: ${[...pending].join(', ')}\n${run.output()}`);
}

async function stop(run: Running) {
  run.child.kill('SIGINT');
  return run.exited;
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('pnpm dev (all six apps in one process)', () => {
  it('boots embedded within 60 s, renders every home page, stops on Ctrl-C and keeps its data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ra-dev-'));
    dirs.push(dir);
    const ports = await configOnFreePorts(dir);

    const first = startDev(dir);
    const started = Date.now();
    await waitReady(ports, first);
    expect(Date.now() - started).toBeLessThan(60_000);
    for (const name of APP_NAMES) {
      const res = await fetch(`http://127.0.0.1:${ports[name]}/`, { headers: { accept: 'text/html' } });
      const html = await res.text();
      expect(res.status, name).toBe(200);
      expect(html).toContain('<a class="skip-link" href="#main">');
      expect(html).toContain(`class="app-${name}"`);
      for (const other of APP_NAMES) expect(html).toContain(`:${ports[other]}/"`);
    }
    expect(first.output()).toContain('demo content seeded');
    expect(first.output()).toMatch(/embedded/);
    // No SUMUP_API_KEY: the cart pays through the project's SumUp stub, which the runner started.
    const stubUrl = first.output().match(/SumUp stub at (http:\/\/127\.0\.0\.1:\d+)/)?.[1];
    expect(stubUrl).toBeTruthy();
    expect((await fetch(`${stubUrl}/v0.1/checkouts`)).status).toBe(401);
    expect(await stop(first)).toBe(0);

    const second = startDev(dir);
    await waitReady(ports, second);
    expect(second.output()).not.toContain('demo content seeded');
    // Seeding only happens into an empty database: not seeding again proves .data/ kept it.
    expect(await stop(second)).toBe(0);
  }, 150_000);

  it.runIf(services.database === 'postgres' && services.cache === 'redis')(
    'uses the real servers when DATABASE_URL and REDIS_URL are set, migrating a new empty database',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ra-dev-'));
      dirs.push(dir);
      const ports = await configOnFreePorts(dir);
      // What a new user does: `createdb fresh && DATABASE_URL=…/fresh REDIS_URL=… pnpm dev`.
      const fresh = await createEmptyDatabase();
      try {
        const run = startDev(dir, { DATABASE_URL: fresh.url, REDIS_URL: services.redisUrl! });
        await waitReady(ports, run);
        expect(run.output()).toMatch(/"database":"postgres"|database: "postgres"/);
        expect(run.output()).toMatch(/"cache":"redis"|cache: "redis"/);
        expect(run.output()).toContain('database migrated');
        for (const name of APP_NAMES) {
          const res = await fetch(`http://127.0.0.1:${ports[name]}/`, { headers: { accept: 'text/html' } });
          expect(res.status, name).toBe(200);
        }
        const db = await connectDatabase({ url: fresh.url, max: 1 });
        try {
          const rows = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM markets');
          expect(Number(rows[0]?.n)).toBeGreaterThan(0);
        } finally {
          await db.close();
        }
        expect(await stop(run)).toBe(0);
      } finally {
        await fresh.drop();
      }
    },
    120_000,
  );

  it('stops when `pnpm dev` itself is told to stop (SIGTERM to pnpm, which does not pass it on)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ra-dev-'));
    dirs.push(dir);
    const ports = await configOnFreePorts(dir);
    let out = '';
    const pnpm = spawn('pnpm', ['dev'], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        NODE_ENV: 'development',
        LOG_LEVEL: 'info',
        APP_CONFIG_PATH: join(dir, '_config/app-config.yaml'),
        MIGRATIONS_DIR: join(repoRoot, 'migrations'),
        DATA_DIR: join(dir, '.data'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    pnpm.stdout?.on('data', (d) => (out += d));
    pnpm.stderr?.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => pnpm.on('exit', (code) => resolve(code)));
    await waitReady(ports, { child: pnpm, output: () => out, exited });
    pnpm.kill('SIGTERM');
    await exited;
    // Every app stops listening shortly after, though nothing signalled the node process.
    const deadline = Date.now() + 15_000;
    let listening: number = APP_NAMES.length;
    while (listening > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      const answers = await Promise.all(
        APP_NAMES.map((name) =>
          fetch(`http://127.0.0.1:${ports[name]}/healthz`).then(
            () => true,
            () => false,
          ),
        ),
      );
      listening = answers.filter(Boolean).length;
    }
    expect(listening, out.slice(-2000)).toBe(0);
  }, 150_000);

  it('stops with a message naming REDIS_URL when it is malformed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ra-dev-'));
    dirs.push(dir);
    await configOnFreePorts(dir);
    const run = startDev(dir, { REDIS_URL: 'foo' });
    expect(await run.exited).toBe(1);
    expect(run.output()).toMatch(/REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
  }, 30_000);
});
