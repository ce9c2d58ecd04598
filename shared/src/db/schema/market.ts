/**
 * Market: suppliers' catalogues (imported by scrapers), the markets that sell them and the
 * category tree. Products are deactivated, never deleted: orders and carts point at them.
 */
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';
import { oneOf, tsvector, tz } from './columns.ts';

export const scrapeRunStatuses = ['running', 'succeeded', 'failed'] as const;
export type ScrapeRunStatus = (typeof scrapeRunStatuses)[number];
/** What started a scrape run: its schedule, an admin's "run now", or the command line. */
export const scrapeRunTriggers = ['schedule', 'admin', 'command'] as const;
export type ScrapeRunTrigger = (typeof scrapeRunTriggers)[number];

export const suppliers = pgTable(
  'suppliers',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    /** Also the key of the supplier's scraper in app-config.yaml. */
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    website: text('website'),
    description: text('description'),
    isActive: boolean('is_active').notNull().default(true),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', tz)
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [unique('suppliers_slug_key').on(t.slug)],
);
export type Supplier = typeof suppliers.$inferSelect;
export type NewSupplier = typeof suppliers.$inferInsert;

export const markets = pgTable(
  'markets',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    /** Free text shown on the page, e.g. "Saturdays, Town Square". */
    location: text('location'),
    /** Free text, one line per day or season, e.g. "Saturdays 9:00–13:00". */
    openingTimes: text('opening_times'),
    imageUrl: text('image_url'),
    sortOrder: integer('sort_order').notNull().default(0),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', tz)
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [unique('markets_slug_key').on(t.slug)],
);
export type Market = typeof markets.$inferSelect;
export type NewMarket = typeof markets.$inferInsert;

/**
 * Which suppliers' products a market carries (the admin's choice). `products_markets` follows
 * it: the market service adds a supplier's products to every market carrying that supplier.
 */
export const marketsSuppliers = pgTable(
  'markets_suppliers',
  {
    marketId: integer('market_id')
      .notNull()
      .references(() => markets.id, { onDelete: 'cascade' }),
    supplierId: integer('supplier_id')
      .notNull()
      .references(() => suppliers.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ name: 'markets_suppliers_pkey', columns: [t.marketId, t.supplierId] }),
    index('markets_suppliers_supplier_id_idx').on(t.supplierId),
  ],
);
export type MarketSupplier = typeof marketsSuppliers.$inferSelect;

export const categories = pgTable(
  'categories',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    /** Removing a parent lifts its children to the top level rather than deleting them. */
    parentId: integer('parent_id').references((): AnyPgColumn => categories.id, { onDelete: 'set null' }),
    sortOrder: integer('sort_order').notNull().default(0),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', tz)
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    unique('categories_slug_key').on(t.slug),
    index('categories_parent_id_idx').on(t.parentId),
    check('categories_not_own_parent_check', sql`${t.parentId} <> ${t.id}`),
  ],
);
export type Category = typeof categories.$inferSelect;
export type NewCategory = typeof categories.$inferInsert;

export const products = pgTable(
  'products',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    // Restrict: a supplier with products is deactivated, not deleted.
    supplierId: integer('supplier_id')
      .notNull()
      .references(() => suppliers.id, { onDelete: 'restrict' }),
    /** The supplier's own code: the scraper's idempotency key and the cart's lookup key. */
    sku: text('sku').notNull(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    pricePence: integer('price_pence').notNull(),
    currency: text('currency').notNull(),
    /** Selling unit as shown, e.g. "each", "500 g", "per kg". */
    unit: text('unit'),
    imageUrl: text('image_url'),
    images: jsonb('images').$type<string[]>().notNull().default([]),
    sourceUrl: text('source_url'),
    /** Null means stock is not tracked (always available); 0 means sold out. */
    stockQuantity: integer('stock_quantity'),
    isActive: boolean('is_active').notNull().default(true),
    categoryId: integer('category_id').references(() => categories.id, { onDelete: 'set null' }),
    firstSeenAt: timestamp('first_seen_at', tz).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', tz).notNull().defaultNow(),
    /** Set once the product's `Create(Note)` is queued, so a re-run never announces it twice. */
    announcedAt: timestamp('announced_at', tz),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', tz)
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
    /**
     * Full-text document: name (weight A), category and supplier names (B), description (C),
     * in the `market_search` text search configuration (English stemming, accents folded with
     * `unaccent` where the database has it). Not a generated column: it spans three tables, so
     * the market service refreshes it whenever it writes a product (`refreshSearch`).
     */
    search: tsvector('search').notNull().default(sql`''::tsvector`),
  },
  (t) => [
    unique('products_supplier_id_sku_key').on(t.supplierId, t.sku),
    unique('products_slug_key').on(t.slug),
    // The cart resolves SKUs without knowing the supplier.
    index('products_sku_idx').on(t.sku),
    index('products_category_id_idx').on(t.categoryId),
    index('products_search_idx').using('gin', t.search),
    check('products_price_pence_check', sql`${t.pricePence} >= 0`),
    check('products_currency_check', sql`${t.currency} ~ '^[A-Z]{3}$'`),
    check('products_stock_quantity_check', sql`${t.stockQuantity} >= 0`),
  ],
);
export type Product = typeof products.$inferSelect;
export type NewProduct = typeof products.$inferInsert;

export const productsMarkets = pgTable(
  'products_markets',
  {
    productId: integer('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    marketId: integer('market_id')
      .notNull()
      .references(() => markets.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ name: 'products_markets_pkey', columns: [t.productId, t.marketId] }),
    // Market pages list a market's products.
    index('products_markets_market_id_idx').on(t.marketId),
  ],
);
export type ProductMarket = typeof productsMarkets.$inferSelect;
export type NewProductMarket = typeof productsMarkets.$inferInsert;

/** A row whenever a product's price changes (and its first price). */
export const priceHistory = pgTable(
  'price_history',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    productId: integer('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    pricePence: integer('price_pence').notNull(),
    currency: text('currency').notNull(),
    scrapeRunId: integer('scrape_run_id').references(() => scrapeRuns.id, { onDelete: 'set null' }),
    recordedAt: timestamp('recorded_at', tz).notNull().defaultNow(),
  },
  (t) => [
    index('price_history_product_id_recorded_at_idx').on(t.productId, t.recordedAt),
    index('price_history_scrape_run_id_idx').on(t.scrapeRunId),
    check('price_history_price_pence_check', sql`${t.pricePence} >= 0`),
    check('price_history_currency_check', sql`${t.currency} ~ '^[A-Z]{3}$'`),
  ],
);
export type PriceHistory = typeof priceHistory.$inferSelect;
export type NewPriceHistory = typeof priceHistory.$inferInsert;

export interface ScrapeError {
  url?: string;
  sku?: string;
  message: string;
}

/**
 * One row per scraper run. Only a `complete` run (every list page fetched) may deactivate the
 * products it did not see; a partial run must not take half a catalogue offline.
 */
export const scrapeRuns = pgTable(
  'scrape_runs',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    supplierId: integer('supplier_id')
      .notNull()
      .references(() => suppliers.id, { onDelete: 'cascade' }),
    status: text('status', { enum: scrapeRunStatuses }).notNull().default('running'),
    trigger: text('trigger', { enum: scrapeRunTriggers }).notNull().default('command'),
    startedAt: timestamp('started_at', tz).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', tz),
    complete: boolean('complete').notNull().default(false),
    created: integer('created').notNull().default(0),
    updated: integer('updated').notNull().default(0),
    unchanged: integer('unchanged').notNull().default(0),
    deactivated: integer('deactivated').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    errors: jsonb('errors').$type<ScrapeError[]>().notNull().default([]),
  },
  (t) => [
    index('scrape_runs_supplier_id_started_at_idx').on(t.supplierId, t.startedAt.desc()),
    index('scrape_runs_started_at_idx').on(t.startedAt.desc()),
    check('scrape_runs_status_check', oneOf(t.status, scrapeRunStatuses)),
    check('scrape_runs_trigger_check', oneOf(t.trigger, scrapeRunTriggers)),
    check(
      'scrape_runs_counts_check',
      sql`${t.created} >= 0 and ${t.updated} >= 0 and ${t.unchanged} >= 0 and ${t.deactivated} >= 0 and ${t.failed} >= 0`,
    ),
  ],
);
export type ScrapeRun = typeof scrapeRuns.$inferSelect;
export type NewScrapeRun = typeof scrapeRuns.$inferInsert;
