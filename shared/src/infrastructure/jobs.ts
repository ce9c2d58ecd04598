/**
 * The job runner: every deferred or periodic piece of work goes through it (habit 12). It is
 * pg-boss on the shared database (its own `pgboss` schema, installed by `runMigrations`):
 *
 * - periodic jobs take their cron schedule from `jobs.schedules` in app-config.yaml; pg-boss
 *   sends one job per tick across all replicas, and the queue's `exclusive` policy keeps at most
 *   one queued or running, so a slow run never overlaps the next;
 * - on-demand jobs are sent by code (`app.jobs.send(name, data)`), with LISTEN/NOTIFY waking a
 *   worker at once;
 * - a failing handler is retried with exponential back-off up to the job's limit; the error of
 *   every failed attempt stays on the job row (`pnpm jobs` shows the last one);
 * - long-running workers that are not queues (the ActivityPub EventProcessor) start and stop
 *   with the runner.
 *
 * Each app process runs one runner that works only the jobs its app owns (contracts/jobs.ts).
 */
import type { FastifyBaseLogger } from 'fastify';
import { type Clock, type Job, PgBoss, type QueueOptions } from 'pg-boss';
import type { AppConfig, AppName } from '../config/index.ts';
import {
  JOBS,
  type JobData,
  type JobDefinition,
  type JobName,
  jobsOf,
  WORKERS,
  type WorkerName,
} from '../contracts/jobs.ts';
import type { DatabaseHandle } from '../db/client.ts';
import { JOB_SCHEMA, jobDatabaseOptions } from '../db/job-schema.ts';

export type { Clock as JobClock } from 'pg-boss';

export interface JobContext {
  /** pg-boss's id of this job. */
  jobId: string;
  /** 1 for the first run, 2 for the first retry, ... */
  attempt: number;
  /** True when a failure now is final (no retry follows). */
  isLastAttempt: boolean;
  log: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error' | 'debug'>;
}

export type JobHandler<N extends JobName> = (data: JobData<N>, context: JobContext) => Promise<unknown>;

/** A long-running loop started and stopped with the runner. */
export interface WorkerHandle {
  start(): Promise<void> | void;
  stop(): Promise<void>;
}

export interface JobRunner {
  /** Registers the handler of a job this app owns. Call before `start()`. */
  register<N extends JobName>(name: N, handler: JobHandler<N>): void;
  /** Registers a long-running worker this app owns. Call before `start()`. */
  registerWorker(name: WorkerName, worker: WorkerHandle): void;
  /**
   * Queues an on-demand job (any app may send any job; the owner's processes run it). Resolves
   * with the job id, or null when the job is `onePer` something and one for the same key is
   * already queued or running.
   */
  send<N extends JobName>(name: N, data: JobData<N>, options?: { startAfter?: Date }): Promise<string | null>;
  /** Runs a job's handler here and now, outside the queue (commands, tests, an admin button). */
  runNow<N extends JobName>(name: N, data: JobData<N>): Promise<unknown>;
  /** Creates the queues, applies the schedules, starts workers. Idempotent. */
  start(): Promise<void>;
  /** Stops taking work and waits (up to the grace period) for running handlers. */
  stop(): Promise<void>;
  /** True between start() and stop(). */
  readonly running: boolean;
}

export interface JobRunnerDeps {
  app: AppName;
  config: AppConfig;
  db: DatabaseHandle;
  logger: FastifyBaseLogger;
  /** Tests drive time with pg-boss's TestClock (shared by several runners). */
  clock?: Clock;
}

/** Seconds `stop()` waits for running handlers before giving up on them. */
const STOP_GRACE_SECONDS = 10;

/** The queue options pg-boss keeps for a job of the catalog. */
export function queueOptionsOf(name: JobName): QueueOptions & { policy: 'exclusive' | 'standard' } {
  const job: JobDefinition = JOBS[name];
  return {
    policy: job.kind === 'periodic' || job.onePer ? 'exclusive' : 'standard',
    retryLimit: job.retry.limit,
    retryDelay: job.retry.delaySeconds,
    retryBackoff: true,
    retryDelayMax: job.retry.maxDelaySeconds,
    expireInSeconds: job.timeoutSeconds,
    // Finished jobs are kept a week: `pnpm jobs` reads the last run and the last error from them.
    deleteAfterSeconds: 7 * 24 * 3600,
  };
}

/**
 * Checks `jobs.schedules` against the catalog: every key names a periodic job, and every
 * periodic job has an entry (a cron expression, or null for off). Returns the problems.
 */
export function scheduleProblems(schedules: Record<string, string | null>): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(schedules)) {
    const job = (JOBS as Record<string, { kind: string }>)[key];
    if (!job) problems.push(`jobs.schedules.${key}: no such job (see shared/src/contracts/jobs.ts)`);
    else if (job.kind !== 'periodic')
      problems.push(`jobs.schedules.${key}: an on-demand job has no schedule`);
  }
  for (const name of Object.keys(JOBS) as JobName[]) {
    if (JOBS[name].kind === 'periodic' && !(name in schedules)) {
      problems.push(`jobs.schedules.${name}: missing (a cron expression, or null to switch it off)`);
    }
  }
  return problems;
}

export function createJobRunner(deps: JobRunnerDeps): JobRunner {
  const { app, config, logger } = deps;
  const log = logger.child({ component: 'jobs' });
  const handlers = new Map<JobName, JobHandler<JobName>>();
  const workers = new Map<WorkerName, WorkerHandle>();
  let boss: PgBoss | null = null;
  let starting: Promise<void> | null = null;
  let running = false;

  const owned = (name: JobName) => {
    if (JOBS[name].app !== app) throw new Error(`job ${name} belongs to ${JOBS[name].app}, not ${app}`);
  };

  const newBoss = (work: boolean) => {
    const instance = new PgBoss({
      ...jobDatabaseOptions(deps.db),
      schema: JOB_SCHEMA,
      migrate: false,
      // A sender needs none of the timers: no cron pass, no maintenance, no listener.
      schedule: work,
      supervise: work,
      useListenNotify: work,
      registerInstance: work,
      cronMonitorIntervalSeconds: Math.min(config.jobs.cronCheckSeconds, 45),
      cronWorkerIntervalSeconds: Math.min(config.jobs.cronCheckSeconds, 45),
      instanceName: app,
      openTelemetry: { enabled: false },
      ...(deps.clock ? { clock: deps.clock } : {}),
    });
    instance.on('error', (err) => log.error({ err }, 'job runner error'));
    instance.on('warning', (warning) => log.warn({ warning }, 'job runner warning'));
    return instance;
  };

  /** What `execute` reads of a pg-boss job (also what `runNow` makes up). */
  type Runnable = Pick<Job<unknown>, 'id' | 'data'> & { retryCount?: number; retryLimit?: number };

  async function execute<N extends JobName>(name: N, job: Runnable) {
    const handler = handlers.get(name);
    if (!handler) throw new Error(`no handler registered for ${name}`);
    const data = JOBS[name].data.parse(job.data ?? {}) as JobData<N>;
    const attempt = (job.retryCount ?? 0) + 1;
    const limit = job.retryLimit ?? JOBS[name].retry.limit;
    const jobLog = log.child({ job: name, jobId: job.id, attempt });
    const started = performance.now();
    try {
      const result = await handler(data, {
        jobId: job.id,
        attempt,
        isLastAttempt: attempt > limit,
        log: jobLog,
      });
      jobLog.debug({ ms: Math.round(performance.now() - started) }, 'job done');
      return result;
    } catch (err) {
      jobLog[attempt > limit ? 'error' : 'warn'](
        { err, ms: Math.round(performance.now() - started) },
        attempt > limit ? 'job failed; no retries left' : 'job failed; will retry',
      );
      throw err;
    }
  }

  async function doStart() {
    const problems = scheduleProblems(config.jobs.schedules);
    if (problems.length) throw new Error(`Invalid job configuration:\n  - ${problems.join('\n  - ')}`);
    if (config.jobs.run) {
      for (const name of jobsOf(app)) {
        if (!handlers.has(name)) throw new Error(`${app} owns job ${name} but registered no handler`);
      }
    }
    const instance = newBoss(config.jobs.run);
    await instance.start();
    boss = instance;
    // Every queue of the catalog exists whoever starts first (a job can be sent to another
    // app's queue); the owner keeps its queues' options in step with the catalog.
    for (const name of Object.keys(JOBS) as JobName[]) {
      const { policy, ...options } = queueOptionsOf(name);
      const notify = JOBS[name].kind === 'on-demand';
      // create_queue is INSERT … ON CONFLICT DO NOTHING: safe when replicas start together.
      await instance.createQueue(name, { policy, ...options, notify });
      if (JOBS[name].app === app) await instance.updateQueue(name, { ...options, notify });
    }
    // Workers have switches of their own (RUN_EVENT_PROCESSOR decides whether one is registered).
    for (const [name, worker] of workers) {
      await worker.start();
      log.info({ worker: name }, 'worker started');
    }
    running = true;
    if (!config.jobs.run) {
      log.info('job runner started (send only: RUN_JOBS=false)');
      return;
    }
    for (const name of jobsOf(app)) {
      if (JOBS[name].kind === 'periodic') {
        const cron = config.jobs.schedules[name];
        if (cron) await instance.schedule(name, cron, {}, { tz: config.site.timezone });
        else await instance.unschedule(name);
      }
      await instance.work(
        name,
        {
          pollingIntervalSeconds: config.jobs.pollingSeconds,
          // NOTIFY wakes a worker for a new job only; a retry coming due (or a job sent with
          // startAfter) is found by polling, which pg-boss slows to 30 s on notify queues
          // unless told otherwise: keep the configured interval.
          notifyPollingIntervalSeconds: config.jobs.pollingSeconds,
          includeMetadata: true,
          localConcurrency: 1,
        },
        async ([job]) => (job ? execute(name, job) : undefined),
      );
    }
    log.info({ jobs: jobsOf(app), workers: [...workers.keys()] }, 'job runner started');
  }

  return {
    register(name, handler) {
      owned(name);
      handlers.set(name, handler as JobHandler<JobName>);
    },
    registerWorker(name, worker) {
      if (WORKERS[name].app !== app) throw new Error(`worker ${name} belongs to ${WORKERS[name].app}`);
      workers.set(name, worker);
    },
    async send(name, data, options = {}) {
      const parsed = JOBS[name].data.parse(data);
      const keyOf = (JOBS[name] as JobDefinition).onePer;
      // A process that does not run a runner (a command, another app's tests) sends through a
      // short-lived client; the owner's runner picks the job up.
      const sender = boss ?? newBoss(false);
      if (!boss) await sender.start();
      try {
        return await sender.send(name, parsed, {
          ...(options.startAfter ? { startAfter: options.startAfter } : {}),
          ...(keyOf ? { singletonKey: keyOf(parsed as Record<string, unknown>) } : {}),
        });
      } finally {
        if (sender !== boss) await sender.stop({ graceful: false, close: true });
      }
    },
    async runNow(name, data) {
      owned(name);
      return execute(name, { id: 'run-now', data, retryCount: 0, retryLimit: 0 });
    },
    start() {
      starting ??= doStart().catch((err) => {
        starting = null;
        throw err;
      });
      return starting;
    },
    async stop() {
      await starting?.catch(() => {});
      running = false;
      await Promise.allSettled([...workers.values()].map((w) => w.stop()));
      const instance = boss;
      boss = null;
      starting = null;
      await instance?.stop({ graceful: true, timeout: STOP_GRACE_SECONDS * 1000, close: true });
    },
    get running() {
      return running;
    },
  };
}

/** One line of `pnpm jobs`. */
export interface JobStatus {
  name: string;
  app: AppName;
  kind: 'periodic' | 'on-demand' | 'worker';
  description: string;
  /** The cron expression, 'off', 'on demand', or the worker's switch. */
  schedule: string;
  lastRun: { at: Date; state: string } | null;
  nextRun: Date | null;
  /** Jobs waiting to run (created or retrying). */
  queued: number;
  lastError: { at: Date; message: string } | null;
}

/**
 * Every job of the catalog with its schedule, last run, next run, backlog and last error, read
 * from pg-boss's tables (`pnpm jobs`; it needs no running app).
 */
export async function readJobStatus(db: DatabaseHandle, config: AppConfig): Promise<JobStatus[]> {
  const preview = new PgBoss({ ...jobDatabaseOptions(db, 1), schema: JOB_SCHEMA, migrate: false });
  const rows: JobStatus[] = [];
  for (const name of Object.keys(JOBS) as JobName[]) {
    const job = JOBS[name];
    const [last] = await db.query<{ state: string; at: Date }>(
      `SELECT state, coalesce(completed_on, started_on) AS at FROM ${JOB_SCHEMA}.job
        WHERE name = $1 AND state IN ('active', 'completed', 'failed', 'retry') AND started_on IS NOT NULL
        ORDER BY coalesce(completed_on, started_on) DESC LIMIT 1`,
      [name],
    );
    const [error] = await db.query<{ message: string | null; at: Date }>(
      `SELECT coalesce(output->>'message', output #>> '{}') AS message, coalesce(completed_on, started_on, created_on) AS at
         FROM ${JOB_SCHEMA}.job
        WHERE name = $1 AND state IN ('failed', 'retry') AND output IS NOT NULL
        ORDER BY coalesce(completed_on, started_on, created_on) DESC LIMIT 1`,
      [name],
    );
    const [queued] = await db.query<{ n: number; next: Date | null }>(
      `SELECT count(*)::int AS n, min(start_after) AS next FROM ${JOB_SCHEMA}.job
        WHERE name = $1 AND state IN ('created', 'retry')`,
      [name],
    );
    const cron = job.kind === 'periodic' ? (config.jobs.schedules[name] ?? null) : null;
    const nextScheduled = cron
      ? (preview.previewSchedule(cron, { tz: config.site.timezone, count: 1 })[0] ?? null)
      : null;
    rows.push({
      name,
      app: job.app,
      kind: job.kind,
      description: job.description,
      schedule: job.kind === 'on-demand' ? 'on demand' : (cron ?? 'off'),
      lastRun: last ? { at: new Date(last.at), state: last.state } : null,
      nextRun: nextScheduled ?? (queued?.next ? new Date(queued.next) : null),
      queued: queued?.n ?? 0,
      lastError: error?.message ? { at: new Date(error.at), message: error.message } : null,
    });
  }
  for (const [name, worker] of Object.entries(WORKERS)) {
    rows.push({
      name,
      app: worker.app,
      kind: 'worker',
      description: worker.description,
      schedule: 'continuous',
      lastRun: null,
      nextRun: null,
      queued: 0,
      lastError: null,
    });
  }
  return rows;
}
