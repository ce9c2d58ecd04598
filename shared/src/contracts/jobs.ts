/**
 * Every job in the platform, in one list: which app works it, what it is for, how it retries,
 * and what data it carries. Periodic jobs take their cron schedule from `jobs.schedules` in
 * `_config/app-config.yaml`; on-demand jobs are sent by the code that needs them. An app
 * registers a handler for each job it owns (`<app>/src/jobs/`); `pnpm jobs` lists them all.
 *
 * The runner (`infrastructure/jobs.ts`) is pg-boss on the shared database: each job runs once
 * across replicas, failures retry with exponential back-off and stay visible.
 */
import { z } from 'zod';
import type { AppName } from '../config/app-names.ts';

export interface JobDefinition<Data extends z.ZodType = z.ZodType> {
  /** The app whose processes work this job. */
  app: AppName;
  /** One line for `pnpm jobs` and the app's README. */
  description: string;
  /**
   * `periodic`: runs on the cron schedule in app-config.yaml (at most one queued or running at a
   * time across replicas). `on-demand`: sent by code (`app.jobs.send`), several may run at once.
   */
  kind: 'periodic' | 'on-demand';
  /** The job's data, validated when it is sent and again when it runs. */
  data: Data;
  /** Attempts after the first, and the first delay in seconds (doubled each time, with jitter). */
  retry: { limit: number; delaySeconds: number; maxDelaySeconds: number };
  /** A run still active after this long is considered dead and retried. */
  timeoutSeconds: number;
  /**
   * At most one job per key (a supplier, a member) queued or running: sending again while one
   * is waits is a no-op (pg-boss's `exclusive` policy with this as the singleton key).
   */
  onePer?: (data: Readonly<Record<string, unknown>>) => string;
}

/**
 * A long-running worker that is not a queue (the ActivityPub EventProcessor keeps its own
 * `ap_deliveries` queue with an attempt log); started and stopped with the app's job runner.
 */
export interface WorkerDefinition {
  app: AppName;
  description: string;
}

const none = z.object({}).strict();

export const JOBS = {
  'blog.publish-scheduled': {
    app: 'blog',
    description: 'Publishes scheduled posts whose time has come, and announces them',
    kind: 'periodic',
    data: none,
    retry: { limit: 3, delaySeconds: 10, maxDelaySeconds: 120 },
    timeoutSeconds: 300,
  },
  'blog.ghost-safety-net': {
    app: 'blog',
    description: 'Incremental pull from Ghost (authors, newsletters, navigation, missed webhooks)',
    kind: 'periodic',
    data: none,
    retry: { limit: 2, delaySeconds: 30, maxDelaySeconds: 300 },
    timeoutSeconds: 900,
  },
  'blog.ghost-webhook': {
    app: 'blog',
    description: 'Applies one stored Ghost webhook delivery',
    kind: 'on-demand',
    data: z.object({ deliveryId: z.number().int().positive() }).strict(),
    retry: { limit: 6, delaySeconds: 5, maxDelaySeconds: 3600 },
    timeoutSeconds: 300,
  },
  'federation.purge-sign-in': {
    app: 'federation',
    description: 'Deletes expired magic links and OIDC sessions, grants and interactions',
    kind: 'periodic',
    data: none,
    retry: { limit: 2, delaySeconds: 60, maxDelaySeconds: 600 },
    timeoutSeconds: 300,
  },
  // ---- market ----
  'market.scrape': {
    app: 'market',
    description: "Scrapes one supplier's catalogue into the market (admin's run now, the schedule)",
    kind: 'on-demand',
    onePer: (data) => String(data.supplier),
    data: z
      .object({
        supplier: z.string().regex(/^[a-z0-9][a-z0-9-]{0,60}$/),
        trigger: z.enum(['schedule', 'admin', 'command']).default('schedule'),
      })
      .strict(),
    // The scraper retries each request itself and records a failed run; the job is retried
    // only when it died (the process stopped), an hour later.
    retry: { limit: 1, delaySeconds: 3600, maxDelaySeconds: 3600 },
    timeoutSeconds: 3600,
  },
  'market.scrape-all': {
    app: 'market',
    description: 'Queues a scrape of every configured supplier (one at a time per supplier)',
    kind: 'periodic',
    data: none,
    retry: { limit: 2, delaySeconds: 60, maxDelaySeconds: 600 },
    timeoutSeconds: 300,
  },
  // ---- cart ----
  'cart.expire-checkouts': {
    app: 'cart',
    description:
      'Re-fetches pending SumUp checkouts; expires those past the 30-minute hosted session and gives their stock back',
    kind: 'periodic',
    data: none,
    retry: { limit: 2, delaySeconds: 30, maxDelaySeconds: 300 },
    timeoutSeconds: 300,
  },
  'cart.reconcile-payment': {
    app: 'cart',
    description: 'Re-fetches one SumUp checkout (after a webhook) and applies its true status to the order',
    kind: 'on-demand',
    data: z.object({ paymentId: z.number().int().positive() }).strict(),
    // SumUp unreachable: try again soon, then back off (the periodic sweep also catches it).
    retry: { limit: 6, delaySeconds: 10, maxDelaySeconds: 1800 },
    timeoutSeconds: 120,
  },
  'cart.send-confirmation': {
    app: 'cart',
    description: 'Sends the confirmation e-mail of a paid order (once), with its ticket codes',
    kind: 'on-demand',
    data: z.object({ orderId: z.number().int().positive() }).strict(),
    retry: { limit: 8, delaySeconds: 30, maxDelaySeconds: 3600 },
    timeoutSeconds: 120,
  },
  // ---- events ----
  'events.booking-confirmation': {
    app: 'events',
    description: "E-mails a member their booking's confirmation with the entry as an .ics attachment",
    kind: 'on-demand',
    data: z.object({ bookingId: z.number().int().positive() }).strict(),
    retry: { limit: 5, delaySeconds: 30, maxDelaySeconds: 3600 },
    timeoutSeconds: 120,
  },
  'events.cancellation-notice': {
    app: 'events',
    description: "E-mails one booker that their entry was cancelled, with the organisers' note",
    kind: 'on-demand',
    data: z.object({ bookingId: z.number().int().positive() }).strict(),
    retry: { limit: 5, delaySeconds: 30, maxDelaySeconds: 3600 },
    timeoutSeconds: 120,
  },
  'events.send-tickets': {
    app: 'events',
    description: "E-mails an order's tickets, each with its code and QR code (sent by the cart once paid)",
    kind: 'on-demand',
    data: z.object({ orderId: z.number().int().positive() }).strict(),
    retry: { limit: 5, delaySeconds: 30, maxDelaySeconds: 3600 },
    timeoutSeconds: 120,
  },
  // ---- federation (social hub) ----
  // ---- account ----
  'account.ghost-writeback': {
    app: 'account',
    description:
      "Writes a member's newsletter choices and e-mail to their Ghost member (retried until Ghost takes them)",
    kind: 'on-demand',
    onePer: (data) => String(data.userId),
    data: z.object({ userId: z.number().int().positive() }).strict(),
    // Ghost down: a quick first retry (a restart), then back off to a quarter of an hour;
    // the sweep re-queues whatever is still pending once these run out.
    retry: { limit: 12, delaySeconds: 2, maxDelaySeconds: 900 },
    timeoutSeconds: 120,
  },
  'account.sweep': {
    app: 'account',
    description: 'Re-queues Ghost write-backs still pending and deletes expired confirmation links',
    kind: 'periodic',
    data: none,
    retry: { limit: 2, delaySeconds: 60, maxDelaySeconds: 600 },
    timeoutSeconds: 300,
  },
  'account.finish-closure': {
    app: 'account',
    description:
      'Finishes closing an account once its Delete activities went out: drops the followers, erases the Ghost member',
    kind: 'on-demand',
    data: z
      .object({
        userId: z.number().int().positive(),
        ghostMemberId: z.string().max(100).nullable(),
      })
      .strict(),
    // The EventProcessor fans the Deletes out within seconds; Ghost may be away for longer.
    retry: { limit: 20, delaySeconds: 10, maxDelaySeconds: 3600 },
    timeoutSeconds: 120,
  },
} as const satisfies Record<string, JobDefinition>;

export type JobName = keyof typeof JOBS;
export type JobData<N extends JobName> = z.infer<(typeof JOBS)[N]['data']>;

export const WORKERS = {
  'federation.event-processor': {
    app: 'federation',
    description:
      'ActivityPub EventProcessor: fans out and delivers outgoing activities, applies incoming ones (RUN_EVENT_PROCESSOR=true)',
  },
} as const satisfies Record<string, WorkerDefinition>;

export type WorkerName = keyof typeof WORKERS;

export function isJobName(value: string): value is JobName {
  return Object.hasOwn(JOBS, value);
}

/** The jobs one app works, in catalog order. */
export function jobsOf(app: AppName): JobName[] {
  return (Object.keys(JOBS) as JobName[]).filter((name) => JOBS[name].app === app);
}
