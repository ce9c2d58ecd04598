import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APPS, dockerignoreMatcher, readRepoFile, repoRoot } from './ops-helpers.ts';

/** The six Dockerfiles and entrypoints, and the build context's .dockerignore. */

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Splits a Dockerfile into instructions (continuation lines joined, comments dropped). */
function instructions(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

function stages(list: Instruction[]): Stage[] {
  const out: Stage[] = [];
  for (const instruction of list) {
    if (instruction.keyword === 'FROM') {
      const [from = '', as, name] = instruction.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      out.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      out.at(-1)?.instructions.push(instruction);
    }
  }
  return out;
}

function argDefault(list: Instruction[], name: string): string | undefined {
  for (const { keyword, args } of list) {
    const match = new RegExp(`^${name}=(\\S+)$`).exec(args);
    if (keyword === 'ARG' && match) return match[1];
  }
  return undefined;
}

const dockerfiles = Object.fromEntries(APPS.map((app) => [app, readRepoFile(`${app}/Dockerfile`)]));

describe('Dockerfiles', () => {
  it('are one template: identical apart from the ARG APP default, which names the app', () => {
    const normalise = (text: string) => text.replace(/^ARG APP=\w+$/m, 'ARG APP=<app>');
    for (const app of APPS) {
      const text = dockerfiles[app]!;
      expect(text.match(/^ARG APP=.*$/gm), `${app}/Dockerfile`).toEqual([`ARG APP=${app}`]);
      expect(normalise(text), `${app}/Dockerfile drifted from blog/Dockerfile`).toBe(
        normalise(dockerfiles.blog!),
      );
    }
  });

  describe.each(APPS)('%s/Dockerfile', (app) => {
    const list = instructions(dockerfiles[app]!);
    const all = stages(list);
    const runtime = all.at(-1)!;
    const build = all.find((stage) => stage.name === 'build');
    const runtimeText = (keyword: string) =>
      runtime.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

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

    it('pins the pnpm of the root package.json', () => {
      const { packageManager } = JSON.parse(readRepoFile('package.json')) as { packageManager: string };
      expect(`pnpm@${argDefault(list, 'PNPM_VERSION')}`).toBe(packageManager);
    });

    it('fetches, installs offline from the lockfile, and deploys the app with production deps', () => {
      const runs = build!.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
      expect(runs.some((r) => /\bpnpm fetch\b/.test(r))).toBe(true);
      expect(runs.some((r) => /pnpm install .*--offline/.test(r) && r.includes('--frozen-lockfile'))).toBe(
        true,
      );
      const deploy = runs.find((r) => /\bdeploy\b/.test(r));
      expect(deploy).toMatch(/--filter "@rose-ash\/\$\{APP\}" --prod .*deploy --legacy \/out/);
    });

    it('puts only that app (with shared inside) plus _config/ and migrations/ in the image', () => {
      const buildCopies = build!.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
      for (const copy of buildCopies) {
        const sources = copy
          .split(/\s+/)
          .filter((w) => !w.startsWith('--'))
          .slice(0, -1);
        for (const source of sources) {
          expect(source, `build stage copies ${source}`).toMatch(
            /^(package\.json|pnpm-lock\.yaml|pnpm-workspace\.yaml|shared\/(package\.json)?|\$\{APP\}\/(package\.json)?)$/,
          );
        }
      }
      expect(runtimeText('COPY')).toEqual([
        '--from=build /out/ ./',
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

    it('checks health on /healthz and starts through the entrypoint', () => {
      const [healthcheck] = runtimeText('HEALTHCHECK');
      expect(healthcheck).toMatch(/--interval=\S+ .*CMD .*http:\/\/127\.0\.0\.1:\$\{PORT\}\/healthz/);
      expect(runtimeText('ENTRYPOINT')).toEqual(['["/usr/local/bin/entrypoint.sh"]']);
      expect(runtimeText('CMD')).toEqual(['["node", "--import", "tsx", "src/main.ts"]']);
      expect(runtimeText('EXPOSE')).toEqual(['8000']);
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

  it.each(APPS)('%s/entrypoint.sh is the shared one and executable', (app) => {
    expect(readRepoFile(`${app}/entrypoint.sh`), `${app}/entrypoint.sh drifted`).toBe(blog);
    expect(statSync(join(repoRoot, app, 'entrypoint.sh')).mode & 0o111).toBe(0o111);
  });

  it('is POSIX sh that waits (bounded), migrates only on RUN_MIGRATIONS=true, then execs', () => {
    expect(blog.startsWith('#!/bin/sh\n')).toBe(true);
    expect(blog).toContain('set -eu');
    expect(blog).toContain('WAIT_FOR_DB_TIMEOUT:-60');
    expect(blog).toContain(`if [ "\${RUN_MIGRATIONS:-false}" = "true" ]; then`);
    expect(blog).toContain('node --import tsx node_modules/@rose-ash/shared/src/db/migrate-cli.ts');
    expect(blog.trimEnd().endsWith('exec "$@"')).toBe(true);
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
    '.env.example',
  ])('keeps %s in the build context', (path) => {
    expect(isIgnored(path)).toBe(false);
  });
});
