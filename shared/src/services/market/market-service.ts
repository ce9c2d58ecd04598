/**
 * The MarketService: market pages, search, product cards, the market admin and the landing of
 * scrape runs, over the shared schema. Every result is a frozen DTO; whatever changes products
 * purges the pages and product cards that show them (`caching.ts`).
 */
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { AppConfig } from '../../config/index.ts';
import {
  CategoryDto,
  freeze,
  freezeAll,
  MarketAdminDto,
  MarketDto,
  ProductDetailDto,
  ProductDto,
  ProductListingDto,
  ProductSummaryDto,
  ScrapeRunDto,
  SitemapEntriesDto,
  SupplierDto,
} from '../../contracts/dtos.ts';
import type { FederationService, MarketService } from '../../contracts/protocols.ts';
import type { DatabaseHandle } from '../../db/client.ts';
import { apActivities, categories, markets, products, type ScrapeRun } from '../../db/schema/index.ts';
import { AS_CONTEXT } from '../../infrastructure/activitypub/uris.ts';
import type { Cache } from '../../infrastructure/cache.ts';
import { announcementId } from './announcements.ts';
import { purgeMarketPages, purgeProductCaches } from './caching.ts';
import {
  getProductBySlug,
  listProducts,
  listRelated,
  marketSupplierIds,
  productCards,
  sitemapEntries,
} from './catalogue-queries.ts';
import { getMarketForAdmin, listMarketsForAdmin, listSuppliers, saveMarket } from './market-admin.ts';
import { ensureSupplier, finishRun, listRuns, startRun } from './scrape-store.ts';
import { probeSearch, type SearchSetup } from './search.ts';
import { createProductStock } from './stock.ts';

export interface MarketServiceDeps {
  db: DatabaseHandle;
  /** Purged when products or markets change (pages and product cards); optional for read-only use. */
  cache?: Cache;
  config?: AppConfig;
  /** Announces new products (one `Create(Note)` per run); null or absent: no announcements. */
  federation?: FederationService | null;
  log?: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
}

const marketColumns = {
  id: markets.id,
  slug: markets.slug,
  name: markets.name,
  description: markets.description,
  location: markets.location,
  imageUrl: markets.imageUrl,
  openingTimes: markets.openingTimes,
};

export function createMarketService(deps: MarketServiceDeps): MarketService {
  const { db } = deps;
  let setupPromise: Promise<SearchSetup> | null = null;
  /** Which text search configuration this database has (asked once). */
  const setup = () => {
    setupPromise ??= probeSearch(db.db).then((s) => {
      if (!s.accentInsensitive)
        deps.log?.warn(
          { config: s.configName },
          'market search: this database has no unaccent; search stays accent-sensitive',
        );
      return s;
    });
    setupPromise.catch(() => {
      setupPromise = null;
    });
    return setupPromise;
  };
  const needConfig = () => {
    if (!deps.config) throw new Error('the market service needs the config for this');
    return deps.config;
  };
  const purge = async (changed: { slug: string; sku: string }[]) => {
    if (!deps.cache || !changed.length) return;
    await purgeProductCaches(deps.cache, changed).catch((err: unknown) =>
      deps.log?.warn({ err }, 'market: purging cached pages failed'),
    );
  };
  const marketId = async (slug: string) =>
    (await db.db.select({ id: markets.id }).from(markets).where(eq(markets.slug, slug)))[0]?.id ?? null;
  const toRunDto = (row: { run: ScrapeRun; supplier: { slug: string; name: string } }) =>
    freeze(ScrapeRunDto, {
      id: row.run.id,
      supplier: row.supplier,
      status: row.run.status,
      trigger: row.run.trigger,
      startedAt: row.run.startedAt,
      finishedAt: row.run.finishedAt,
      complete: row.run.complete,
      created: row.run.created,
      updated: row.run.updated,
      unchanged: row.run.unchanged,
      deactivated: row.run.deactivated,
      failed: row.run.failed,
      errors: row.run.errors,
    });

  return {
    // Stock held for unpaid cart orders (stock.ts, owned by the cart issue).
    ...createProductStock({ db }),

    async listMarkets() {
      const rows = await db.db
        .select(marketColumns)
        .from(markets)
        .orderBy(asc(markets.sortOrder), asc(markets.name));
      return freezeAll(MarketDto, rows);
    },

    async getProductsBySku(skus, tx) {
      if (skus.length === 0) return Object.freeze([]);
      const rows = await (tx ?? db.db)
        .select({
          id: products.id,
          sku: products.sku,
          slug: products.slug,
          name: products.name,
          pricePence: products.pricePence,
          currency: products.currency,
          unit: products.unit,
          imageUrl: products.imageUrl,
          stockQuantity: products.stockQuantity,
          isActive: products.isActive,
        })
        .from(products)
        .where(inArray(products.sku, [...new Set(skus)]))
        .orderBy(asc(products.sku), asc(products.id));
      return freezeAll(ProductDto, rows);
    },

    // ---- market pages ---------------------------------------------------------------------

    async getMarket(slug) {
      const [row] = await db.db.select(marketColumns).from(markets).where(eq(markets.slug, slug));
      return row ? freeze(MarketDto, row) : null;
    },

    async getCategory(slug) {
      const [row] = await db.db
        .select({ id: categories.id, slug: categories.slug, name: categories.name })
        .from(categories)
        .where(eq(categories.slug, slug));
      return row ? freeze(CategoryDto, row) : null;
    },

    async listProducts({ marketSlug, categorySlug, q, sort, page, perPage }) {
      const empty = () =>
        freeze(ProductListingDto, {
          items: [],
          page: 1,
          pages: 1,
          total: 0,
          categories: [],
          sort: sort ?? 'name',
          searched: false,
        });
      const mId = marketSlug ? await marketId(marketSlug) : undefined;
      if (mId === null) return empty();
      let cId: number | undefined;
      if (categorySlug) {
        const category = await this.getCategory(categorySlug);
        if (!category) return empty();
        cId = category.id;
      }
      const result = await listProducts(db.db, await setup(), {
        perPage,
        ...(mId ? { supplierIds: await marketSupplierIds(db.db, mId) } : {}),
        ...(cId ? { categoryId: cId } : {}),
        ...(q ? { q } : {}),
        ...(sort ? { sort } : {}),
        ...(page ? { page } : {}),
      });
      return freeze(ProductListingDto, result);
    },

    async getProductBySlug(slug) {
      const product = await getProductBySlug(db.db, slug);
      return product ? freeze(ProductDetailDto, product) : null;
    },

    async listRelatedProducts(productId, limit) {
      return freezeAll(ProductSummaryDto, await listRelated(db.db, productId, limit));
    },

    async getProductCards(query) {
      if ('skus' in query)
        return freezeAll(ProductSummaryDto, await productCards(db.db, { skus: query.skus }));
      if ('slugs' in query)
        return freezeAll(ProductSummaryDto, await productCards(db.db, { slugs: query.slugs }));
      const id = await marketId(query.marketSlug);
      if (id === null) return Object.freeze([]);
      return freezeAll(
        ProductSummaryDto,
        await productCards(db.db, { supplierIds: await marketSupplierIds(db.db, id), limit: query.limit }),
      );
    },

    async listSitemapEntries() {
      return freeze(SitemapEntriesDto, await sitemapEntries(db.db));
    },

    async searchCapabilities() {
      return { accentInsensitive: (await setup()).accentInsensitive };
    },

    // ---- admin ----------------------------------------------------------------------------

    async listMarketsForAdmin() {
      return freezeAll(MarketAdminDto, await listMarketsForAdmin(db.db));
    },

    async getMarketForAdmin(id) {
      const row = await getMarketForAdmin(db.db, id);
      return row ? freeze(MarketAdminDto, row) : null;
    },

    async saveMarket(id, input) {
      const outcome = await saveMarket(db.db, id, input);
      if (!outcome.ok) return outcome;
      if (deps.cache)
        await purgeMarketPages(deps.cache).catch((err: unknown) =>
          deps.log?.warn({ err }, 'market: purging cached pages failed'),
        );
      const market = await getMarketForAdmin(db.db, outcome.id);
      return { ok: true, market: freeze(MarketAdminDto, market as NonNullable<typeof market>) };
    },

    async listSuppliers() {
      return freezeAll(SupplierDto, await listSuppliers(db.db));
    },

    // ---- scraping -------------------------------------------------------------------------

    async ensureSupplier(input) {
      const row = await ensureSupplier(db.db, input);
      return freeze(SupplierDto, {
        id: row.id,
        slug: row.slug,
        name: row.name,
        website: row.website,
        isActive: row.isActive,
      });
    },

    async startScrapeRun(supplierSlug, trigger) {
      const supplier = (await listSuppliers(db.db)).find((s) => s.slug === supplierSlug);
      if (!supplier) throw new Error(`no supplier ${supplierSlug}`);
      return startRun(db.db, supplier.id, trigger);
    },

    async finishScrapeRun(runId, outcome) {
      const { run, changed } = await finishRun(
        { db: db.db, config: needConfig(), setup, federation: deps.federation ?? null },
        runId,
        outcome,
      );
      await purge(changed);
      const [row] = await listRuns(db.db, { limit: 1, runId: run.id });
      return toRunDto(row as NonNullable<typeof row>);
    },

    async listScrapeRuns(opts) {
      return Object.freeze((await listRuns(db.db, opts)).map(toRunDto));
    },

    async getAnnouncement(runId) {
      const id = announcementId(needConfig(), runId);
      const [row] = await db.db
        .select({ activity: apActivities.object })
        .from(apActivities)
        .where(
          and(
            eq(apActivities.objectUri, id),
            eq(apActivities.direction, 'out'),
            eq(apActivities.type, 'Create'),
          ),
        )
        .limit(1);
      const note = row?.activity?.['object'];
      if (!note || typeof note !== 'object') return null;
      return Object.freeze({ '@context': AS_CONTEXT, ...(note as Record<string, unknown>) });
    },
  };
}
