import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { APPS, DEFAULT_REGISTRY, hasCommand, readRepoFile, repoRoot } from './ops-helpers.ts';

/** docker-compose.yml: valid Compose, and the invariants the stack relies on. */

// biome-ignore lint/suspicious/noExplicitAny: a parsed YAML document, checked field by field
type Doc = Record<string, any>;

const composeText = readRepoFile('docker-compose.yml');
// `<<` merge keys (YAML 1.1) are understood by the docker CLI; resolve them the same way.
const compose: Doc = parse(composeText, { merge: true });
const services: Doc = compose.services;

/** Resolves `${VAR:-default}` the way `docker stack deploy` does when VAR is unset. */
function interpolateDefaults(value: string): string {
  return value.replace(/\$\{(\w+):-([^}]*)\}/g, (_, _name: string, fallback: string) => fallback);
}

function validator() {
  const schema = JSON.parse(readFileSync(new URL('./fixtures/compose-spec.json', import.meta.url), 'utf8'));
  // The schema names draft-07 as "https://json-schema.org/draft-07/schema", which is not the id
  // Ajv registers its draft-07 meta-schema under; draft-07 is Ajv's default dialect anyway.
  delete schema.$schema;
  // strict: false because the schema uses annotations Ajv does not know (e.g. "deprecated").
  const ajv = new Ajv({ allErrors: true, strict: false });
  return ajv.compile(schema);
}

describe('docker-compose.yml against the Compose specification schema', () => {
  const validate = validator();

  it('is valid', () => {
    const ok = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema really is applied (a misspelt key is rejected)', () => {
    const broken = structuredClone(compose);
    broken.services.blog.healthcheck.intervall = '5s';
    expect(validate(broken)).toBe(false);
  });
});

describe('docker-compose.yml invariants', () => {
  it('defines exactly postgres, redis and the six apps', () => {
    expect(Object.keys(services).sort()).toEqual([...APPS, 'postgres', 'redis'].sort());
  });

  it('runs PostgreSQL 16 and Redis 7 with persistent volumes, on the internal network only', () => {
    expect(services.postgres.image).toMatch(/^postgres:16(\.\d+)*(-alpine[\d.]*)?$/);
    expect(services.redis.image).toMatch(/^redis:7(\.\d+)*(-alpine[\d.]*)?$/);
    expect(services.postgres.volumes).toContain('pgdata:/var/lib/postgresql/data');
    expect(services.redis.volumes).toContain('redisdata:/data');
    expect(services.redis.command.join(' ')).toContain('--appendonly yes');
    for (const name of ['postgres', 'redis']) {
      const service = services[name];
      expect(service.networks).toEqual(['internal']);
      expect(service.ports, `${name} must not publish ports`).toBeUndefined();
      expect(service.healthcheck.test.length).toBeGreaterThan(0);
      // Two database containers must never share one data directory.
      expect(service.deploy.update_config.order).toBe('stop-first');
      expect(service.deploy.restart_policy.condition).toBeDefined();
    }
    expect(services.postgres.healthcheck.test.join(' ')).toContain('pg_isready');
  });

  it.each(APPS)('%s: registry image, .env, health check, networks, media', (app) => {
    const service = services[app];
    expect(service.image).toBe(`\${REGISTRY:-${DEFAULT_REGISTRY}}/${app}:latest`);
    expect(interpolateDefaults(service.image)).toBe(`${DEFAULT_REGISTRY}/${app}:latest`);
    expect(service.env_file).toBe('.env');
    const test = service.healthcheck.test as string[];
    expect(test[0]).toBe('CMD-SHELL');
    expect(test.join(' ')).toContain('http://127.0.0.1:8000/healthz');
    expect(service.healthcheck.start_period).toBeDefined();
    expect(service.networks).toEqual(['internal', 'proxy']);
    expect(service.volumes).toContain('media:/app/media');
    expect(service.environment.PORT).toBe('8000');
    expect(service.environment.NODE_ENV).toBe('production');
  });

  it.each(APPS)('%s: replicas, start-first rolling update with rollback, restart policy', (app) => {
    const { deploy } = services[app];
    expect(deploy.replicas).toBeGreaterThanOrEqual(1);
    expect(deploy.update_config).toMatchObject({ order: 'start-first', failure_action: 'rollback' });
    expect(deploy.update_config.monitor).toBeDefined();
    expect(deploy.rollback_config).toBeDefined();
    expect(deploy.restart_policy.condition).toMatch(/^(any|on-failure)$/);
  });

  it('only blog runs the migrations, and every other app pins RUN_MIGRATIONS=false', () => {
    const running = APPS.filter((app) => services[app].environment.RUN_MIGRATIONS === 'true');
    expect(running).toEqual(['blog']);
    for (const app of APPS.filter((a) => a !== 'blog')) {
      expect(services[app].environment.RUN_MIGRATIONS).toBe('false');
    }
    for (const name of ['postgres', 'redis']) {
      expect(services[name].environment?.RUN_MIGRATIONS).toBeUndefined();
    }
  });

  it('only federation runs the EventProcessor', () => {
    const running = APPS.filter((app) => services[app].environment.RUN_EVENT_PROCESSOR === 'true');
    expect(running).toEqual(['federation']);
  });

  it('declares the internal overlay, the external proxy network and the volumes', () => {
    expect(compose.networks.internal.driver).toBe('overlay');
    expect(compose.networks.proxy.external).toBe(true);
    expect(Object.keys(compose.volumes).sort()).toEqual(['media', 'pgdata', 'redisdata']);
  });

  it('uses nothing docker stack deploy ignores', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const key of ['build', 'container_name', 'restart', 'depends_on', 'links', 'network_mode']) {
        expect(service, `${name}.${key} is ignored by Swarm`).not.toHaveProperty(key);
      }
    }
  });
});

describe('docker-compose.yml through the docker CLI loader (client only, no engine)', () => {
  const canLoad = hasCommand('docker', ['stack', 'config', '--help']);
  if (!canLoad)
    console.warn('compose.test: docker CLI with `stack config` not found; skipping the loader check');

  it.skipIf(!canLoad)('`docker stack config` accepts it and environment beats a stray .env value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rose-ash-stack-'));
    try {
      copyFileSync(join(repoRoot, 'docker-compose.yml'), join(dir, 'docker-compose.yml'));
      writeFileSync(
        join(dir, '.env'),
        'POSTGRES_PASSWORD=x\nRUN_MIGRATIONS=true\nRUN_EVENT_PROCESSOR=true\n',
      );
      const result = spawnSync('docker', ['stack', 'config', '-c', 'docker-compose.yml'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, REGISTRY: '' },
      });
      expect(result.stderr).not.toMatch(/error/i);
      expect(result.status).toBe(0);
      const resolved: Doc = parse(result.stdout);
      for (const app of APPS) {
        const env = resolved.services[app].environment;
        expect(resolved.services[app].image).toBe(`${DEFAULT_REGISTRY}/${app}:latest`);
        expect(env.RUN_MIGRATIONS).toBe(app === 'blog' ? 'true' : 'false');
        expect(env.RUN_EVENT_PROCESSOR).toBe(app === 'federation' ? 'true' : 'false');
        expect(resolved.services[app].deploy.update_config.order).toBe('start-first');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
