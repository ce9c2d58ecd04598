import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APPS,
  argDefault,
  dockerfileInstructions,
  dockerfileStages,
  dockerignoreMatcher,
  entrypointTarget,
  readRepoFile,
  repoRoot,
  splitFlags,
} from './ops-helpers.ts';

/**
 * The six Dockerfiles and entrypoints, and the build context's .dockerignore, read as text.
 * image-build.test.ts runs the same build steps and starts the result.
 */

const dockerfiles = Object.fromEntries(APPS.map((app) => [app, readRepoFile(`${app}/Dockerfile`)]));

describe('Dockerfiles', () => {
  it("are one template: identical apart from the ARG APP default, which names the app, and the blog's young generation", () => {
    const normalise = (text: string) =>
      text
        .replace(/^ARG APP=\w+$/m, 'ARG APP=<app>')
        .replace(/--max-semi-space-size=\d+/, '--max-semi-space-size=<mb>');
    for (const app of APPS) {
      const text = dockerfiles[app]!;
      expect(text.match(/^ARG APP=.*$/gm), `${app}/Dockerfile`).toEqual([`ARG APP=${app}`]);
      expect(normalise(text), `${app}/Dockerfile drifted from blog/Dockerfile`).toBe(
        normalise(dockerfiles.blog!),
      );
    }
  });

  describe.each(APPS)('%s/Dockerfile', (app) => {
    const list = dockerfileInstructions(dockerfiles[app]!);
    const all = dockerfileStages(list);
    const runtime = all.at(-1)!;
    const build = all.find((stage) => stage.name === 'build');
    const runtimeText = (keyword: string) =>
      runtime.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
    const buildRuns = build!.instructions
      .filter((i) => i.keyword === 'RUN')
      .map((i) => splitFlags(i.args).rest);

    it('is multi-stage on a pinned node:22 alpine base', () => {
      expect(all.length).toBeGreaterThanOrEqual(2);
      const base = argDefault(list, 'NODE_IMAGE');
      expect(base).toMatch(/^node:22(\.\d+){0,2}-alpine(\d+(\.\d+)*)?(@sha256:[0-9a-f]{64})?$/);
      const stageNames = new Set(all.map((s) => s.name));
      for (const stage of all) {
        expect(stage.from === `\${NODE_IMAGE}` || stageNames.has(stage.from), `FROM ${stage.from}`).toBe(
          true,
        );
      }
      expect(runtime.from).toBe(`\${NODE_IMAGE}`);
    });

    it('refuses at build time a Node that does not strip types by default', () => {
      const base = all.find((stage) => stage.name === 'base')!;
      expect(base.from).toBe(`\${NODE_IMAGE}`);
      const check = base.instructions.find((i) => i.keyword === 'RUN' && i.args.includes('process.features'));
      expect(check?.args).toMatch(/^node -e '/);
      // This Node passes; one without default type stripping (22.12-22.17, or stripping
      // turned off as here) fails the build with a message naming the cause.
      const run = (env: NodeJS.ProcessEnv) => spawnSync('sh', ['-c', check!.args], { env, encoding: 'utf8' });
      expect(run(process.env).status).toBe(0);
      const old = run({ ...process.env, NODE_OPTIONS: '--no-experimental-strip-types' });
      expect(old.status).toBe(1);
      expect(old.stderr).toContain('NODE_IMAGE must be Node 22.18 or later');
    });

    it('pins the pnpm of the root package.json', () => {
      const { packageManager } = JSON.parse(readRepoFile('package.json')) as { packageManager: string };
      expect(`pnpm@${argDefault(list, 'PNPM_VERSION')}`).toBe(packageManager);
    });

    it('fetches, installs offline from the lockfile, builds, then keeps production deps only', () => {
      const filter = `--filter "@rose-ash/\${APP}..."`;
      const fetch = buildRuns.indexOf('pnpm fetch');
      const install = buildRuns.indexOf(`pnpm install --offline --frozen-lockfile ${filter}`);
      const buildStep = buildRuns.indexOf(`pnpm ${filter} run --if-present build`);
      const prod = buildRuns.indexOf(
        `rm -rf node_modules shared/node_modules "\${APP}/node_modules" && pnpm install --offline --frozen-lockfile --prod ${filter}`,
      );
      expect(
        [fetch, install, buildStep, prod].every((i) => i >= 0),
        buildRuns.join('\n'),
      ).toBe(true);
      expect(fetch).toBeLessThan(install);
      expect(install).toBeLessThan(buildStep);
      // The production install comes last: nothing may add a dependency after it.
      expect(buildStep).toBeLessThan(prod);
      expect(prod).toBe(buildRuns.length - 1);
    });

    it('no longer copies shared into node_modules (pnpm deploy) nor uses tsx', () => {
      const text = list.map((i) => i.args).join('\n');
      expect(text).not.toMatch(/\bdeploy\b/);
      expect(text).not.toMatch(/\btsx\b/);
    });

    it('puts only that app and shared (in the workspace layout) plus _config/ and migrations/ in the image', () => {
      const buildCopies = build!.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
      for (const copy of buildCopies) {
        const sources = splitFlags(copy).rest.split(/\s+/).slice(0, -1);
        for (const source of sources) {
          expect(source, `build stage copies ${source}`).toMatch(
            /^(package\.json|pnpm-lock\.yaml|pnpm-workspace\.yaml|shared\/(package\.json)?|\$\{APP\}\/(package\.json)?)$/,
          );
        }
      }
      expect(runtimeText('COPY')).toEqual([
        '--from=build /repo/node_modules/ ./node_modules/',
        '--from=build /repo/shared/ ./shared/',
        `--from=build /repo/\${APP}/ ./\${APP}/`,
        '_config/ ./_config/',
        'migrations/ ./migrations/',
        `--chmod=0755 \${APP}/entrypoint.sh /usr/local/bin/entrypoint.sh`,
      ]);
    });

    it('runs as the unprivileged node user', () => {
      const users = runtimeText('USER');
      expect(users).toEqual(['node']);
      const lastUser = runtime.instructions.findLastIndex((i) => i.keyword === 'USER');
      const lastRun = runtime.instructions.findLastIndex((i) => i.keyword === 'RUN');
      expect(lastUser).toBeGreaterThan(lastRun);
    });

    it('checks health on /healthz and starts the built `dist/main.js` in the app folder through the entrypoint', () => {
      const [healthcheck] = runtimeText('HEALTHCHECK');
      expect(healthcheck).toMatch(/--interval=\S+ .*CMD .*http:\/\/127\.0\.0\.1:\$\{PORT\}\/healthz/);
      expect(runtimeText('ENTRYPOINT')).toEqual(['["/usr/local/bin/entrypoint.sh"]']);
      // Exec form: node itself is the process the entrypoint execs (PID 1), no shell, no tsx,
      // plain JavaScript (the app's build output), with a small young generation (the blog's is
      // V8's default size: it renders every member's post view; bench/README.md).
      const youngMb = app === 'blog' ? 16 : 4;
      expect(runtimeText('CMD')).toEqual([
        `["node", "--max-semi-space-size=${youngMb}", "--heap-growing-percent=20", "dist/main.js"]`,
      ]);
      expect(runtimeText('WORKDIR')).toEqual(['/app', `/app/\${APP}`]);
      expect(runtimeText('EXPOSE')).toEqual(['8000']);
    });

    it('carries the shared entrypoint where the app entrypoint execs it', () => {
      // Follow the runtime stage: COPY destinations are relative to the WORKDIR in force.
      let workdir = '/';
      const placed = new Map<string, string>();
      for (const { keyword, args } of runtime.instructions) {
        if (keyword === 'WORKDIR') workdir = posix.resolve(workdir, args);
        if (keyword !== 'COPY') continue;
        const [source = '', destination = ''] = splitFlags(args).rest.split(/\s+/);
        placed.set(posix.resolve(workdir, destination), source);
      }
      const target = entrypointTarget(readRepoFile(`${app}/entrypoint.sh`))!;
      expect(target).toBe('/app/shared/ops/entrypoint.sh');
      expect(placed.get('/app/shared')).toBe('/repo/shared/');
      expect(placed.get('/usr/local/bin/entrypoint.sh')).toBe(`\${APP}/entrypoint.sh`);
    });

    it('sets the runtime environment the config loader reads', () => {
      const env = runtimeText('ENV').join(' ');
      for (const pair of [
        'NODE_ENV=production',
        `APP_NAME=\${APP}`,
        'PORT=8000',
        'APP_CONFIG_PATH=/app/_config/app-config.yaml',
        'MIGRATIONS_DIR=/app/migrations',
        'MEDIA_DIR=/app/media',
      ]) {
        expect(env).toContain(pair);
      }
    });
  });
});

describe('entrypoint.sh', () => {
  const blog = readRepoFile('blog/entrypoint.sh');
  const shared = readRepoFile('shared/ops/entrypoint.sh');
  const code = (text: string) =>
    text
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'))
      .join('\n');

  it.each(APPS)('%s/entrypoint.sh is the one thin script, executable', (app) => {
    expect(readRepoFile(`${app}/entrypoint.sh`), `${app}/entrypoint.sh drifted`).toBe(blog);
    expect(statSync(join(repoRoot, app, 'entrypoint.sh')).mode & 0o111).toBe(0o111);
  });

  it('the app entrypoint only execs the shared one (same process, so the app stays PID 1)', () => {
    expect(blog.startsWith('#!/bin/sh\n')).toBe(true);
    expect(code(blog)).toBe('exec /app/shared/ops/entrypoint.sh "$@"');
    expect(blog.split('\n').length).toBeLessThanOrEqual(10);
  });

  it('shared/ops/entrypoint.sh is POSIX sh that waits (bounded), migrates only on RUN_MIGRATIONS=true, then execs', () => {
    expect(statSync(join(repoRoot, 'shared/ops/entrypoint.sh')).mode & 0o111).toBe(0o111);
    expect(shared.startsWith('#!/bin/sh\n')).toBe(true);
    expect(shared).toContain('set -eu');
    expect(shared).toContain('WAIT_FOR_DB_TIMEOUT:-60');
    expect(shared).toContain(`if [ "\${RUN_MIGRATIONS:-false}" = "true" ]; then`);
    // Node runs the migration CLI itself, found beside this script in the shared package.
    expect(shared).toContain('node "$shared_dir/src/db/migrate-cli.ts"');
    expect(existsSync(join(repoRoot, 'shared/ops/../src/db/migrate-cli.ts'))).toBe(true);
    expect(code(shared)).not.toMatch(/\btsx\b/);
    expect(shared.trimEnd().endsWith('exec "$@"')).toBe(true);
  });
});

describe('.dockerignore', () => {
  const isIgnored = dockerignoreMatcher(readRepoFile('.dockerignore'));

  it.each([
    'node_modules/vitest/package.json',
    'blog/node_modules/fastify/package.json',
    'shared/node_modules/zod/package.json',
    '.data/pglite/base',
    'shared/.data/x',
    '.env',
    '.env.production',
    '.git/HEAD',
    '.deploy/last-deployed',
    'media/upload.png',
    'shared/test/ops/deploy-script.test.ts',
    'blog/test/app.test.ts',
    'e2e/journey.test.ts',
    'dev/src/run-all.ts',
    'dev/package.json',
    'shared/static/editor/editor.js',
  ])('keeps %s out of the build context', (path) => {
    expect(isIgnored(path)).toBe(true);
  });

  it.each([
    'package.json',
    'pnpm-lock.yaml',
    'pnpm-workspace.yaml',
    '_config/app-config.yaml',
    'migrations/0000_init.sql',
    'migrations/meta/_journal.json',
    'shared/package.json',
    'shared/src/db/migrate-cli.ts',
    'shared/src/testing/app.ts',
    'shared/templates/base.njk',
    'blog/package.json',
    'blog/src/main.ts',
    'blog/entrypoint.sh',
    'shared/ops/entrypoint.sh',
    'shared/editor/build.ts',
    'shared/static/css/site.css',
    '.env.example',
  ])('keeps %s in the build context', (path) => {
    expect(isIgnored(path)).toBe(false);
  });
});
