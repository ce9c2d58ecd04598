import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';
import { APP_NAMES, type AppConfig, type AppName } from '../config/index.ts';

/** shared/templates, found relative to this file so it works from any working directory. */
export const SHARED_TEMPLATES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../templates');
export const SHARED_STATIC_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../static');

export interface TemplateOptions {
  config: AppConfig;
  appName: AppName;
  /** The app's own templates; same-named files override shared ones. */
  appTemplatesDir?: string | undefined;
}

/**
 * A nunjucks environment per app: the app's templates first, then shared/templates; autoescape
 * on; filters for dates in the configured zone, money in minor units and absolute URLs.
 */
export function createTemplateEngine(options: TemplateOptions): nunjucks.Environment {
  const { config, appName } = options;
  const searchPaths = [options.appTemplatesDir, SHARED_TEMPLATES_DIR].filter(
    (p): p is string => !!p && existsSync(p),
  );
  const env = new nunjucks.Environment(
    new nunjucks.FileSystemLoader(searchPaths, { noCache: config.env === 'development' }),
    { autoescape: true, throwOnUndefined: false, trimBlocks: true, lstripBlocks: true },
  );

  env.addFilter('date', (value: unknown, style: DateStyle = 'date') =>
    formatDate(value, style, config.site.timezone, config.site.locale),
  );
  env.addFilter('isodate', (value: unknown) => toDate(value)?.toISOString() ?? '');
  env.addFilter('money', (minor: unknown, currency?: string) =>
    formatMoney(Number(minor), currency ?? config.site.currency, config.site.locale),
  );
  env.addFilter('absurl', (path: string, app?: AppName) => absoluteUrl(config, app ?? appName, path));

  env.addGlobal('site', config.site);
  env.addGlobal('app_name', appName);
  env.addGlobal(
    'apps',
    APP_NAMES.map((n) => ({ name: n, title: config.apps[n].title, url: config.apps[n].publicUrl })),
  );
  env.addGlobal('app_url', (app: AppName, path = '/') => absoluteUrl(config, app, path));
  return env;
}

export type DateStyle = 'date' | 'datetime' | 'time' | 'short' | 'long';

const DATE_STYLES: Record<DateStyle, Intl.DateTimeFormatOptions> = {
  date: { dateStyle: 'long' },
  long: { dateStyle: 'full', timeStyle: 'short' },
  datetime: { dateStyle: 'medium', timeStyle: 'short' },
  time: { timeStyle: 'short' },
  short: { dateStyle: 'short' },
};

/**
 * Building an Intl formatter costs far more than formatting with one (a page with a dozen dates
 * spent more time here than in its database queries), so each is built once per combination.
 * Formatting is slow too (ICU) and a page shows the same few dates on every view, so a date
 * formatter keeps what it made of each recent instant.
 */
type DateFormatter = { format: Intl.DateTimeFormat; made: Map<number, string> };
type MoneyFormatter = { format: Intl.NumberFormat; digits: number };
const formatters = new Map<string, DateFormatter | MoneyFormatter>();
const remember = <T extends DateFormatter | MoneyFormatter>(key: string, f: T): T => {
  if (formatters.size >= 256) formatters.clear(); // zones and currencies come from config: a few
  formatters.set(key, f);
  return f;
};

function dateFormatter(style: DateStyle, timeZone: string, locale: string): DateFormatter {
  const key = `d|${style}|${timeZone}|${locale}`;
  return (
    (formatters.get(key) as DateFormatter | undefined) ??
    remember(key, {
      format: new Intl.DateTimeFormat(locale, { ...DATE_STYLES[style], timeZone }),
      made: new Map(),
    })
  );
}

export function formatDate(value: unknown, style: DateStyle, timeZone: string, locale = 'en-GB'): string {
  const date = toDate(value);
  if (!date) return '';
  const { format, made } = dateFormatter(style, timeZone, locale);
  const time = date.getTime();
  let text = made.get(time);
  if (text === undefined) {
    if (made.size >= 1_000) made.clear();
    text = format.format(date);
    made.set(time, text);
  }
  return text;
}

export function formatMoney(minor: number, currency: string, locale = 'en-GB'): string {
  if (!Number.isFinite(minor)) return '';
  const key = `m|${currency}|${locale}`;
  let f = formatters.get(key) as MoneyFormatter | undefined;
  if (!f) {
    const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
    f = remember(key, { format, digits: format.resolvedOptions().maximumFractionDigits ?? 2 });
  }
  return f.format.format(minor / 10 ** f.digits);
}

/**
 * `path` on `app`'s public origin. A URL with a scheme (`https:`, `mailto:`…) is returned as is.
 * Menus use it: the blog's menu is in every app's header, and its `/about/` is the blog's.
 */
export function absoluteUrl(config: AppConfig, app: AppName, path: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(path)) return path;
  return config.apps[app].publicUrl + (path.startsWith('/') ? path : `/${path}`);
}

function toDate(value: unknown): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value === 'string' || typeof value === 'number') {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return null;
}

export function appTemplatesDir(appRoot: string): string {
  return join(appRoot, 'templates');
}
