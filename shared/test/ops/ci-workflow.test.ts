import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readRepoFile, repoRoot } from './ops-helpers.ts';

/** .gitea/workflows/ci.yml: parses, tests before it builds, deploys over SSH, documented secrets only. */

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  if?: string;
}

interface Job {
  'runs-on': string;
  needs?: string | string[];
  if?: string;
  services?: Record<string, { image: string }>;
  env?: Record<string, string>;
  steps: Step[];
}

const text = readRepoFile('.gitea/workflows/ci.yml');
const workflow = parse(text) as { name: string; on: Record<string, unknown>; jobs: Record<string, Job> };
const { test, build, deploy } = workflow.jobs;
const runs = (job: Job) => job.steps.map((step) => step.run ?? '').join('\n');

const DOCUMENTED_SECRETS = ['DEPLOY_HOST', 'DEPLOY_SSH_KEY'];

describe('.gitea/workflows/ci.yml', () => {
  it('parses into the test, build and deploy jobs', () => {
    expect(workflow.name).toBeTruthy();
    expect(Object.keys(workflow.jobs)).toEqual(['test', 'build', 'deploy']);
    expect(workflow.on).toHaveProperty('push');
    expect(workflow.on).toHaveProperty('pull_request');
  });

  it('names only the documented secrets, and both of them', () => {
    const used = new Set([...text.matchAll(/secrets\.(\w+)/g)].map((m) => m[1]));
    expect([...used].sort()).toEqual(DOCUMENTED_SECRETS);
    // The operator sections live in README.md (README.ops.md until they are merged).
    const readme = ['README.md', 'README.ops.md']
      .filter((file) => existsSync(join(repoRoot, file)))
      .map(readRepoFile)
      .join('\n');
    for (const secret of DOCUMENTED_SECRETS) expect(readme).toContain(`| \`${secret}\` |`);
  });

  it('tests on Node 22 with pnpm against PostgreSQL 16 and Redis 7', () => {
    expect(test!.services!.postgres!.image).toMatch(/^postgres:16/);
    expect(test!.services!.redis!.image).toMatch(/^redis:7/);
    expect(test!.env!.TEST_DATABASE_URL).toMatch(/^postgres(ql)?:\/\/.*@postgres:5432\//);
    expect(test!.env!.TEST_REDIS_URL).toMatch(/^redis:\/\/redis:6379/);
    const setupNode = test!.steps.find((step) => step.uses?.startsWith('actions/setup-node@'));
    expect(setupNode?.with?.['node-version']).toBe(22);
    expect(test!.steps.some((step) => step.uses?.startsWith('pnpm/action-setup@'))).toBe(true);
    expect(runs(test!)).toContain('pnpm install --frozen-lockfile');
    expect(runs(test!)).toContain('pnpm test');
    expect(runs(test!)).toMatch(/apt-get install [^\n]*shellcheck/);
  });

  it('builds only after the tests, only for main, with the change detection of deploy.sh', () => {
    expect(build!.needs).toBe('test');
    expect(build!.if).toContain("github.ref == 'refs/heads/main'");
    expect(build!.if).toContain("github.event_name != 'pull_request'");
    const checkout = build!.steps.find((step) => step.uses?.startsWith('actions/checkout@'));
    expect(checkout?.with?.['fetch-depth']).toBe(0);
    expect(runs(build!)).toContain('./deploy.sh --list --with-missing --since "$base"');
    expect(runs(build!)).toContain('./deploy.sh --build-only $APPS');
    expect(runs(build!)).toContain('.deploy/last-deployed');
  });

  it('deploys over SSH with the deploy key, only when something was built', () => {
    expect(deploy!.needs).toBe('build');
    expect(deploy!.if).toBe("needs.build.outputs.apps != ''");
    const step = deploy!.steps.find((s) => s.run?.includes('ssh '))!;
    expect(step.env).toMatchObject({
      DEPLOY_SSH_KEY: `\${{ secrets.DEPLOY_SSH_KEY }}`,
      DEPLOY_HOST: `\${{ secrets.DEPLOY_HOST }}`,
    });
    expect(step.run).toContain('-i ~/.ssh/deploy_key');
    expect(step.run).toContain('"root@$DEPLOY_HOST"');
    expect(step.run).toContain('./deploy.sh --no-build');
  });
});
