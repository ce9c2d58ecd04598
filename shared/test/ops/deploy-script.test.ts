import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { APPS, DEFAULT_REGISTRY, repoRoot } from './ops-helpers.ts';

/**
 * deploy.sh against throw-away git repositories with crafted changes. Dry runs need no Docker;
 * "real" runs put a fake `docker` first on PATH that logs its arguments.
 */

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

// Isolated from the developer's git configuration (hooks, signing, default branch).
const gitEnv = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Ops Test',
  GIT_AUTHOR_EMAIL: 'ops@example.test',
  GIT_COMMITTER_NAME: 'Ops Test',
  GIT_COMMITTER_EMAIL: 'ops@example.test',
};

interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

class TempRepo {
  readonly dir: string;
  readonly binDir: string;
  readonly dockerLog: string;

  constructor({ git = true }: { git?: boolean } = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'rose-ash-deploy-'));
    scratch.push(this.dir);
    this.binDir = join(this.dir, '.test-bin');
    this.dockerLog = join(this.dir, '.test-docker.log');
    copyFileSync(join(repoRoot, 'deploy.sh'), join(this.dir, 'deploy.sh'));
    copyFileSync(join(repoRoot, 'docker-compose.yml'), join(this.dir, 'docker-compose.yml'));
    this.write('.gitignore', '.deploy/\n.env\n.test-bin/\n.test-docker.log\n');
    this.write('README.md', '# test\n');
    this.write('package.json', '{ "name": "rose-ash" }\n');
    this.write('pnpm-lock.yaml', "lockfileVersion: '9.0'\n");
    this.write('pnpm-workspace.yaml', 'packages: []\n');
    this.write('shared/src/index.ts', 'export {};\n');
    this.write('migrations/0000_init.sql', 'select 1;\n');
    this.write('_config/app-config.yaml', 'site: {}\n');
    this.write('e2e/journey.test.ts', '\n');
    for (const app of APPS) {
      this.write(`${app}/src/main.ts`, `// ${app}\n`);
      this.write(`${app}/Dockerfile`, 'FROM scratch\n');
    }
    if (git) {
      this.git('init', '-q', '-b', 'main');
      this.commit('initial');
    }
  }

  write(path: string, content: string): void {
    const full = join(this.dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }

  read(path: string): string {
    return readFileSync(join(this.dir, path), 'utf8');
  }

  has(path: string): boolean {
    return existsSync(join(this.dir, path));
  }

  git(...args: string[]): string {
    const result = spawnSync('git', args, {
      cwd: this.dir,
      encoding: 'utf8',
      env: { ...process.env, ...gitEnv },
    });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout.trim();
  }

  commit(message: string): string {
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message);
    return this.head();
  }

  head(): string {
    return this.git('rev-parse', 'HEAD');
  }

  /** Pretends the given commit (default HEAD) was the last deploy. */
  recordDeployed(commit = this.head()): void {
    this.write('.deploy/last-deployed', `${commit}\n`);
  }

  /** A fake docker CLI: logs every call; `FAKE_DOCKER_FAIL=<word>` fails calls containing it. */
  installFakeDocker(): void {
    this.write(
      '.test-bin/docker',
      `#!/bin/sh
printf '%s\\n' "$*" >> "${this.dockerLog}"
case " $* " in *" $FAKE_DOCKER_FAIL "*) [ -n "$FAKE_DOCKER_FAIL" ] && { echo "fake docker: $1 failed" >&2; exit 3; } ;; esac
if [ "$1" = info ]; then echo "\${FAKE_DOCKER_MANAGER:-true}"; fi
if [ "$1" = manifest ] && [ -n "$FAKE_DOCKER_MISSING" ]; then
  case "$3" in *"/$FAKE_DOCKER_MISSING:latest") exit 1 ;; esac
fi
exit 0
`,
    );
    chmodSync(join(this.binDir, 'docker'), 0o755);
    this.write('.env', 'NODE_ENV=production\n');
  }

  dockerCalls(): string[] {
    return this.has('.test-docker.log') ? this.read('.test-docker.log').trim().split('\n') : [];
  }

  run(args: string[], env: Record<string, string> = {}): RunResult {
    const result = spawnSync('bash', ['deploy.sh', ...args], {
      cwd: this.dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        ...gitEnv,
        PATH: `${this.binDir}:${process.env.PATH}`,
        REGISTRY: '',
        ...env,
      },
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }
}

/** The apps a run builds, from its `+ docker build` lines (checking their exact shape). */
function builtApps(stdout: string): string[] {
  const lines = stdout.split('\n').filter((line) => line.startsWith('+ docker build'));
  return lines.map((line) => {
    const match = /^\+ docker build -f (\w+)\/Dockerfile -t (\S+) \.$/.exec(line);
    expect(match, `unexpected build line: ${line}`).not.toBeNull();
    const [, app, tag] = match!;
    expect(tag).toBe(`${DEFAULT_REGISTRY}/${app}:latest`);
    return app!;
  });
}

function pushedApps(stdout: string): string[] {
  return [...stdout.matchAll(/^\+ docker push \S+\/(\w+):latest$/gm)].map((m) => m[1]!);
}

const STACK_DEPLOY = '+ docker stack deploy -c docker-compose.yml --with-registry-auth coop';

describe('deploy.sh --dry-run: explicit apps', () => {
  const repo = new TempRepo();

  it('builds, pushes and deploys one named app', () => {
    const { status, stdout } = repo.run(['--dry-run', 'blog']);
    expect(status).toBe(0);
    expect(builtApps(stdout)).toEqual(['blog']);
    expect(pushedApps(stdout)).toEqual(['blog']);
    expect(stdout).toContain(STACK_DEPLOY);
  });

  it('builds several named apps once each, in the canonical order', () => {
    const { status, stdout } = repo.run(['--dry-run', 'market', 'blog', 'market']);
    expect(status).toBe(0);
    expect(builtApps(stdout)).toEqual(['blog', 'market']);
    expect(pushedApps(stdout)).toEqual(['blog', 'market']);
  });

  it('--all builds all six', () => {
    const { status, stdout } = repo.run(['--all', '--dry-run']);
    expect(status).toBe(0);
    expect(builtApps(stdout)).toEqual([...APPS]);
    expect(stdout.split('\n').filter((l) => l === STACK_DEPLOY)).toHaveLength(1);
  });

  it('prints a numbered progress line per step, build and push before the stack deploy', () => {
    const { stdout } = repo.run(['--dry-run', 'blog', 'cart']);
    const steps = stdout.split('\n').filter((line) => line.startsWith('==> '));
    expect(steps).toEqual([
      '==> [1/5] build blog',
      '==> [2/5] push blog',
      '==> [3/5] build cart',
      '==> [4/5] push cart',
      '==> [5/5] deploy stack coop',
    ]);
  });

  it('uses REGISTRY for the image names', () => {
    const { stdout } = repo.run(['--dry-run', 'blog'], { REGISTRY: 'localhost:5000' });
    expect(stdout).toContain('+ docker build -f blog/Dockerfile -t localhost:5000/blog:latest .');
    expect(stdout).toContain('+ docker push localhost:5000/blog:latest');
  });

  it('rejects an unknown app with exit 2 and names the valid ones', () => {
    const { status, stdout, stderr } = repo.run(['--dry-run', 'blog', 'shop']);
    expect(status).toBe(2);
    expect(stderr).toContain("unknown app 'shop'");
    expect(stderr).toContain(APPS.join(' '));
    expect(stdout).not.toContain('+ docker');
  });

  it('rejects an unknown option and --all with app names', () => {
    expect(repo.run(['--frobnicate']).status).toBe(2);
    const mixed = repo.run(['--all', 'blog', '--dry-run']);
    expect(mixed.status).toBe(2);
    expect(mixed.stderr).toContain('--all takes no app names');
  });

  it('--help describes every mode and exits 0', () => {
    const { status, stdout } = repo.run(['--help']);
    expect(status).toBe(0);
    for (const text of [
      './deploy.sh blog',
      './deploy.sh blog market',
      './deploy.sh --all',
      '--dry-run',
      'coop',
      'shared/ops/entrypoint.sh',
      'dev/',
    ]) {
      expect(stdout).toContain(text);
    }
  });

  it('never records a deploy', () => {
    repo.run(['--dry-run', '--all']);
    expect(repo.has('.deploy/last-deployed')).toBe(false);
  });
});

describe('deploy.sh --dry-run: change detection', () => {
  it('deploys everything when no deploy was ever recorded', () => {
    const repo = new TempRepo();
    const { status, stdout } = repo.run(['--dry-run']);
    expect(status).toBe(0);
    expect(builtApps(stdout)).toEqual([...APPS]);
    expect(stdout).toContain('no previous deploy recorded');
  });

  it('does nothing when nothing changed since the last deploy', () => {
    const repo = new TempRepo();
    repo.recordDeployed();
    const { status, stdout } = repo.run(['--dry-run']);
    expect(status).toBe(0);
    expect(builtApps(stdout)).toEqual([]);
    expect(stdout).not.toContain('+ docker');
    expect(stdout).toContain('Nothing to deploy');
  });

  it('an app-only change rebuilds that app alone', () => {
    const repo = new TempRepo();
    repo.recordDeployed();
    repo.write('events/src/calendar.ts', 'export const x = 1;\n');
    repo.commit('events change');
    const { status, stdout } = repo.run(['--dry-run']);
    expect(status).toBe(0);
    expect(builtApps(stdout)).toEqual(['events']);
    expect(stdout).toContain(STACK_DEPLOY);
  });

  it('changes in two apps over several commits rebuild both', () => {
    const repo = new TempRepo();
    repo.recordDeployed();
    repo.write('account/src/main.ts', '// changed\n');
    repo.commit('account');
    repo.write('cart/templates/page.njk', '<p></p>\n');
    repo.commit('cart');
    expect(builtApps(repo.run(['--dry-run']).stdout)).toEqual(['cart', 'account']);
  });

  it("an app's Dockerfile or entrypoint.sh rebuilds that app alone", () => {
    const repo = new TempRepo();
    repo.recordDeployed();
    repo.write('cart/Dockerfile', 'FROM scratch\n# changed\n');
    repo.write('events/entrypoint.sh', '#!/bin/sh\nexec /app/shared/ops/entrypoint.sh "$@"\n');
    repo.commit('cart and events image files');
    expect(builtApps(repo.run(['--dry-run']).stdout)).toEqual(['cart', 'events']);
  });

  it('a deleted or moved app file still counts for its app', () => {
    const repo = new TempRepo();
    repo.recordDeployed();
    repo.git('mv', 'market/src/main.ts', 'market/src/index.ts');
    repo.git('rm', '-q', 'federation/src/main.ts');
    repo.commit('move and delete');
    expect(builtApps(repo.run(['--dry-run']).stdout)).toEqual(['market', 'federation']);
  });

  it.each([
    'shared/src/index.ts',
    'shared/ops/entrypoint.sh',
    'shared/templates/base.njk',
    'migrations/0001_next.sql',
    '_config/app-config.yaml',
    'docker-compose.yml',
    'package.json',
    'pnpm-lock.yaml',
    'pnpm-workspace.yaml',
    '.dockerignore',
  ])('a change to %s rebuilds all apps', (path) => {
    const repo = new TempRepo();
    repo.recordDeployed();
    repo.write(path, `# changed ${path}\n`);
    repo.commit(`change ${path}`);
    const { status, stdout } = repo.run(['--dry-run']);
    expect(status).toBe(0);
    expect(builtApps(stdout)).toEqual([...APPS]);
    expect(stdout).toContain(`${path} changed`);
  });

  it('documentation, e2e, bench, dev runner and CI changes rebuild nothing', () => {
    const repo = new TempRepo();
    repo.recordDeployed();
    repo.write('README.md', '# more docs\n');
    repo.write('e2e/journey.test.ts', '// more\n');
    repo.write('bench/run.ts', '// bench\n');
    repo.write('dev/src/run-all.ts', '// the dev runner is in no image\n');
    repo.write('dev/package.json', '{ "name": "@rose-ash/dev" }\n');
    repo.write('.gitea/workflows/ci.yml', 'name: CI\n');
    repo.write('blogroll.md', 'not the blog app\n');
    repo.commit('docs');
    const { status, stdout } = repo.run(['--dry-run']);
    expect(status).toBe(0);
    expect(builtApps(stdout)).toEqual([]);
  });

  it('counts uncommitted and untracked changes, but not ignored files', () => {
    const repo = new TempRepo();
    repo.recordDeployed();
    repo.write('blog/src/main.ts', '// edited, not committed\n');
    repo.write('cart/src/new-file.ts', '// untracked\n');
    repo.write('.env', 'SECRET=1\n');
    const { stdout, stderr } = repo.run(['--dry-run']);
    expect(builtApps(stdout)).toEqual(['blog', 'cart']);
    expect(stderr).toContain('uncommitted changes');
  });

  it('--since overrides the recorded commit; an empty --since means "never deployed"', () => {
    const repo = new TempRepo();
    const first = repo.head();
    repo.write('market/src/main.ts', '// market, changed\n');
    repo.commit('market');
    repo.recordDeployed();
    expect(builtApps(repo.run(['--dry-run']).stdout)).toEqual([]);
    expect(builtApps(repo.run(['--dry-run', '--since', first]).stdout)).toEqual(['market']);
    expect(builtApps(repo.run(['--dry-run', '--since=']).stdout)).toEqual([...APPS]);
  });

  it('deploys everything, with a warning, when the recorded commit is unknown', () => {
    const repo = new TempRepo();
    repo.recordDeployed('0123456789abcdef0123456789abcdef01234567');
    const { status, stdout, stderr } = repo.run(['--dry-run']);
    expect(status).toBe(0);
    expect(builtApps(stdout)).toEqual([...APPS]);
    expect(stderr).toContain('is not in this repository');
  });

  it('--list prints just the app names, one per line', () => {
    const repo = new TempRepo();
    repo.recordDeployed();
    repo.write('blog/src/a.ts', '\n');
    repo.write('federation/src/a.ts', '\n');
    const { status, stdout } = repo.run(['--list']);
    expect(status).toBe(0);
    expect(stdout).toBe('blog\nfederation\n');
  });

  it('fails with a clear message outside a git work tree', () => {
    const repo = new TempRepo({ git: false });
    const { status, stderr } = repo.run(['--dry-run']);
    expect(status).toBe(1);
    expect(stderr).toContain('not a git work tree; name the apps or use --all');
    expect(repo.run(['--dry-run', 'blog']).status).toBe(0);
  });

  it('works when called from another directory', () => {
    const repo = new TempRepo();
    repo.recordDeployed();
    repo.write('cart/src/x.ts', '\n');
    const result = spawnSync('bash', [join(repo.dir, 'deploy.sh'), '--dry-run'], {
      cwd: tmpdir(),
      encoding: 'utf8',
      env: { ...process.env, ...gitEnv, REGISTRY: '' },
    });
    expect(result.status).toBe(0);
    expect(builtApps(result.stdout)).toEqual(['cart']);
  });
});

describe('deploy.sh with a (fake) docker', () => {
  it('builds, pushes, deploys the stack, then records HEAD so the next run has nothing to do', () => {
    const repo = new TempRepo();
    repo.installFakeDocker();
    const { status, stdout, stderr } = repo.run(['--all']);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const calls = repo.dockerCalls();
    expect(calls[0]).toBe('info --format {{.Swarm.ControlAvailable}}');
    expect(calls.filter((c) => c.startsWith('build '))).toHaveLength(6);
    expect(calls.at(-1)).toBe('stack deploy -c docker-compose.yml --with-registry-auth coop');
    expect(calls.indexOf(`push ${DEFAULT_REGISTRY}/account:latest`)).toBeLessThan(calls.length - 1);
    expect(stdout).toMatch(/^ {4}done: build blog \(\d+s\)$/m);
    expect(repo.read('.deploy/last-deployed').trim()).toBe(repo.head());
    expect(repo.read('.deploy/history.log')).toContain(repo.head());

    const again = repo.run([]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('Nothing to deploy');
  });

  it('stops at the first failing step with its status and records nothing', () => {
    const repo = new TempRepo();
    repo.installFakeDocker();
    const { status, stderr } = repo.run(['blog', 'market', 'cart'], {
      FAKE_DOCKER_FAIL: `${DEFAULT_REGISTRY}/market:latest`,
    });
    expect(status).toBe(3);
    expect(stderr).toMatch(/step 3\/7 "build market" failed \(exit 3\)/);
    const calls = repo.dockerCalls();
    expect(calls.some((c) => c.includes('/cart:latest'))).toBe(false);
    expect(calls.some((c) => c.startsWith('stack deploy'))).toBe(false);
    expect(repo.has('.deploy/last-deployed')).toBe(false);
  });

  it('refuses before building when .env is missing or the host is not a swarm manager', () => {
    const repo = new TempRepo();
    repo.installFakeDocker();
    rmSync(join(repo.dir, '.env'));
    const noEnv = repo.run(['blog']);
    expect(noEnv.status).toBe(1);
    expect(noEnv.stderr).toContain('.env not found');
    expect(repo.dockerCalls().some((c) => c.startsWith('build'))).toBe(false);

    repo.write('.env', 'NODE_ENV=production\n');
    const worker = repo.run(['blog'], { FAKE_DOCKER_MANAGER: 'false' });
    expect(worker.status).toBe(1);
    expect(worker.stderr).toContain('not a swarm manager');
    expect(repo.dockerCalls().some((c) => c.startsWith('build'))).toBe(false);
  });

  it('a partial explicit deploy leaves other changed apps pending', () => {
    const repo = new TempRepo();
    repo.installFakeDocker();
    const before = repo.head();
    repo.recordDeployed();
    repo.write('blog/src/a.ts', '\n');
    repo.write('market/src/a.ts', '\n');
    repo.commit('blog and market');

    const partial = repo.run(['blog']);
    expect(partial.status).toBe(0);
    expect(partial.stdout).toContain('undeployed changes remain in market');
    expect(repo.read('.deploy/last-deployed').trim()).toBe(before);

    const rest = repo.run(['blog', 'market']);
    expect(rest.status).toBe(0);
    expect(repo.read('.deploy/last-deployed').trim()).toBe(repo.head());
  });

  it('a --since run that covers less than the last record does not record', () => {
    const repo = new TempRepo();
    repo.installFakeDocker();
    const before = repo.head();
    repo.recordDeployed();
    repo.write('blog/src/a.ts', '\n');
    const middle = repo.commit('blog');
    repo.write('cart/src/a.ts', '\n');
    repo.commit('cart');
    const { status, stdout } = repo.run(['--since', middle]);
    expect(status).toBe(0);
    expect(builtApps(stdout)).toEqual(['cart']);
    expect(repo.read('.deploy/last-deployed').trim()).toBe(before);
  });

  it('--build-only pushes without deploying or recording; --no-build deploys and records', () => {
    const repo = new TempRepo();
    repo.installFakeDocker();
    const built = repo.run(['--build-only', 'cart']);
    expect(built.status).toBe(0);
    expect(repo.dockerCalls().some((c) => c.startsWith('stack deploy'))).toBe(false);
    expect(repo.has('.deploy/last-deployed')).toBe(false);

    const deployed = repo.run(['--no-build']);
    expect(deployed.status).toBe(0);
    expect(repo.dockerCalls().filter((c) => c.startsWith('build'))).toHaveLength(1);
    expect(repo.dockerCalls().at(-1)).toBe('stack deploy -c docker-compose.yml --with-registry-auth coop');
    expect(repo.read('.deploy/last-deployed').trim()).toBe(repo.head());
  });

  it('--with-missing adds apps whose image the registry lacks', () => {
    const repo = new TempRepo();
    repo.installFakeDocker();
    repo.recordDeployed();
    repo.write('blog/src/a.ts', '\n');
    const { status, stdout } = repo.run(['--list', '--with-missing'], { FAKE_DOCKER_MISSING: 'events' });
    expect(status).toBe(0);
    expect(stdout).toBe('blog\nevents\n');
    expect(repo.dockerCalls()).toContain(`manifest inspect ${DEFAULT_REGISTRY}/events:latest`);
  });
});
