/**
 * What the market purges when products change: the anonymous page cache (every market,
 * category and product page, and the sitemap) and the `product-cards` fragment copies other
 * apps cached. Fragment copies are keyed by their exact query (`skus=a,b`, `market=x&limit=4`),
 * which only the asking app knows; so the market remembers each query it answered, indexed by
 * SKU and in one set for market queries, and drops exactly those copies.
 */
import { PAGE_TAGS } from '../../contracts/widgets.ts';
import type { Cache } from '../../infrastructure/cache.ts';
import { FRAGMENT_STALE_TTL_SECONDS, invalidateFragment } from '../../infrastructure/fragments.ts';
import { purgePageCache } from '../../infrastructure/page-cache.ts';

const BY_SKU = (sku: string) => `market:cards:sku:${sku}`;
const BY_MARKET = 'market:cards:markets';

/**
 * Called by the fragment route for each copy it renders: remembers the query (as received, so
 * its cache key is the one the asking app computed) under the SKUs it shows.
 */
export async function rememberProductCardsQuery(
  cache: Cache,
  query: Readonly<Record<string, string>>,
  skus: readonly string[],
): Promise<void> {
  const member = JSON.stringify(query);
  // Kept as long as a stale copy can live, so a purge also reaches the stale one.
  const ttl = FRAGMENT_STALE_TTL_SECONDS;
  if ('market' in query) await cache.sadd(BY_MARKET, [member], ttl);
  await Promise.all([...new Set(skus)].map((sku) => cache.sadd(BY_SKU(sku), [member], ttl)));
}

/** Drops the product-cards copies showing any of `skus`, and every market's cards. */
export async function invalidateProductCards(cache: Cache, skus: readonly string[]): Promise<void> {
  const keys = [BY_MARKET, ...new Set(skus)].map((s) => (s === BY_MARKET ? s : BY_SKU(s)));
  const queries = new Set((await Promise.all(keys.map((k) => cache.smembers(k)))).flat());
  for (const raw of queries) {
    const params = JSON.parse(raw) as Record<string, string>;
    await invalidateFragment(cache, 'product-cards', { params });
  }
}

/**
 * Everything to purge after products changed (a scrape, a stock change, an admin edit): the
 * pages showing them and the product cards. Call it after the change committed.
 */
export async function purgeProductCaches(
  cache: Cache,
  changed: readonly { slug: string; sku: string }[],
): Promise<void> {
  await purgePageCache(cache, [
    PAGE_TAGS.marketCatalogue,
    ...changed.map((p) => PAGE_TAGS.marketProduct(p.slug)),
  ]);
  await invalidateProductCards(
    cache,
    changed.map((p) => p.sku),
  );
}

/** After a market's own details or its suppliers changed: the index and every market page. */
export async function purgeMarketPages(cache: Cache): Promise<void> {
  await purgePageCache(cache, [PAGE_TAGS.markets, PAGE_TAGS.marketCatalogue]);
  await invalidateProductCards(cache, []);
}
