import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import * as schema from './schema/index.ts';

export type Schema = typeof schema;

/** The one Drizzle API every app and service uses, whether backed by pg or PGlite. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Services accept either, so a caller can run several of them inside one transaction. */
export type DatabaseLike = Database | Transaction;

export interface DatabaseHandle {
  db: Database;
  /** 'postgres' when talking to a server, 'pglite' when embedded. */
  kind: 'postgres' | 'pglite';
  /** Raw SQL for infrastructure code that needs it (LISTEN, advisory locks, ...). */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /**
   * Runs `fn` holding a Postgres session advisory lock on a dedicated connection. With
   * `wait: false` it returns `{ acquired: false }` at once when another holder has it (e.g.
   * "only one replica runs the periodic job"). Embedded mode is single-process: always runs.
   */
  withAdvisoryLock<T>(
    key: number,
    fn: () => Promise<T>,
    opts?: { wait?: boolean },
  ): Promise<{ acquired: true; value: T } | { acquired: false }>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** postgres:// URL; when absent an embedded PGlite database is used. */
  url?: string | undefined;
  /** Where PGlite keeps its files (ignored with a URL); in-memory when absent. */
  dataDir?: string | undefined;
  /** Pool size for pg. */
  max?: number;
  applicationName?: string;
}

/**
 * Opens the database: a pg Pool when a URL is given, otherwise PGlite (persisted under
 * `dataDir`). Both are exposed through the same Drizzle API.
 */
export async function connectDatabase(options: ConnectOptions): Promise<DatabaseHandle> {
  if (options.url) {
    const { default: pg } = await import('pg');
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.max ?? 10,
      application_name: options.applicationName ?? 'rose-ash',
    });
    // An idle client losing its connection must not crash the process.
    pool.on('error', () => {});
    const db = drizzle({ client: pool, schema }) as unknown as Database;
    return {
      db,
      kind: 'postgres',
      async query<T>(text: string, params?: unknown[]) {
        const result = await pool.query(text, params as unknown[]);
        return result.rows as T[];
      },
      async withAdvisoryLock(key, fn, opts) {
        // A connection of its own, outside the pool: `fn` may need every pooled connection.
        const conn = new pg.Client({ connectionString: options.url, application_name: 'rose-ash-lock' });
        await conn.connect();
        try {
          if (opts?.wait === false) {
            const r = await conn.query('SELECT pg_try_advisory_lock($1) AS ok', [key]);
            if (!r.rows[0]?.ok) return { acquired: false };
          } else {
            await conn.query('SELECT pg_advisory_lock($1)', [key]);
          }
          try {
            return { acquired: true, value: await fn() };
          } finally {
            await conn.query('SELECT pg_advisory_unlock($1)', [key]);
          }
        } finally {
          await conn.end();
        }
      },
      async close() {
        await pool.end();
      },
    };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  if (options.dataDir) mkdirSync(dirname(options.dataDir), { recursive: true });
  const client = options.dataDir ? new PGlite(options.dataDir) : new PGlite();
  await client.waitReady;
  const db = drizzle({ client, schema }) as unknown as Database;
  return {
    db,
    kind: 'pglite',
    async query<T>(text: string, params?: unknown[]) {
      const result = await client.query<T>(text, params as unknown[]);
      return result.rows;
    },
    async withAdvisoryLock(_key, fn) {
      return { acquired: true, value: await fn() };
    },
    async close() {
      await client.close();
    },
  };
}
