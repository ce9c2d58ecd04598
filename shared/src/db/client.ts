import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
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
  /** The server's URL (kind 'postgres'): the job runner opens its own small pool on it. */
  url?: string;
  /** The embedded instance (kind 'pglite'): the job runner shares its single connection. */
  pglite?: PGlite;
  /** Raw SQL for infrastructure code that needs it (LISTEN, advisory locks, ...). */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /**
   * Runs `fn` holding a Postgres session advisory lock, named (the key is `hashtext(name)`), on
   * a dedicated connection. With `wait: false` it returns `{ acquired: false }` at once when
   * another holder has it. Embedded mode is single-process: always runs. Periodic work does not
   * use this (the job runner guarantees once-per-tick); migrations do.
   */
  withAdvisoryLock<T>(
    name: string,
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
      // A database that does not answer must not hold a request: waiting for a connection (a
      // new one, or a free one from a busy pool) gives up after this and the page is a 503.
      connectionTimeoutMillis: 2_000,
    });
    // An idle client losing its connection must not crash the process.
    pool.on('error', () => {});
    const db = drizzle({ client: pool, schema }) as unknown as Database;
    return {
      db,
      kind: 'postgres',
      url: options.url,
      async query<T>(text: string, params?: unknown[]) {
        const result = await pool.query(text, params as unknown[]);
        return result.rows as T[];
      },
      async withAdvisoryLock(name, fn, opts) {
        // A connection of its own, outside the pool: `fn` may need every pooled connection.
        const conn = new pg.Client({ connectionString: options.url, application_name: 'rose-ash-lock' });
        await conn.connect();
        try {
          if (opts?.wait === false) {
            const r = await conn.query('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [name]);
            if (!r.rows[0]?.ok) return { acquired: false };
          } else {
            await conn.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
          }
          try {
            return { acquired: true, value: await fn() };
          } finally {
            await conn.query('SELECT pg_advisory_unlock(hashtext($1))', [name]);
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
  // unaccent (bundled with PGlite) lets market search fold accents as it does on PostgreSQL.
  const { unaccent } = await import('@electric-sql/pglite/contrib/unaccent');
  const { drizzle } = await import('drizzle-orm/pglite');
  if (options.dataDir) mkdirSync(dirname(options.dataDir), { recursive: true });
  const releaseLock = options.dataDir ? lockDataDir(options.dataDir) : () => {};
  const client = new PGlite({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    extensions: { unaccent },
  });
  try {
    await client.waitReady;
  } catch (err) {
    releaseLock();
    throw err;
  }
  const db = drizzle({ client, schema }) as unknown as Database;
  return {
    db,
    kind: 'pglite',
    pglite: client,
    async query<T>(text: string, params?: unknown[]) {
      const result = await client.query<T>(text, params as unknown[]);
      return result.rows;
    },
    async withAdvisoryLock(_name, fn) {
      return { acquired: true, value: await fn() };
    },
    async close() {
      await client.close();
      releaseLock();
    },
  };
}

/** The embedded database's folder is already open in another process (PGlite is single-process). */
export class DatabaseInUseError extends Error {
  readonly dataDir: string;
  readonly pid: number;

  constructor(dataDir: string, pid: number) {
    super(
      `The embedded database at ${dataDir} is in use by process ${pid} (a running \`pnpm dev\`?). ` +
        'Stop that process first, or run against a PostgreSQL server with DATABASE_URL.',
    );
    this.name = 'DatabaseInUseError';
    this.dataDir = dataDir;
    this.pid = pid;
  }
}

/**
 * Takes `<dataDir>.lock` (holding our pid) so a second process (`sync:ghost`, `pnpm jobs`, a
 * second `pnpm dev`) refuses with a clear message instead of corrupting the files. A lock left
 * by a process that no longer exists is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  const lockFile = `${dataDir}.lock`;
  for (let tries = 0; tries < 2; tries++) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        rmSync(lockFile, { force: true });
        process.off('exit', release);
      };
      process.on('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(lockFile, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new DatabaseInUseError(dataDir, pid);
      }
      rmSync(lockFile, { force: true });
    }
  }
  throw new Error(`could not lock ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
