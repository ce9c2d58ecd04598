import { z } from 'zod';
import { APP_NAMES, type AppName } from './app-names.ts';

const appEntry = z.object({
  port: z.number().int().min(1).max(65535),
  title: z.string().min(1),
});

/** The shape of `_config/app-config.yaml` (plus each app's `config/defaults.yaml`). */
export const fileSchema = z.object({
  site: z.object({
    name: z.string().min(1),
    tagline: z.string().default(''),
    domain: z.string().min(1),
    timezone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/London'),
    locale: z.string().default('en-GB'),
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as GBP'),
  }),
  apps: z.object(Object.fromEntries(APP_NAMES.map((n) => [n, appEntry])) as Record<AppName, typeof appEntry>),
  admins: z.array(z.email()).default([]),
  /** Extra admins outside production only, so `pnpm dev` has someone to sign in as. */
  development_admins: z.array(z.email()).default([]),
  fragments: z.object({
    timeout_ms: z.number().int().positive().default(150),
    ttl: z.record(z.string(), z.number().int().nonnegative()).default({}),
  }),
  page_cache: z.object({ ttl_seconds: z.number().int().nonnegative().default(60) }),
  /** The job runner: how often idle workers poll, how often schedules are checked, the schedules. */
  jobs: z
    .object({
      polling_seconds: z.number().min(0.5).max(60).default(2),
      cron_check_seconds: z.number().int().min(1).max(45).default(30),
      /** Job name → cron expression (site time zone), or null to switch a periodic job off. */
      schedules: z.record(z.string(), z.string().min(1).nullable()).default({}),
    })
    .default({ polling_seconds: 2, cron_check_seconds: 30, schedules: {} }),
  mail: z.object({ from: z.string().min(3) }),
  /**
   * Per-app sections (`blog:`, `market:` …) override that app's `<app>/config/defaults.yaml`;
   * each app validates its own section (see `appSettings`).
   */
  ...Object.fromEntries(APP_NAMES.map((n) => [n, z.record(z.string(), z.unknown()).optional()])),
});

export type FileConfig = z.infer<typeof fileSchema>;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
