import { PRODUCT_SORTS, type ProductDetailDto } from '@rose-ash/shared/contracts/dtos.ts';
import { PageQuery, Slug } from '@rose-ash/shared/contracts/http.ts';
import { PAGE_TAGS } from '@rose-ash/shared/contracts/widgets.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { decimalPrice, productJsonLd, stockState } from '../../services/presentation.ts';
import { marketSettings } from '../../services/settings.ts';

/**
 * What a shopper typed. Anything goes (quotes, `&`, `:*`, a pasted paragraph): the search
 * reads at most its first words, so a long query is never an error page.
 */
const ListingQuery = PageQuery.extend({
  q: z.string().max(4_000, 'Search for at most 4000 characters').default(''),
  sort: z.enum(PRODUCT_SORTS).default('relevance'),
});
const MarketParams = z.object({ market: Slug });
const CategoryParams = z.object({ market: Slug, category: Slug });
const ProductParams = z.object({ product: Slug });

const catalogueTags = [PAGE_TAGS.markets, PAGE_TAGS.marketCatalogue];

/** Market pages (products, category filter, search, sort, pages), product pages, the sitemap. */
const catalogueRoutes: RoutePlugin = async (app) => {
  const market = app.services.market;
  const settings = marketSettings(app.config);
  const marketUrl = (path: string) => `${app.config.apps.market.publicUrl}${path}`;

  async function listing(
    request: FastifyRequest,
    params: { market: string; category?: string },
    query: z.infer<typeof ListingQuery>,
  ) {
    const [found, category] = await Promise.all([
      market.getMarket(params.market),
      params.category ? market.getCategory(params.category) : null,
    ]);
    if (!found || (params.category && !category)) throw new AppError('HTTP_ROUTE_NOT_FOUND');
    const q = query.q.trim();
    const result = await market.listProducts({
      marketSlug: found.slug,
      ...(category ? { categorySlug: category.slug } : {}),
      q,
      sort: query.sort,
      page: query.page,
      perPage: settings.page_size,
    });
    if (query.page > result.pages) throw new AppError('HTTP_ROUTE_NOT_FOUND');
    const basePath = category ? `/${found.slug}/c/${category.slug}/` : `/${found.slug}/`;
    const extra = new URLSearchParams({
      ...(q ? { q } : {}),
      ...(query.sort !== 'relevance' ? { sort: query.sort } : {}),
    }).toString();
    return {
      title: category ? `${category.name} · ${found.name}` : found.name,
      description: found.description,
      canonical_url: marketUrl(basePath),
      market: found,
      category,
      q,
      sort: result.sort,
      sorts: PRODUCT_SORTS.filter((s) => s !== 'relevance' || q),
      result,
      all_count: result.categories.reduce((n, c) => n + c.count, 0),
      base_path: basePath,
      extra_query: extra ? `&${extra}` : '',
      keep_query: extra ? `?${extra}` : '',
      request_path: request.url.split('?')[0],
    };
  }

  app.get(
    '/:market/',
    {
      schema: { params: MarketParams, querystring: ListingQuery },
      config: { pageCache: { tags: catalogueTags } },
    },
    async (request, reply) => reply.view('market.njk', await listing(request, request.params, request.query)),
  );

  app.get(
    '/:market/c/:category/',
    {
      schema: { params: CategoryParams, querystring: ListingQuery },
      config: { pageCache: { tags: catalogueTags } },
    },
    async (request, reply) => reply.view('market.njk', await listing(request, request.params, request.query)),
  );

  app.get(
    '/p/:product/',
    {
      schema: { params: ProductParams },
      config: {
        pageCache: {
          tags: (request) => [
            PAGE_TAGS.marketCatalogue,
            PAGE_TAGS.marketProduct((request.params as { product: string }).product),
          ],
        },
      },
    },
    async (request, reply) => {
      const product = await market.getProductBySlug(request.params.product);
      if (!product) throw new AppError('HTTP_ROUTE_NOT_FOUND');
      const related = settings.related_products
        ? await market.listRelatedProducts(product.id, settings.related_products)
        : [];
      const url = marketUrl(`/p/${product.slug}/`);
      return reply.view('product.njk', {
        title: product.name,
        description: summaryOf(product),
        canonical_url: url,
        product,
        product_url: url,
        images: product.images.map((src) => absolute(src)),
        stock: stockState(product, settings.low_stock_threshold),
        og_price: decimalPrice(product.pricePence, product.currency),
        max_quantity: product.stockQuantity === null ? 99 : Math.max(1, Math.min(99, product.stockQuantity)),
        related,
        market: product.markets[0] ?? null,
        json_ld: productJsonLd(product, {
          url,
          images: product.images.map((src) => absolute(src)),
          stock: stockState(product, settings.low_stock_threshold),
        }),
      });
    },
  );

  app.get('/sitemap.xml', async (_request, reply) => {
    const entries = await market.listSitemapEntries();
    const xml = app.templates.render('sitemap.xml.njk', {
      home: marketUrl('/'),
      markets: entries.markets.map((m) => ({
        loc: marketUrl(`/${m.slug}/`),
        lastmod: m.updatedAt.toISOString(),
      })),
      categories: entries.categories.map((c) => marketUrl(`/${c.market}/c/${c.category}/`)),
      products: entries.products.map((p) => ({
        loc: marketUrl(`/p/${p.slug}/`),
        lastmod: p.updatedAt.toISOString(),
      })),
    });
    return reply
      .type('application/xml; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .send(xml);
  });

  function absolute(src: string): string {
    return /^https?:\/\//.test(src) ? src : marketUrl(src.startsWith('/') ? src : `/${src}`);
  }
};

function summaryOf(product: ProductDetailDto): string {
  const text = (product.description ?? `${product.name} from ${product.supplier.name}`).replace(/\s+/g, ' ');
  return text.length > 200 ? `${text.slice(0, 197)}…` : text;
}

export default catalogueRoutes;
