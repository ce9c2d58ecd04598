import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { generateSecrets } from '../config/dev-secrets.ts';
import { connectDatabase } from '../db/client.ts';
import { runMigrations } from '../db/migrate.ts';
import type { TestServices } from './services.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

interface Started {
  services: TestServices;
  teardown: () => Promise<void>;
}

// Vitest may call a root global setup once per project; share one set of services per run.
const state = globalThis as typeof globalThis & { __roseAshTest?: Promise<Started>; __roseAshUsers?: number };

/**
 * Resolves the services tests run against, in this order: TEST_DATABASE_URL / TEST_REDIS_URL;
 * else testcontainers when a Docker engine answers; else the embedded fallbacks (PGlite and an
 * in-process cache), said loudly. Then migrates one template database that test files clone.
 */
export default async function setup(project: TestProject) {
  state.__roseAshUsers = (state.__roseAshUsers ?? 0) + 1;
  state.__roseAshTest ??= start();
  const { services } = await state.__roseAshTest;
  project.provide('roseAshTest', services);
  return async () => {
    state.__roseAshUsers = (state.__roseAshUsers ?? 1) - 1;
    if (state.__roseAshUsers === 0 && state.__roseAshTest) {
      const started = await state.__roseAshTest;
      state.__roseAshTest = undefined;
      await started.teardown();
    }
  };
}

async function start(): Promise<Started> {
  const teardowns: (() => Promise<void>)[] = [];
  let adminUrl = process.env.TEST_DATABASE_URL;
  let redisUrl = process.env.TEST_REDIS_URL;
  const sources: string[] = [];
  if (adminUrl) sources.push('TEST_DATABASE_URL');
  if (redisUrl) sources.push('TEST_REDIS_URL');

  if ((!adminUrl || !redisUrl) && (await dockerAnswers())) {
    if (!adminUrl) {
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const pg = await new PostgreSqlContainer('postgres:16-alpine').start();
      adminUrl = pg.getConnectionUri();
      teardowns.push(async () => void (await pg.stop()));
      sources.push('testcontainers postgres');
    }
    if (!redisUrl) {
      const { RedisContainer } = await import('@testcontainers/redis');
      const redis = await new RedisContainer('redis:7-alpine').start();
      redisUrl = redis.getConnectionUrl();
      teardowns.push(async () => void (await redis.stop()));
      sources.push('testcontainers redis');
    }
  }
  if (!adminUrl || !redisUrl) {
    process.stderr.write(
      `\n*** rose-ash tests: ${!adminUrl ? 'no PostgreSQL (TEST_DATABASE_URL unset, no Docker): using embedded PGlite' : ''}` +
        `${!adminUrl && !redisUrl ? '; ' : ''}${!redisUrl ? 'no Redis (TEST_REDIS_URL unset, no Docker): using the in-process cache' : ''}. ` +
        'Tests that need a real server are SKIPPED. ***\n\n',
    );
    sources.push('embedded fallbacks');
  }

  const secrets = generateSecrets();
  const secretsEnv: Record<string, string> = {
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

  let templateDatabase: string | undefined;
  if (adminUrl) {
    templateDatabase = `ra_tpl_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    const admin = await connectDatabase({ url: adminUrl, max: 1 });
    await admin.query(`CREATE DATABASE "${templateDatabase}"`);
    const tplUrl = withDatabase(adminUrl, templateDatabase);
    const tpl = await connectDatabase({ url: tplUrl, max: 1 });
    try {
      await runMigrations(tpl, join(repoRoot, 'migrations'));
    } finally {
      await tpl.close();
    }
    const name = templateDatabase;
    teardowns.push(async () => {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {});
      await admin.close();
    });
  }

  const services: TestServices = {
    database: adminUrl ? 'postgres' : 'pglite',
    cache: redisUrl ? 'redis' : 'memory',
    ...(adminUrl ? { adminUrl } : {}),
    ...(templateDatabase ? { templateDatabase } : {}),
    ...(redisUrl ? { redisUrl } : {}),
    source: sources.join(', '),
    secretsEnv,
    repoRoot,
  };
  return {
    services,
    teardown: async () => {
      for (const t of teardowns.reverse()) await t().catch(() => {});
    },
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function dockerAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await Promise.race([
      getContainerRuntimeClient(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 5_000)),
    ]);
    return true;
  } catch {
    return false;
  }
}
