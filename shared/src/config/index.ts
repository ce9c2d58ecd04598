import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { APP_NAMES, type AppName } from './app-names.ts';
import { developmentSecrets } from './dev-secrets.ts';
import { type Env, envSchema, requiredInProduction } from './env-schema.ts';
import { type FileConfig, fileSchema } from './file-schema.ts';

export { APP_NAMES, type AppName, isAppName } from './app-names.ts';
export type { Env } from './env-schema.ts';

export interface AppEndpoint {
  name: AppName;
  title: string;
  /** Port this app listens on in development (containers always use 8000 / PORT). */
  devPort: number;
  /** Base URL browsers and remote servers use, without trailing slash. */
  publicUrl: string;
  /** Base URL the other apps use to reach this one (fragments, back-channel), no trailing slash. */
  internalUrl: string;
}

export interface Secrets {
  internalToken: string;
  /** Newest first; older keys still verify cookies signed before a rotation. */
  cookieKeys: string[];
  oidcClientSecrets: Record<Exclude<AppName, 'federation'>, string>;
  /** PEM (PKCS#8) RSA key that signs ID tokens. */
  oidcSigningKey: string;
  /** PEM (PKCS#8) RSA key behind every ActivityPub actor. */
  apPrivateKey: string;
}

export interface AppConfig {
  env: 'development' | 'production' | 'test';
  isProduction: boolean;
  logLevel: string;
  host: string;
  /** Proxies whose X-Forwarded-For is believed (IPs or CIDRs); empty: none, the peer is the client. */
  trustedProxies: string[];
  /** PORT from the environment, if any (overrides the dev port of a single app). */
  port: number | undefined;
  site: FileConfig['site'];
  apps: Record<AppName, AppEndpoint>;
  admins: string[];
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  paths: { root: string; configFile: string; migrations: string; data: string; media: string };
  runMigrations: boolean;
  runEventProcessor: boolean;
  secrets: Secrets;
  mail: { from: string; smtpUrl: string | undefined };
  fragments: { timeoutMs: number; ttl: Record<string, number> };
  pageCache: { ttlSeconds: number };
  /** The job runner (see shared/src/infrastructure/jobs.ts); schedules are cron expressions by job name. */
  jobs: {
    /** Work this app's jobs and keep its schedules (RUN_JOBS, default true); false: send only. */
    run: boolean;
    pollingSeconds: number;
    cronCheckSeconds: number;
    schedules: Record<string, string | null>;
  };
  sumup: { apiKey: string; merchantCode: string; apiBase: string } | null;
  ghost: { url: string; adminApiKey: string; contentApiKey?: string; webhookSecret?: string } | null;
  activityPub: {
    /**
     * Private and loopback addresses may be fetched and delivered to: always in tests, in
     * development only with AP_ALLOW_PRIVATE_ADDRESSES=true, never in production.
     */
    allowPrivateAddresses: boolean;
  };
  /** The parsed YAML, for app-specific sections (e.g. market scrapers). */
  file: FileConfig;
}

/** Start-up stops with this; its message names every offending variable or key. */
export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface LoadConfigOptions {
  env?: Record<string, string | undefined>;
  /** Directory to search upwards from for `_config/app-config.yaml`; defaults to cwd. */
  cwd?: string;
  /** Extra YAML merged over the file (tests, app defaults). */
  overrides?: Record<string, unknown>;
}

/**
 * Parses `_config/app-config.yaml` and the environment once, at boot. This module (with its
 * helpers) is the only place that reads `process.env`.
 */
export function loadConfig(options: LoadConfigOptions = {}): AppConfig {
  // An empty value (`PORT=` copied from .env.example) means unset.
  const rawEnv = Object.fromEntries(
    Object.entries(options.env ?? process.env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const envResult = envSchema.safeParse(rawEnv);
  if (!envResult.success) throw new ConfigError(formatIssues(envResult.error, 'environment variable'));
  const env = envResult.data;

  const configFile = env.APP_CONFIG_PATH
    ? resolve(env.APP_CONFIG_PATH)
    : findUp(options.cwd ?? process.cwd(), join('_config', 'app-config.yaml'));
  if (!configFile || !existsSync(configFile)) {
    throw new ConfigError([
      `APP_CONFIG_PATH: no configuration file found (${configFile ?? '_config/app-config.yaml not found above the working directory'})`,
    ]);
  }
  let yamlValue: unknown;
  try {
    yamlValue = parseYaml(readFileSync(configFile, 'utf8'));
  } catch (err) {
    throw new ConfigError([`${configFile}: not valid YAML (${(err as Error).message})`]);
  }
  const merged = deepMerge(yamlValue ?? {}, options.overrides ?? {});
  const fileResult = fileSchema.safeParse(merged);
  if (!fileResult.success) throw new ConfigError(formatIssues(fileResult.error, `${configFile} key`));
  const file = fileResult.data;

  const root = dirname(dirname(configFile));
  const isProduction = env.NODE_ENV === 'production';
  const problems: string[] = [];
  if (isProduction) {
    for (const key of requiredInProduction) {
      if (env[key] === undefined) problems.push(`${key}: required in production`);
    }
  }
  if (env.GHOST_URL && !env.GHOST_ADMIN_API_KEY)
    problems.push('GHOST_ADMIN_API_KEY: required when GHOST_URL is set');
  if (isProduction && env.AP_ALLOW_PRIVATE_ADDRESSES === 'true') {
    problems.push(
      'AP_ALLOW_PRIVATE_ADDRESSES: refused in production (it lets remote servers make us fetch private addresses)',
    );
  }
  if (env.SUMUP_API_KEY && !env.SUMUP_MERCHANT_CODE) {
    problems.push('SUMUP_MERCHANT_CODE: required when SUMUP_API_KEY is set');
  }
  if (problems.length) throw new ConfigError(problems);

  const dataDir = resolve(root, env.DATA_DIR ?? '.data');
  const secrets = resolveSecrets(env, isProduction ? null : dataDir);
  const domain = env.SITE_DOMAIN ?? file.site.domain;

  const apps = Object.fromEntries(
    APP_NAMES.map((name) => {
      const upper = name.toUpperCase() as Uppercase<AppName>;
      const entry = file.apps[name];
      const devUrl = `http://localhost:${entry.port}`;
      const publicUrl = env[`${upper}_PUBLIC_URL`] ?? (isProduction ? `https://${name}.${domain}` : devUrl);
      const internalUrl = env[`${upper}_INTERNAL_URL`] ?? (isProduction ? `http://${name}:8000` : devUrl);
      const endpoint: AppEndpoint = {
        name,
        title: entry.title,
        devPort: entry.port,
        publicUrl: stripSlash(publicUrl),
        internalUrl: stripSlash(internalUrl),
      };
      return [name, endpoint];
    }),
  ) as Record<AppName, AppEndpoint>;

  const devAdmins = env.NODE_ENV === 'development' ? file.development_admins : [];
  const admins = [
    ...new Set([...file.admins, ...devAdmins, ...(env.ADMIN_EMAILS ?? [])].map((e) => e.toLowerCase())),
  ];

  return {
    env: env.NODE_ENV,
    isProduction,
    logLevel: env.LOG_LEVEL ?? (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    host: env.HOST ?? (isProduction ? '0.0.0.0' : '127.0.0.1'),
    trustedProxies: env.TRUSTED_PROXIES ?? [],
    port: env.PORT,
    site: { ...file.site, domain },
    apps,
    admins,
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    paths: {
      root,
      configFile,
      migrations: resolve(root, env.MIGRATIONS_DIR ?? 'migrations'),
      data: dataDir,
      media: resolve(root, env.MEDIA_DIR ?? join(env.DATA_DIR ?? '.data', 'media')),
    },
    runMigrations: env.RUN_MIGRATIONS === 'true',
    runEventProcessor: env.RUN_EVENT_PROCESSOR === 'true',
    secrets,
    mail: { from: env.MAIL_FROM ?? file.mail.from, smtpUrl: env.SMTP_URL },
    fragments: { timeoutMs: file.fragments.timeout_ms, ttl: file.fragments.ttl },
    pageCache: { ttlSeconds: file.page_cache.ttl_seconds },
    jobs: {
      run: env.RUN_JOBS !== 'false',
      pollingSeconds: file.jobs.polling_seconds,
      cronCheckSeconds: file.jobs.cron_check_seconds,
      schedules: file.jobs.schedules,
    },
    sumup:
      env.SUMUP_API_KEY && env.SUMUP_MERCHANT_CODE
        ? {
            apiKey: env.SUMUP_API_KEY,
            merchantCode: env.SUMUP_MERCHANT_CODE,
            apiBase: stripSlash(env.SUMUP_API_BASE ?? 'https://api.sumup.com'),
          }
        : null,
    ghost:
      env.GHOST_URL && env.GHOST_ADMIN_API_KEY
        ? {
            url: stripSlash(env.GHOST_URL),
            adminApiKey: env.GHOST_ADMIN_API_KEY,
            ...(env.GHOST_CONTENT_API_KEY ? { contentApiKey: env.GHOST_CONTENT_API_KEY } : {}),
            ...(env.GHOST_WEBHOOK_SECRET ? { webhookSecret: env.GHOST_WEBHOOK_SECRET } : {}),
          }
        : null,
    activityPub: {
      allowPrivateAddresses:
        !isProduction && (env.NODE_ENV === 'test' || env.AP_ALLOW_PRIVATE_ADDRESSES === 'true'),
    },
    file,
  };
}

/**
 * One app's settings: its own `config/defaults.yaml` (found next to the app's code, so it
 * travels with the app into its image) with the `<app>:` section of app-config.yaml merged
 * over it, parsed with the app's schema. A bad value stops start-up naming the key.
 */
export function appSettings<T>(
  config: AppConfig,
  app: AppName,
  schema: z.ZodType<T>,
  defaultsFile: URL | string,
): T {
  const path = defaultsFile instanceof URL ? defaultsFile : new URL(`file://${resolve(defaultsFile)}`);
  const defaults = existsSync(path) ? parseYaml(readFileSync(path, 'utf8')) : {};
  const section = (config.file as Record<string, unknown>)[app];
  const parsed = schema.safeParse(deepMerge(defaults ?? {}, section ?? {}));
  if (!parsed.success) {
    throw new ConfigError(
      formatIssues(parsed.error, `${app}/config/defaults.yaml or ${app}: in app-config.yaml`).map(
        (p) => `${app}.${p}`,
      ),
    );
  }
  return parsed.data;
}

/** Real secrets from the environment; outside production, gaps are filled from `.data/`. */
function resolveSecrets(env: Env, devDataDir: string | null): Secrets {
  const fromEnv = {
    internalToken: env.INTERNAL_TOKEN,
    cookieKeys: env.COOKIE_KEYS,
    oidcClientSecrets: {
      blog: env.OIDC_CLIENT_SECRET_BLOG,
      market: env.OIDC_CLIENT_SECRET_MARKET,
      cart: env.OIDC_CLIENT_SECRET_CART,
      events: env.OIDC_CLIENT_SECRET_EVENTS,
      account: env.OIDC_CLIENT_SECRET_ACCOUNT,
    },
    oidcSigningKey: env.OIDC_SIGNING_KEY,
    apPrivateKey: env.AP_PRIVATE_KEY,
  };
  const complete =
    fromEnv.internalToken &&
    fromEnv.cookieKeys &&
    fromEnv.oidcSigningKey &&
    fromEnv.apPrivateKey &&
    Object.values(fromEnv.oidcClientSecrets).every(Boolean);
  if (complete) return fromEnv as Secrets;
  if (!devDataDir) throw new ConfigError(['secrets: missing (production requires every secret)']);
  const dev = developmentSecrets(devDataDir);
  return {
    internalToken: fromEnv.internalToken ?? dev.internalToken,
    cookieKeys: fromEnv.cookieKeys ?? dev.cookieKeys,
    oidcClientSecrets: {
      blog: fromEnv.oidcClientSecrets.blog ?? dev.oidcClientSecrets.blog,
      market: fromEnv.oidcClientSecrets.market ?? dev.oidcClientSecrets.market,
      cart: fromEnv.oidcClientSecrets.cart ?? dev.oidcClientSecrets.cart,
      events: fromEnv.oidcClientSecrets.events ?? dev.oidcClientSecrets.events,
      account: fromEnv.oidcClientSecrets.account ?? dev.oidcClientSecrets.account,
    },
    oidcSigningKey: fromEnv.oidcSigningKey ?? dev.oidcSigningKey,
    apPrivateKey: fromEnv.apPrivateKey ?? dev.apPrivateKey,
  };
}

function formatIssues(error: z.ZodError, what: string): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.join('.') || '(root)';
    return `${path}: ${issue.message} (${what})`;
  });
}

function findUp(start: string, relative: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
