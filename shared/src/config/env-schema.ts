import { isIP } from 'node:net';
import { z } from 'zod';

const postgresUrl = z
  .string()
  .refine((v) => /^postgres(ql)?:\/\/[^/\s]+/.test(v), 'must be a postgres:// or postgresql:// URL');
const redisUrl = z.string().refine((v) => /^rediss?:\/\/[^\s]*$/.test(v) && URL.canParse(v), {
  message: 'must be a redis:// or rediss:// URL',
});
const httpUrl = z.string().refine((v) => /^https?:\/\//.test(v) && URL.canParse(v), {
  message: 'must be an http(s) URL',
});
const pem = z.string().refine((v) => v.includes('-----BEGIN'), 'must be a PEM-encoded key');
const list = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

/**
 * Every environment variable Rose Ash reads. `.env.example` documents each one; a test keeps
 * the two in step. Secrets are optional here because development generates throwaway ones;
 * production requires them (see `requiredInProduction`).
 */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  PORT: z.coerce.number().int().min(1).max(65535).optional(),
  HOST: z.string().optional(),
  /** Proxies whose X-Forwarded-For is believed: comma-separated IPs or CIDRs (none by default). */
  TRUSTED_PROXIES: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z
          .string()
          .refine(
            (p) => isIpOrCidr(p),
            'each entry must be an IP address or a CIDR range such as 10.0.0.0/8',
          ),
      ),
    )
    .optional(),
  APP_CONFIG_PATH: z.string().optional(),
  /** Set in each app's image: which app this container runs (logs and operators). */
  APP_NAME: z.enum(['blog', 'market', 'cart', 'events', 'federation', 'account']).optional(),
  MIGRATIONS_DIR: z.string().optional(),
  DATA_DIR: z.string().optional(),
  MEDIA_DIR: z.string().optional(),
  RUN_MIGRATIONS: z.enum(['true', 'false']).optional(),
  RUN_EVENT_PROCESSOR: z.enum(['true', 'false']).optional(),
  RUN_JOBS: z.enum(['true', 'false']).optional(),
  DATABASE_URL: postgresUrl.optional(),
  REDIS_URL: redisUrl.optional(),
  SITE_DOMAIN: z.string().optional(),

  BLOG_PUBLIC_URL: httpUrl.optional(),
  MARKET_PUBLIC_URL: httpUrl.optional(),
  CART_PUBLIC_URL: httpUrl.optional(),
  EVENTS_PUBLIC_URL: httpUrl.optional(),
  FEDERATION_PUBLIC_URL: httpUrl.optional(),
  ACCOUNT_PUBLIC_URL: httpUrl.optional(),
  BLOG_INTERNAL_URL: httpUrl.optional(),
  MARKET_INTERNAL_URL: httpUrl.optional(),
  CART_INTERNAL_URL: httpUrl.optional(),
  EVENTS_INTERNAL_URL: httpUrl.optional(),
  FEDERATION_INTERNAL_URL: httpUrl.optional(),
  ACCOUNT_INTERNAL_URL: httpUrl.optional(),

  INTERNAL_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  COOKIE_KEYS: list
    .pipe(z.array(z.string().min(32, 'each key must be at least 32 characters')).min(1))
    .optional(),
  OIDC_CLIENT_SECRET_BLOG: z.string().min(16).optional(),
  OIDC_CLIENT_SECRET_MARKET: z.string().min(16).optional(),
  OIDC_CLIENT_SECRET_CART: z.string().min(16).optional(),
  OIDC_CLIENT_SECRET_EVENTS: z.string().min(16).optional(),
  OIDC_CLIENT_SECRET_ACCOUNT: z.string().min(16).optional(),
  OIDC_SIGNING_KEY: pem.optional(),
  AP_PRIVATE_KEY: pem.optional(),
  /**
   * Development only: lets ActivityPub reach servers on private and loopback addresses (a
   * Mastodon or GoToSocial on the same machine). Refused in production.
   */
  AP_ALLOW_PRIVATE_ADDRESSES: z.enum(['true', 'false']).optional(),

  ADMIN_EMAILS: list.pipe(z.array(z.email())).optional(),
  SMTP_URL: z
    .string()
    .refine((v) => /^smtps?:\/\//.test(v) && URL.canParse(v), 'must be an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM: z.string().optional(),

  SUMUP_API_KEY: z.string().optional(),
  SUMUP_MERCHANT_CODE: z.string().optional(),
  SUMUP_API_BASE: httpUrl.optional(),

  GHOST_URL: httpUrl.optional(),
  GHOST_ADMIN_API_KEY: z
    .string()
    .regex(/^[0-9a-f]+:[0-9a-f]+$/i, 'must be "<id>:<hex secret>" as Ghost shows it')
    .optional(),
  GHOST_CONTENT_API_KEY: z.string().optional(),
  GHOST_WEBHOOK_SECRET: z.string().optional(),
});

export type Env = z.infer<typeof envSchema>;

/** Secrets production refuses to start without (development generates throwaway ones). */
export const requiredInProduction = [
  'DATABASE_URL',
  'REDIS_URL',
  'INTERNAL_TOKEN',
  'COOKIE_KEYS',
  'OIDC_CLIENT_SECRET_BLOG',
  'OIDC_CLIENT_SECRET_MARKET',
  'OIDC_CLIENT_SECRET_CART',
  'OIDC_CLIENT_SECRET_EVENTS',
  'OIDC_CLIENT_SECRET_ACCOUNT',
  'OIDC_SIGNING_KEY',
  'AP_PRIVATE_KEY',
] as const satisfies readonly (keyof Env)[];

function isIpOrCidr(value: string): boolean {
  const [address, bits, extra] = value.split('/');
  const version = isIP(address ?? '');
  if (!version || extra !== undefined) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return Number.isInteger(n) && n >= 0 && n <= (version === 4 ? 32 : 128);
}
