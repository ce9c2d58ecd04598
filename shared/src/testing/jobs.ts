/** Test helpers for the job runner: a clock tests move by hand, and reads of pg-boss's tables. */
import type { DatabaseHandle } from '../db/client.ts';
import { JOB_SCHEMA } from '../db/job-schema.ts';

export { TestClock } from 'pg-boss';

export interface StoredJob {
  id: string;
  state: string;
  retryCount: number;
  createdOn: Date;
  output: unknown;
}

/** The jobs pg-boss holds for one queue, oldest first. */
export async function storedJobs(db: DatabaseHandle, name: string): Promise<StoredJob[]> {
  return db.query<StoredJob>(
    `SELECT id, state, retry_count AS "retryCount", created_on AS "createdOn", output
       FROM ${JOB_SCHEMA}.job WHERE name = $1 ORDER BY created_on, id`,
    [name],
  );
}

/** Polls (real time) until `check` holds, or throws after `ms`. */
export async function eventually<T>(
  check: () => Promise<T | false | null | undefined>,
  ms = 10_000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
