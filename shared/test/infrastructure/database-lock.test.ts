/**
 * Issue 12, item 17: `sync:ghost` (or `pnpm jobs`, or a second `pnpm dev`) must not open the
 * embedded database folder a running `pnpm dev` holds: it refuses with a message saying who
 * holds it and what to do.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = join(import.meta.dirname, '../../..');
let dataDir: string;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'rose-ash-lock-'));
  // This process plays the running `pnpm dev`: it holds .data/pglite the way connectDatabase
  // does (its pid in pglite.lock), without the seconds an embedded PostgreSQL takes to start.
  mkdirSync(join(dataDir, 'pglite'), { recursive: true });
  writeFileSync(join(dataDir, 'pglite.lock'), String(process.pid));
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the embedded database folder', () => {
  it('refuses sync:ghost while another process holds it, saying which and what to do', async () => {
    const run = promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'blog/src/commands/sync-ghost.ts')],
      {
        cwd: repoRoot,
        env: {
          PATH: process.env.PATH ?? '',
          NODE_ENV: 'development',
          DATA_DIR: dataDir,
          LOG_LEVEL: 'silent',
          GHOST_URL: 'http://127.0.0.1:9',
          GHOST_ADMIN_API_KEY: '6b08a57f249c9e3c394a3a01:3f1ab4c9d8e7f601',
        },
      },
    );
    const failure = (await run.then(
      () => null,
      (err: unknown) => err,
    )) as { code: number; stderr: string } | null;
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(
      `The embedded database at ${join(dataDir, 'pglite')} is in use by process ${process.pid}`,
    );
    expect(failure?.stderr).toMatch(
      /Stop that process first, or run against a PostgreSQL server with DATABASE_URL/,
    );
    // The holder's lock is untouched.
    expect(readFileSync(join(dataDir, 'pglite.lock'), 'utf8')).toBe(String(process.pid));
  });
});
