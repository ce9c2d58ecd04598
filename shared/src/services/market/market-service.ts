import { asc, inArray } from 'drizzle-orm';
import { freezeAll, MarketDto, ProductDto } from '../../contracts/dtos.ts';
import type { MarketService } from '../../contracts/protocols.ts';
import type { DatabaseHandle } from '../../db/client.ts';
import { markets, products } from '../../db/schema/index.ts';
import { createProductStock } from './stock.ts';

export interface MarketServiceDeps {
  db: DatabaseHandle;
}

/** Market reads over the shared schema (scraping and market pages arrive with their issue). */
export function createMarketService({ db }: MarketServiceDeps): MarketService {
  return {
    // Stock held for unpaid cart orders (stock.ts, owned by the cart issue).
    ...createProductStock({ db }),

    async listMarkets() {
      const rows = await db.db
        .select({
          id: markets.id,
          slug: markets.slug,
          name: markets.name,
          description: markets.description,
          location: markets.location,
          imageUrl: markets.imageUrl,
        })
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
  };
}
