import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/testing/http.ts';
import { repoRoot } from './ops-helpers.ts';

/**
 * Runs the real shared/ops/entrypoint.sh with `sh` in a directory shaped like the image's /app
 * (shared/ops/entrypoint.sh, shared/src/db/migrate-cli.ts, the app folder as the working
 * directory), against a fake PostgreSQL that speaks just enough of the protocol, with a stub
 * migrate-cli.ts that plain `node` runs (it has a type annotation: Node strips it, no tsx).
 * Each <app>/entrypoint.sh only execs this script; dockerfiles.test.ts checks that.
 */

let root: string;
let script: string;
let appDir: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'rose-ash-entrypoint-'));
  script = join(root, 'shared', 'ops', 'entrypoint.sh');
  appDir = join(root, 'blog');
  mkdirSync(join(root, 'shared', 'ops'), { recursive: true });
  mkdirSync(join(root, 'shared', 'src', 'db'), { recursive: true });
  mkdirSync(appDir);
  copyFileSync(join(repoRoot, 'shared', 'ops', 'entrypoint.sh'), script);
  writeFileSync(
    join(root, 'shared', 'src', 'db', 'migrate-cli.ts'),
    `const dir: string = process.env.MIGRATIONS_DIR ?? '';
process.stdout.write('MIGRATED ' + dir + '\\n');
if (process.env.STUB_MIGRATION_FAILS === 'true') process.exit(4);
`,
  );
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Answers the first `startingUp` StartupMessages with SQLSTATE 57P03, then an auth request. */
async function fakePostgres(
  startingUp: number,
): Promise<{ server: Server; port: number; attempts: () => number }> {
  let attempts = 0;
  const server = createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => {
      attempts += 1;
      if (attempts <= startingUp) {
        const fields = Buffer.from(
          'SFATAL\0VFATAL\0C57P03\0Mthe database system is starting up\0\0',
          'latin1',
        );
        const header = Buffer.alloc(5);
        header.write('E', 0, 'latin1');
        header.writeInt32BE(4 + fields.length, 1);
        socket.end(Buffer.concat([header, fields]));
      } else {
        const auth = Buffer.alloc(9);
        auth.write('R', 0, 'latin1');
        auth.writeInt32BE(8, 1);
        auth.writeInt32BE(10, 5); // SASL: what a real server asks first
        socket.write(auth);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, attempts: () => attempts };
}

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  pid: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Starts the entrypoint (by absolute path, from the app folder, as the image does) with `command`;
 * `onStdout` sees the output as it comes, with the child's pid.
 */
function entrypoint(
  env: Record<string, string | undefined>,
  command: string[] = ['sh', '-c', 'echo "APP STARTED: $*"', 'app', 'arg one'],
  onStdout?: (stdout: string, pid: number) => void,
): Promise<Run> {
  const started = Date.now();
  const childEnv: Record<string, string> = { PATH: process.env.PATH ?? '', APP_NAME: 'blog' };
  for (const [key, value] of Object.entries(env)) if (value !== undefined) childEnv[key] = value;
  return new Promise((resolve) => {
    // Its own process group, so that a test that fails (say, a script that forgot `exec` and
    // left the app orphaned) can end the whole group instead of leaving processes behind.
    const child = spawn('sh', [script, ...command], { cwd: appDir, env: childEnv, detached: true });
    const pid = child.pid!;
    const guard = setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {}
    }, 15_000);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      onStdout?.(stdout, pid);
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (status, signal) => {
      clearTimeout(guard);
      resolve({ status, signal, pid, stdout, stderr, ms: Date.now() - started });
    });
  });
}

describe('entrypoint.sh', () => {
  it('refuses to start without DATABASE_URL', async () => {
    const result = await entrypoint({});
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('DATABASE_URL is not set');
    expect(result.stdout).not.toContain('APP STARTED');
  });

  it('rejects a malformed timeout', async () => {
    const result = await entrypoint({
      DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db',
      WAIT_FOR_DB_TIMEOUT: '1m',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('WAIT_FOR_DB_TIMEOUT must be a whole number');
  });

  it('gives up after WAIT_FOR_DB_TIMEOUT when nothing listens', async () => {
    const port = await freePort();
    const result = await entrypoint({
      DATABASE_URL: `postgres://u:p@127.0.0.1:${port}/db`,
      WAIT_FOR_DB_TIMEOUT: '1',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`gave up waiting for the database at 127.0.0.1:${port} after 1s`);
    expect(result.stdout).not.toContain('APP STARTED');
    expect(result.ms).toBeLessThan(8_000);
  });

  it('waits while the server is starting up, then execs the command with its arguments', async () => {
    const pg = await fakePostgres(2);
    try {
      const result = await entrypoint({
        DATABASE_URL: `postgresql://rose:s%40cret@127.0.0.1:${pg.port}/rose_ash`,
        WAIT_FOR_DB_TIMEOUT: '20',
      });
      expect(result.stderr).toContain('the database system is starting up');
      expect(result.status).toBe(0);
      expect(pg.attempts()).toBe(3);
      expect(result.stdout).toBe('APP STARTED: arg one\n');
      expect(result.stdout).not.toContain('MIGRATED');
    } finally {
      pg.server.close();
    }
  });

  it('runs the migrations first when RUN_MIGRATIONS=true', async () => {
    const pg = await fakePostgres(0);
    try {
      const result = await entrypoint({
        DATABASE_URL: `postgres://rose:pw@127.0.0.1:${pg.port}/rose_ash`,
        RUN_MIGRATIONS: 'true',
        MIGRATIONS_DIR: '/app/migrations',
      });
      expect(result.status).toBe(0);
      expect(result.stdout).toBe('MIGRATED /app/migrations\nAPP STARTED: arg one\n');
    } finally {
      pg.server.close();
    }
  });

  it('finds migrate-cli.ts beside itself, whatever the working directory', async () => {
    const pg = await fakePostgres(0);
    try {
      const result = await entrypoint(
        {
          DATABASE_URL: `postgres://rose:pw@127.0.0.1:${pg.port}/rose_ash`,
          RUN_MIGRATIONS: 'true',
          MIGRATIONS_DIR: '/app/migrations',
        },
        ['sh', '-c', 'cd / && echo "APP STARTED in $PWD"'],
      );
      expect(result.status).toBe(0);
      expect(result.stdout).toBe('MIGRATED /app/migrations\nAPP STARTED in /\n');
    } finally {
      pg.server.close();
    }
  });

  it('does not start the app when the migrations fail', async () => {
    const pg = await fakePostgres(0);
    try {
      const result = await entrypoint({
        DATABASE_URL: `postgres://rose:pw@127.0.0.1:${pg.port}/rose_ash`,
        RUN_MIGRATIONS: 'true',
        STUB_MIGRATION_FAILS: 'true',
      });
      expect(result.status).toBe(4);
      expect(result.stdout).not.toContain('APP STARTED');
    } finally {
      pg.server.close();
    }
  });

  it("execs the command: the app keeps the entrypoint's PID (PID 1 in the container)", async () => {
    const pg = await fakePostgres(0);
    try {
      const result = await entrypoint({ DATABASE_URL: `postgres://rose:pw@127.0.0.1:${pg.port}/rose_ash` }, [
        'sh',
        '-c',
        'echo "APP PID $$"',
      ]);
      expect(result.status).toBe(0);
      expect(result.stdout).toBe(`APP PID ${result.pid}\n`);
    } finally {
      pg.server.close();
    }
  });

  it('a SIGTERM sent to that PID reaches the app, which shuts down cleanly', async () => {
    const pg = await fakePostgres(0);
    try {
      const app = `process.on('SIGTERM', () => { console.log('SIGTERM received'); process.exit(0); });
setInterval(() => {}, 1000);
console.log('READY');`;
      let signalled = false;
      const result = await entrypoint(
        { DATABASE_URL: `postgres://rose:pw@127.0.0.1:${pg.port}/rose_ash` },
        ['node', '-e', app],
        (stdout, pid) => {
          if (!signalled && stdout.includes('READY')) {
            signalled = true;
            process.kill(pid, 'SIGTERM');
          }
        },
      );
      expect(result.stdout).toBe('READY\nSIGTERM received\n');
      expect(result.signal).toBeNull();
      expect(result.status).toBe(0);
    } finally {
      pg.server.close();
    }
  });
});
