import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../src/config/env-schema.ts';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { testConfig } from '../../src/testing/config.ts';

const repoRoot = join(import.meta.dirname, '../../..');

function load(env: Record<string, string | undefined>) {
  return loadConfig({
    cwd: repoRoot,
    env: { NODE_ENV: 'test', DATA_DIR: mkdtempSync(join(tmpdir(), 'ra-cfg-')), ...env },
  });
}

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('derives development URLs from the dev ports', () => {
    const config = load({});
    expect(config.apps.blog.publicUrl).toBe('http://localhost:8001');
    expect(config.apps.account.internalUrl).toBe('http://localhost:8006');
    expect(config.site.timezone).toBe('Europe/London');
    expect(config.databaseUrl).toBeUndefined();
  });

  it('derives production URLs from the domain and the container port', () => {
    const config = testConfig({
      env: { NODE_ENV: 'production', DATABASE_URL: 'postgres://db/x', REDIS_URL: 'redis://r:6379' },
    });
    expect(config.apps.market.publicUrl).toBe('https://market.rose-ash.com');
    expect(config.apps.market.internalUrl).toBe('http://market:8000');
    expect(config.host).toBe('0.0.0.0');
  });

  it('lets <APP>_PUBLIC_URL override and strips the trailing slash', () => {
    const config = load({ EVENTS_PUBLIC_URL: 'https://whats-on.example.org/' });
    expect(config.apps.events.publicUrl).toBe('https://whats-on.example.org');
  });

  it('names REDIS_URL when it is malformed', () => {
    const found = problems(() => load({ REDIS_URL: 'foo' }));
    expect(found.join('\n')).toMatch(/^REDIS_URL: /m);
  });

  it('names DATABASE_URL when it is not a postgres URL', () => {
    expect(problems(() => load({ DATABASE_URL: 'mysql://x' })).join()).toContain('DATABASE_URL');
  });

  it('refuses to start production without its secrets, naming each', () => {
    const found = problems(() => loadConfig({ cwd: repoRoot, env: { NODE_ENV: 'production' } }));
    for (const name of [
      'DATABASE_URL',
      'REDIS_URL',
      'INTERNAL_TOKEN',
      'OIDC_SIGNING_KEY',
      'AP_PRIVATE_KEY',
    ]) {
      expect(found.some((p) => p.startsWith(`${name}:`))).toBe(true);
    }
  });

  it('generates development secrets once and keeps them', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ra-dev-'));
    const first = loadConfig({ cwd: repoRoot, env: { NODE_ENV: 'development', DATA_DIR: dataDir } });
    const second = loadConfig({ cwd: repoRoot, env: { NODE_ENV: 'development', DATA_DIR: dataDir } });
    expect(first.secrets.internalToken).toHaveLength(43);
    expect(second.secrets).toEqual(first.secrets);
    expect(first.secrets.apPrivateKey).toContain('BEGIN PRIVATE KEY');
    expect(JSON.parse(readFileSync(join(dataDir, 'dev-secrets.json'), 'utf8')).internalToken).toBe(
      first.secrets.internalToken,
    );
  });

  it('reports a bad YAML value with its key path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ra-yaml-'));
    const file = join(dir, 'app-config.yaml');
    writeFileSync(
      file,
      readFileSync(join(repoRoot, '_config/app-config.yaml'), 'utf8').replace(
        'Europe/London',
        'Mars/Olympus',
      ),
    );
    expect(problems(() => load({ APP_CONFIG_PATH: file })).join()).toContain('site.timezone');
  });

  it('merges ADMIN_EMAILS with the configured admins, lower-cased; dev admins only in development', () => {
    const config = load({ ADMIN_EMAILS: 'Ada@Example.org, bob@example.org' });
    expect(config.admins).toEqual(['ada@example.org', 'bob@example.org']);
    expect(load({ NODE_ENV: 'development' }).admins).toEqual(['admin@rose-ash.test']);
    expect(problems(() => load({ ADMIN_EMAILS: 'not-an-email' })).join()).toContain('ADMIN_EMAILS');
  });

  it('requires the Ghost admin key with GHOST_URL and checks its shape', () => {
    expect(problems(() => load({ GHOST_URL: 'http://ghost.local' })).join()).toContain('GHOST_ADMIN_API_KEY');
    expect(problems(() => load({ GHOST_URL: 'http://g', GHOST_ADMIN_API_KEY: 'nocolon' })).join()).toContain(
      'GHOST_ADMIN_API_KEY',
    );
    expect(load({ GHOST_URL: 'http://g/', GHOST_ADMIN_API_KEY: 'abc:0123ff' }).ghost?.url).toBe('http://g');
  });
});

describe('.env.example', () => {
  it('documents every variable the config reads, and nothing else', () => {
    const text = readFileSync(join(repoRoot, '.env.example'), 'utf8');
    const documented = new Set([...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    // Read by docker-compose.yml and entrypoint.sh rather than by the apps.
    const stackOnly = ['POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB', 'WAIT_FOR_DB_TIMEOUT'];
    const read = [...Object.keys(envSchema.shape), ...stackOnly];
    expect([...documented].sort()).toEqual(read.sort());
  });
});
