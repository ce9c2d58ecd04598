import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../db/client.ts';
import { runMigrations } from '../db/migrate.ts';
import { withDatabase } from './global-setup.ts';
import './services.ts';

export interface TestDatabase {
  handle: DatabaseHandle;
  /** postgres:// URL of this file's database (for processes spawned by the test), if any. */
  url: string | undefined;
  name: string;
  /** Closes connections and drops the database. */
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database for one test file: a clone of the run's template database on
 * the Postgres server, or an in-memory PGlite in embedded mode.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const services = inject('roseAshTest');
  const name = `ra_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  if (services.database === 'pglite' || !services.adminUrl || !services.templateDatabase) {
    const handle = await connectDatabase({});
    await runMigrations(handle, join(services.repoRoot, 'migrations'));
    return { handle, url: undefined, name, drop: () => handle.close() };
  }
  const admin = await connectDatabase({ url: services.adminUrl, max: 1 });
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${services.templateDatabase}"`);
  } finally {
    await admin.close();
  }
  const url = withDatabase(services.adminUrl, name);
  const handle = await connectDatabase({ url, max: 5, applicationName: 'rose-ash-test' });
  return {
    handle,
    url,
    name,
    async drop() {
      await handle.close();
      const again = await connectDatabase({ url: services.adminUrl, max: 1 });
      try {
        await again.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await again.close();
      }
    },
  };
}

/**
 * A brand-new, empty database on the test server (no template, no migrations): what an
 * operator gets from `createdb`. Needs a real Postgres server.
 */
export async function createEmptyDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const services = inject('roseAshTest');
  if (!services.adminUrl) throw new Error('createEmptyDatabase needs a Postgres server (TEST_DATABASE_URL)');
  const adminUrl = services.adminUrl;
  const name = `ra_empty_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = await connectDatabase({ url: adminUrl, max: 1 });
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.close();
  }
  return {
    url: withDatabase(adminUrl, name),
    name,
    async drop() {
      const again = await connectDatabase({ url: adminUrl, max: 1 });
      try {
        await again.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await again.close();
      }
    },
  };
}

/** True when tests run against a real Postgres server (some tests need one). */
export function hasPostgresServer(): boolean {
  return inject('roseAshTest').database === 'postgres';
}

/**
 * Skips the running test, by name and with the reason printed, when there is no PostgreSQL
 * server: the embedded fallback is one connection in one process, so row locks, SKIP LOCKED,
 * concurrent transactions and other processes cannot be exercised on it.
 */
export function requirePostgres(
  context: { skip(note?: string): void; task: { name: string } },
  why: string,
): void {
  if (hasPostgresServer()) return;
  const note = `needs a PostgreSQL server (TEST_DATABASE_URL): ${why}`;
  process.stderr.write(`*** SKIPPED "${context.task.name}": ${note}\n`);
  context.skip(note);
}

/**
 * The SQL statements this process sends to a PostgreSQL server while `fn` runs (node-postgres
 * clients; the job runner's own polling of its `pgboss` schema left out), for tests that hold
 * a path to a number of queries.
 */
export async function recordQueries<T>(fn: () => Promise<T>): Promise<{ value: T; queries: string[] }> {
  const queries: string[] = [];
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [first] = args;
    const text = typeof first === 'string' ? first : ((first as { text?: string } | undefined)?.text ?? '');
    if (!/pgboss/i.test(text)) queries.push(text);
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  try {
    return { value: await fn(), queries };
  } finally {
    pg.Client.prototype.query = query;
  }
}
