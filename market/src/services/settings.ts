import { type AppConfig, appSettings } from '@rose-ash/shared/config/index.ts';
import { z } from 'zod';

/** `selector` or `selector@attribute` (e.g. `img@src`, `a.more@href`). */
const selector = z.string().trim().min(1).max(300);
const httpUrl = z.url({ protocol: /^https?$/ });

const scraperSchema = z
  .object({
    /** The supplier's name as shoppers see it. */
    name: z.string().trim().min(1).max(120),
    website: httpUrl.optional(),
    /** Listing pages to start from; each may name the category of everything it lists. */
    start_urls: z
      .array(
        z.union([httpUrl, z.object({ url: httpUrl, category: z.string().trim().min(1).max(120) }).strict()]),
      )
      .min(1),
    selectors: z
      .object({
        /** One product on a listing page; the others are read inside it. */
        item: selector,
        name: selector,
        price: selector,
        sku: selector,
        unit: selector.optional(),
        image: selector.optional(),
        /** The product's own page (its source URL). */
        link: selector.optional(),
        description: selector.optional(),
        category: selector.optional(),
        /** A number, or text such as "out of stock" / "in stock". */
        stock: selector.optional(),
        /** The next listing page (an `a@href`, followed until there is none). */
        next_page: selector.optional(),
      })
      .strict(),
    /** Pause between two requests to the same host. */
    delay_ms: z.number().int().min(0).max(60_000).default(1_000),
    /** Requests in flight to one host at once (polite: 1 or 2). */
    concurrency: z.number().int().min(1).max(2).default(1),
    timeout_ms: z.number().int().min(500).max(120_000).default(15_000),
    /** Further attempts after a timeout, a network error, 429 or 5xx (with back-off). */
    retries: z.number().int().min(0).max(5).default(2),
    user_agent: z.string().trim().min(1).max(200).default('RoseAshMarketBot/1.0 (+https://rose-ash.com/)'),
    /** Listing pages read at most per start URL (a loop of "next" links stops here). */
    max_pages: z.number().int().min(1).max(500).default(50),
    /** Only configured outside production (the `pnpm dev` fixture supplier). */
    development_only: z.boolean().default(false),
  })
  .strict();
export type ScraperSettings = z.infer<typeof scraperSchema>;

const marketSettingsSchema = z
  .object({
    page_size: z.number().int().min(1).max(100),
    low_stock_threshold: z.number().int().min(0).max(1_000),
    related_products: z.number().int().min(0).max(12),
    image_max_bytes: z.number().int().min(1_000).max(20_000_000),
    scrapers: z
      .record(z.string().regex(/^[a-z0-9][a-z0-9-]{0,60}$/, 'a supplier slug'), scraperSchema)
      .default({}),
  })
  .strict();
export type MarketSettings = z.infer<typeof marketSettingsSchema>;

/** The market app's settings: market/config/defaults.yaml with `market:` from app-config.yaml over it. */
export function marketSettings(config: AppConfig): MarketSettings {
  const settings = appSettings(
    config,
    'market',
    marketSettingsSchema,
    new URL('../../config/defaults.yaml', import.meta.url),
  );
  // Development-only scrapers (the local fixture supplier) do not exist in production.
  if (config.isProduction) {
    settings.scrapers = Object.fromEntries(
      Object.entries(settings.scrapers).filter(([, s]) => !s.development_only),
    );
  }
  return settings;
}
