import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { APPS, hasCommand, readRepoFile, repoRoot } from './ops-helpers.ts';

/**
 * shellcheck (Debian package `shellcheck`) over deploy.sh, .ci/run, every entrypoint.sh (the six
 * thin ones and shared/ops/entrypoint.sh) and the shell steps of the Gitea workflow. A missing
 * shellcheck is a failure, not a skip: CI installs it.
 */

const INSTALL_HINT = 'shellcheck is not installed: apt-get install -y shellcheck';

describe('shellcheck', () => {
  const available = hasCommand('shellcheck');

  it('passes on deploy.sh, .ci/run and every entrypoint.sh', () => {
    expect(available, INSTALL_HINT).toBe(true);
    const files = [
      'deploy.sh',
      '.ci/run',
      'shared/ops/entrypoint.sh',
      ...APPS.map((app) => `${app}/entrypoint.sh`),
    ];
    const result = spawnSync('shellcheck', files, { cwd: repoRoot, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('passes on every run: step of .gitea/workflows/ci.yml (as bash)', () => {
    expect(available, INSTALL_HINT).toBe(true);
    const workflow = parse(readRepoFile('.gitea/workflows/ci.yml')) as {
      jobs: Record<string, { steps: { name?: string; run?: string }[] }>;
    };
    const scripts = Object.entries(workflow.jobs).flatMap(([job, { steps }]) =>
      steps
        .filter((step) => step.run)
        .map((step) => ({ where: `${job}: ${step.name ?? step.run}`, run: step.run! })),
    );
    expect(scripts.length).toBeGreaterThan(0);
    for (const { where, run } of scripts) {
      expect(run, `${where} interpolates an expression into the script`).not.toContain('${{');
      const result = spawnSync('shellcheck', ['--shell=bash', '-'], { input: run, encoding: 'utf8' });
      expect(result.stdout, where).toBe('');
      expect(result.status, where).toBe(0);
    }
  });
});
