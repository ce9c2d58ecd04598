/**
 * Keeps the three descriptions of the database in step: the Drizzle tables
 * (shared/src/db/schema), the migration history that production applies (migrations/) and the
 * readable snapshot (schema.sql). Editing a table without `pnpm db:generate` and
 * `pnpm db:export` fails here, as does a hand-edited migration or snapshot.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const migrationsFolder = join(repoRoot, 'migrations');
const schemaSqlPath = join(repoRoot, 'schema.sql');
const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

type Rows = Record<string, unknown>[];

/**
 * A database's `public` schema as comparable data, keyed by name. Column order is left out on
 * purpose: a column added by a later migration lands last, while schema.sql lists it where the
 * table definition has it, and both are the same schema.
 */
interface SchemaShape {
  tables: Record<string, unknown>;
  columns: Record<string, unknown>;
  constraints: Record<string, unknown>;
  indexes: Record<string, unknown>;
  sequences: Record<string, unknown>;
  enums: Record<string, unknown>;
}

/** Reads the catalogs; only `public`, so the migrator's own `drizzle` schema is ignored. */
async function introspect(query: (text: string) => Promise<Rows>): Promise<SchemaShape> {
  const keyed = (rows: Rows, key: (r: Rows[number]) => string, value: (r: Rows[number]) => unknown) =>
    Object.fromEntries(rows.map((r) => [key(r), value(r)]));

  const tables = await query(`
    select c.relname as name, c.relkind::text as kind
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'f')`);
  const columns = await query(`
    select c.relname as table_name, a.attname as column_name,
           format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as not_null,
           pg_get_expr(d.adbin, d.adrelid) as default_expr,
           a.attidentity::text as identity, a.attgenerated::text as generated
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    join pg_namespace n on n.oid = c.relnamespace
    left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'f')
      and a.attnum > 0 and not a.attisdropped`);
  // NOT NULL is compared through the columns: Postgres 18 (PGlite) also lists it here, under
  // a name derived from the column that a later rename would not update.
  const constraints = await query(`
    select c.relname as table_name, co.conname as name, co.contype::text as type,
           pg_get_constraintdef(co.oid) as def
    from pg_constraint co
    join pg_class c on c.oid = co.conrelid
    join pg_namespace n on n.oid = co.connamespace
    where n.nspname = 'public' and co.contype <> 'n'`);
  const indexes = await query(`
    select tablename as table_name, indexname as name, indexdef as def
    from pg_indexes where schemaname = 'public'`);
  const sequences = await query(`
    select sequencename as name, data_type::text as type, start_value::text as start,
           increment_by::text as increment, min_value::text as min, max_value::text as max, cycle
    from pg_sequences where schemaname = 'public'`);
  const enums = await query(`
    select t.typname as name, string_agg(e.enumlabel, ',' order by e.enumsortorder) as labels
    from pg_type t
    join pg_enum e on e.enumtypid = t.oid
    join pg_namespace n on n.oid = t.typnamespace
    where n.nspname = 'public'
    group by t.typname`);

  return {
    tables: keyed(
      tables,
      (r) => String(r.name),
      (r) => r.kind,
    ),
    columns: keyed(
      columns,
      (r) => `${r.table_name}.${r.column_name}`,
      (r) => ({
        type: r.type,
        notNull: r.not_null,
        default: r.default_expr,
        identity: r.identity,
        generated: r.generated,
      }),
    ),
    constraints: keyed(
      constraints,
      (r) => `${r.table_name}.${r.name}`,
      (r) => `${r.type} ${r.def}`,
    ),
    indexes: keyed(
      indexes,
      (r) => `${r.table_name}.${r.name}`,
      (r) => r.def,
    ),
    sequences: keyed(
      sequences,
      (r) => String(r.name),
      (r) => [r.type, r.start, r.increment, r.min, r.max, r.cycle].join(' '),
    ),
    enums: keyed(
      enums,
      (r) => String(r.name),
      (r) => r.labels,
    ),
  };
}

/** Human-readable differences between two shapes; empty when they describe the same schema. */
function diffSchemas(a: SchemaShape, b: SchemaShape, labels: [string, string]): string[] {
  const [la, lb] = labels;
  const out: string[] = [];
  for (const section of Object.keys(a) as (keyof SchemaShape)[]) {
    const left = a[section];
    const right = b[section];
    const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
    for (const key of keys) {
      const x = key in left ? JSON.stringify(left[key]) : undefined;
      const y = key in right ? JSON.stringify(right[key]) : undefined;
      if (y === undefined) out.push(`${section} ${key}: only in ${la}`);
      else if (x === undefined) out.push(`${section} ${key}: only in ${lb}`);
      else if (x !== y) out.push(`${section} ${key}: ${la} ${x} but ${lb} ${y}`);
    }
  }
  return out;
}

/** drizzle-kit may print progress lines (config file, driver) before the SQL; keep only SQL. */
function sqlOnly(text: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const first = lines.findIndex((line) => /^(CREATE|ALTER|DROP|COMMENT|DO|--)\b/.test(line));
  return first === -1 ? '' : lines.slice(first).join('\n').trimEnd();
}

function drizzleKitExport(): string {
  return execFileSync(join(repoRoot, 'node_modules/.bin/drizzle-kit'), ['export', '--sql'], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    // The .bin shim runs `node` from PATH; make it the node running the tests.
    env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` },
  });
}

interface ScratchDatabase {
  query(text: string): Promise<Rows>;
  /** Runs a script of several statements. */
  exec(text: string): Promise<void>;
  /** Applies migrations/ with Drizzle's migrator, as `pnpm db:migrate` does. */
  migrate(): Promise<void>;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function serverAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function createServerDatabase(adminUrl: string, name: string): Promise<ScratchDatabase> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  // One connection, so a transaction opened by one query() is seen by the next.
  const client = new pg.Client({ connectionString: withDatabase(adminUrl, name) });
  // A connection killed server-side must fail the pending query, not crash the worker.
  client.on('error', () => {});
  await client.connect();
  return {
    query: async (text) => (await client.query(text)).rows,
    exec: async (text) => void (await client.query(text)),
    migrate: () => migrate(drizzle({ client }), { migrationsFolder }),
    async drop() {
      await client.end().catch(() => {});
      const again = new pg.Client({ connectionString: adminUrl });
      await again.connect();
      try {
        await again.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await again.end();
      }
    },
  };
}

async function createPgliteDatabase(): Promise<ScratchDatabase> {
  const client = new PGlite();
  await client.waitReady;
  return {
    query: async (text) => (await client.query<Record<string, unknown>>(text)).rows,
    exec: async (text) => void (await client.exec(text)),
    migrate: () => migratePglite(drizzlePglite({ client }), { migrationsFolder }),
    drop: () => client.close(),
  };
}

describe('diffSchemas', () => {
  const base = (): SchemaShape => ({
    tables: { users: 'r' },
    columns: {
      'users.email': { type: 'text', notNull: true, default: null, identity: '', generated: '' },
    },
    constraints: { 'users.users_pkey': 'p PRIMARY KEY (id)' },
    indexes: { 'users.users_pkey': 'CREATE UNIQUE INDEX users_pkey ON public.users USING btree (id)' },
    sequences: {},
    enums: {},
  });

  it('finds nothing between equal shapes', () => {
    expect(diffSchemas(base(), base(), ['a', 'b'])).toEqual([]);
  });

  it('reports a column that differs', () => {
    const changed = base();
    changed.columns['users.email'] = {
      type: 'text',
      notNull: false,
      default: null,
      identity: '',
      generated: '',
    };
    const diff = diffSchemas(base(), changed, ['migrations', 'schema.sql']);
    expect(diff).toHaveLength(1);
    expect(diff[0]).toMatch(
      /^columns users\.email: migrations .*"notNull":true.* but schema\.sql .*"notNull":false/,
    );
  });

  it('reports objects present on one side only', () => {
    const fewer = base();
    delete fewer.indexes['users.users_pkey'];
    expect(diffSchemas(base(), fewer, ['migrations', 'schema.sql'])).toEqual([
      'indexes users.users_pkey: only in migrations',
    ]);
  });
});

describe('schema snapshot', () => {
  let fromMigrations: ScratchDatabase | undefined;
  let fromSnapshot: ScratchDatabase | undefined;
  let migratedShape: SchemaShape;
  let snapshotShape: SchemaShape;

  beforeAll(async () => {
    const explicitUrl = process.env.TEST_DATABASE_URL;
    const adminUrl = explicitUrl ?? DEFAULT_ADMIN_URL;
    // An explicit URL must work; only the implicit local default may fall back to PGlite.
    const useServer = explicitUrl !== undefined || (await serverAnswers(adminUrl));
    if (useServer) {
      const stem = `ra_schema_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
      fromMigrations = await createServerDatabase(adminUrl, `${stem}_migrations`);
      fromSnapshot = await createServerDatabase(adminUrl, `${stem}_snapshot`);
    } else {
      console.warn('schema-snapshot: no PostgreSQL server answered; comparing on PGlite instead.');
      fromMigrations = await createPgliteDatabase();
      fromSnapshot = await createPgliteDatabase();
    }
    await fromMigrations.migrate();
    await fromSnapshot.exec(readFileSync(schemaSqlPath, 'utf8'));
    migratedShape = await introspect(fromMigrations.query);
    snapshotShape = await introspect(fromSnapshot.query);
  }, 120_000);

  afterAll(async () => {
    await fromMigrations?.drop();
    await fromSnapshot?.drop();
  });

  it('introspects a non-trivial schema', () => {
    expect(Object.keys(migratedShape.tables)).toContain('users');
    expect(Object.keys(migratedShape.columns).length).toBeGreaterThan(100);
  });

  it('migrations/ produce exactly the schema in schema.sql', () => {
    expect(diffSchemas(migratedShape, snapshotShape, ['migrations', 'schema.sql'])).toEqual([]);
  });

  it('notices a drifted column in a real database', async () => {
    const db = fromSnapshot!;
    // DDL is transactional: change a column, look, and roll back.
    await db.query('begin');
    try {
      await db.query('alter table users alter column display_name set not null');
      const drifted = await introspect(db.query);
      expect(diffSchemas(migratedShape, drifted, ['migrations', 'drifted'])).toEqual([
        expect.stringMatching(/^columns users\.display_name: /),
      ]);
    } finally {
      await db.query('rollback');
    }
  });

  it('schema.sql is the current output of drizzle-kit export', () => {
    const exported = sqlOnly(drizzleKitExport());
    // drizzle-kit prints sequences (ap_timeline_seq) before the tables.
    expect(exported).toMatch(/^CREATE (SEQUENCE|TABLE)/);
    expect(
      sqlOnly(readFileSync(schemaSqlPath, 'utf8')),
      'schema.sql is stale: run pnpm db:generate, then pnpm db:export',
    ).toBe(exported);
  }, 60_000);
});
