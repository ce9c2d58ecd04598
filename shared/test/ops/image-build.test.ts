import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, posix, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createEmptyDatabase } from '../../src/testing/database.ts';
import { freePort } from '../../src/testing/http.ts';
import {
  dockerfileInstructions,
  dockerfileStages,
  dockerignoreMatcher,
  entrypointTarget,
  hasCommand,
  type Instruction,
  readRepoFile,
  repoRoot,
  splitFlags,
} from './ops-helpers.ts';

/**
 * The blog image without Docker (no engine here or on every CI runner): this test reads
 * blog/Dockerfile and carries out its steps in a temporary directory, then starts the result
 * the way the container does.
 *
 *   build stage:   every COPY (from the repository, filtered by .dockerignore) and every RUN
 *                  (`pnpm fetch`, the offline install, the build scripts, the production-only
 *                  reinstall), literally, in <tmp>/repo standing for /repo;
 *   runtime stage: every COPY into <tmp>/app standing for /app (symlinks kept as they are);
 *   start:         ENTRYPOINT -> the app's entrypoint.sh -> the shared one it execs, with the
 *                  Dockerfile's CMD, working directory and ENV (/app paths mapped), as
 *                  NODE_ENV=production against a fresh, empty database, migrating first.
 *
 * What Docker itself does is left out: the base stage (Node and pnpm come from the host, and
 * pnpm uses the host's store instead of the /pnpm/store cache mount), the runtime stage's RUN
 * (it creates /app/media for the `node` user) and USER. So are the image's Node version (the
 * Dockerfile checks it) and file ownership.
 */

const APP = 'blog';
const services = inject('roseAshTest');
const canRun =
  services.database === 'postgres' && services.cache === 'redis' && hasCommand('pnpm', ['--version']);
if (!canRun) console.warn('image-build.test: needs TEST_DATABASE_URL, TEST_REDIS_URL and pnpm; skipping');

const dockerfile = readRepoFile(`${APP}/Dockerfile`);
const stageList = dockerfileStages(dockerfileInstructions(dockerfile));
const buildStage = stageList.find((stage) => stage.name === 'build')!;
const baseStage = stageList.find((stage) => stage.name === buildStage.from)!;
const runtimeStage = stageList.at(-1)!;
const isIgnored = dockerignoreMatcher(readRepoFile('.dockerignore'));

/** `${APP}` as Docker substitutes it (in RUN it is an environment variable the shell expands). */
const substitute = (text: string) => text.replaceAll(`\${APP}`, APP);

let tmp: string;
/** Image path (/repo/..., /app/...) -> path under tmp; undefined outside /repo and /app. */
function onHost(imagePath: string): string | undefined {
  const match = /^\/(repo|app)(\/.*)?$/.exec(posix.normalize(imagePath));
  return match ? join(tmp, match[1]!, match[2] ?? '') : undefined;
}

/** COPY from the build context: the repository as .dockerignore lets Docker see it. */
function copyFromContext(source: string, destination: string, intoDirectory: boolean): void {
  const from = join(repoRoot, source);
  if (statSync(from).isDirectory()) {
    // Like Docker, the directory's contents go into the destination.
    cpSync(from, destination, { recursive: true, filter: (path) => !isIgnored(relative(repoRoot, path)) });
  } else {
    expect(isIgnored(source), `${source} is excluded by .dockerignore`).toBe(false);
    const target = intoDirectory ? join(destination, basename(source)) : destination;
    mkdirSync(join(target, '..'), { recursive: true });
    cpSync(from, target);
  }
}

/**
 * Carries out one stage's WORKDIR, COPY and (when runEnv is given) RUN instructions; returns the
 * final working directory (an image path).
 */
function runStage(instructions: Instruction[], workdir: string, runEnv?: NodeJS.ProcessEnv): string {
  for (const { keyword, args } of instructions) {
    if (keyword === 'WORKDIR') {
      workdir = posix.resolve(workdir, substitute(args));
      mkdirSync(onHost(workdir)!, { recursive: true });
    } else if (keyword === 'COPY') {
      const { flags, rest } = splitFlags(substitute(args));
      const words = rest.split(/\s+/);
      const destinationPath = posix.resolve(workdir, words.at(-1)!);
      const destination = onHost(destinationPath);
      if (!destination) continue; // e.g. /usr/local/bin/entrypoint.sh: followed at start-up
      const intoDirectory = words.at(-1)!.endsWith('/') || words.length > 2;
      const from = flags.find((flag) => flag.startsWith('--from='));
      for (const source of words.slice(0, -1)) {
        if (from) {
          expect(from).toBe('--from=build');
          // verbatimSymlinks: pnpm's links are relative and must stay so, as COPY keeps them.
          cpSync(onHost(source)!, destination, { recursive: true, verbatimSymlinks: true });
        } else {
          copyFromContext(source, destination, intoDirectory);
        }
      }
    } else if (keyword === 'RUN' && runEnv) {
      // --mount flags are BuildKit caches; the command itself runs as written.
      const command = splitFlags(args).rest;
      // Never in the repository itself: a RUN outside /repo or /app stops the test.
      const cwd = onHost(workdir);
      if (!cwd) throw new Error(`RUN in ${workdir}, which this test does not map`);
      const result = spawnSync('sh', ['-c', command], {
        cwd,
        env: runEnv,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(result.status, `RUN ${command}\n${result.stdout}\n${result.stderr}`).toBe(0);
    }
  }
  return workdir;
}

/** Environment of the runtime stage (ENV lines), with /app paths mapped. */
function runtimeEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { keyword, args } of runtimeStage.instructions) {
    if (keyword !== 'ENV') continue;
    for (const pair of substitute(args).split(/\s+/)) {
      const [key = '', value = ''] = pair.split('=');
      env[key] = value.startsWith('/app') ? onHost(value)! : value;
    }
  }
  return env;
}

let workdirOnHost: string;
let entrypoint: string;
let command: string[];
let env: Record<string, string>;
let baseUrl: string;
let app: ChildProcess | undefined;
let appExit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
let output = '';
let dropDatabase: (() => Promise<void>) | undefined;

async function get(path: string): Promise<number> {
  try {
    const response = await fetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(3_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

async function until(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (app?.exitCode !== null || Date.now() > deadline) {
      throw new Error(`${what}: not within ${ms / 1000}s (exit ${app?.exitCode})\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe.skipIf(!canRun)(`${APP}/Dockerfile, carried out without Docker`, () => {
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'rose-ash-image-'));
    // The build runs as Docker runs it: CI=true (base stage ENV), the ARG as a variable, no
    // NODE_ENV (vitest sets test) and no NODE_OPTIONS from whoever runs the tests.
    const buildEnv: NodeJS.ProcessEnv = { ...process.env, CI: 'true', APP };
    delete buildEnv.NODE_ENV;
    delete buildEnv.NODE_OPTIONS;
    const baseWorkdir = baseStage.instructions.findLast((i) => i.keyword === 'WORKDIR')!.args;
    runStage(buildStage.instructions, baseWorkdir, buildEnv);

    // The runtime stage's one RUN creates /app/media for the `node` user: done below, unowned.
    const workdir = runStage(runtimeStage.instructions, '/');
    workdirOnHost = onHost(workdir)!;
    env = runtimeEnv();
    mkdirSync(env.MEDIA_DIR!, { recursive: true });

    // ENTRYPOINT is the app's entrypoint.sh (COPY'd to /usr/local/bin), which execs the shared one.
    const [entry] = JSON.parse(runtimeStage.instructions.find((i) => i.keyword === 'ENTRYPOINT')!.args);
    const copied = runtimeStage.instructions
      .filter((i) => i.keyword === 'COPY')
      .map((i) => splitFlags(substitute(i.args)).rest.split(/\s+/))
      .find((words) => words.at(-1) === entry)!;
    const target = entrypointTarget(readFileSync(join(repoRoot, copied[0]!), 'utf8'))!;
    entrypoint = onHost(target)!;
    command = JSON.parse(runtimeStage.instructions.find((i) => i.keyword === 'CMD')!.args);

    const database = await createEmptyDatabase();
    dropDatabase = database.drop;
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    // What production needs besides the image's ENV: .env's services and secrets (throwaway).
    Object.assign(env, services.secretsEnv, {
      PATH: process.env.PATH ?? '',
      HOME: tmp,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      REDIS_URL: services.redisUrl!,
      RUN_MIGRATIONS: 'true',
      WAIT_FOR_DB_TIMEOUT: '10',
    });
    app = spawn(entrypoint, command, { cwd: workdirOnHost, env, stdio: ['ignore', 'pipe', 'pipe'] });
    app.stdout!.on('data', (chunk) => {
      output += chunk;
    });
    app.stderr!.on('data', (chunk) => {
      output += chunk;
    });
    appExit = new Promise((resolve) => app!.on('exit', (code, signal) => resolve({ code, signal })));
    await until('/readyz answers 200', async () => (await get('/readyz')) === 200, 45_000);
  }, 120_000);

  afterAll(async () => {
    if (app && app.exitCode === null && app.signalCode === null) {
      app.kill('SIGKILL');
      await appExit;
    }
    await dropDatabase?.();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('holds only the app, shared, their production dependencies, _config/ and migrations/', () => {
    expect(readdirSync(join(tmp, 'app')).sort()).toEqual(
      ['_config', APP, 'media', 'migrations', 'node_modules', 'shared'].sort(),
    );
    for (const absent of ['test', 'Dockerfile', 'node_modules/.bin/tsx']) {
      expect(existsSync(join(tmp, 'app', APP, absent)), `${APP}/${absent}`).toBe(false);
    }
    expect(existsSync(join(tmp, 'app', 'shared', 'test'))).toBe(false);
    // The build scripts ran (the editor bundle, the app's bundle), and shared stayed a real
    // folder, linked.
    expect(existsSync(join(tmp, 'app', APP, 'dist', 'main.js'))).toBe(true);
    expect(existsSync(join(tmp, 'app', 'shared', 'static', 'editor', 'editor.js'))).toBe(true);
    expect(existsSync(join(tmp, 'app', 'shared', 'ops', 'entrypoint.sh'))).toBe(true);
    expect(realpathSync(join(workdirOnHost, 'node_modules', '@rose-ash', 'shared'))).toBe(
      realpathSync(join(tmp, 'app', 'shared')),
    );
    const store = readdirSync(join(tmp, 'app', 'node_modules', '.pnpm'));
    // devDependencies (tsx and the esbuild it brings, the test and build tools) stay out.
    for (const devOnly of ['tsx', 'esbuild', 'vitest', 'typescript', '@tiptap+core', 'testcontainers']) {
      expect(
        store.filter((dir) => dir.startsWith(`${devOnly}@`)),
        devOnly,
      ).toEqual([]);
    }
    expect(store.some((dir) => dir.startsWith('fastify@'))).toBe(true);
  });

  it('runs the built `dist/main.js` as the entrypoint process itself (exec: PID 1 in the container), no tsx', () => {
    const run = ['node', '--max-semi-space-size=16', '--heap-growing-percent=20', 'dist/main.js'];
    expect(command).toEqual(run);
    const pid = app!.pid!;
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    expect(argv).toEqual(run);
    // Plain JavaScript: the app's bundle, built in the image.
    expect(existsSync(join(workdirOnHost, 'dist', 'main.js'))).toBe(true);
    expect(readFileSync(`/proc/${pid}/cwd/package.json`, 'utf8')).toContain(`"@rose-ash/${APP}"`);
    // No process below it runs tsx (whose esbuild service would be one).
    const children = readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .filter((entry) => {
        try {
          return readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1] === String(pid);
        } catch {
          return false;
        }
      })
      .map((entry) => readFileSync(`/proc/${entry}/cmdline`, 'utf8'));
    for (const child of children) expect(child).not.toContain('tsx');
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1];
    process.stdout.write(
      `image-build.test: ${APP} RSS after start-up ${Math.round(Number(rss) / 1024)} MiB\n`,
    );
  });

  it('migrated the empty database first, answers /healthz and /readyz, and serves pages', async () => {
    expect(await get('/healthz')).toBe(200);
    expect(await get('/readyz')).toBe(200);
    // A page (templates of the app and of shared) and the editor bundle built into shared.
    expect(await get('/')).toBe(200);
    expect(await get('/static/editor/editor.js')).toBe(200);
    expect(output).toContain('RUN_MIGRATIONS=true: applying migrations');
    expect(output).not.toContain('ExperimentalWarning');
  });

  it('the manual migration (node /app/shared/src/db/migrate-cli.ts) runs in the image layout', () => {
    const result = spawnSync('node', [onHost('/app/shared/src/db/migrate-cli.ts')!], {
      cwd: workdirOnHost,
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`migrations applied from ${env.MIGRATIONS_DIR}`);
    expect(result.status).toBe(0);
  });

  it('stops cleanly on SIGTERM', async () => {
    app!.kill('SIGTERM');
    const exit = await Promise.race([
      appExit,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no exit within 20s')), 20_000)),
    ]);
    expect(exit).toEqual({ code: 0, signal: null });
  }, 30_000);
});
