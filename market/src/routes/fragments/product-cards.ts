import { rememberProductCardsQuery } from '@rose-ash/shared/services/market/caching.ts';
import type { FastifyPluginAsync } from 'fastify';
import { stockState } from '../../services/presentation.ts';
import { marketSettings } from '../../services/settings.ts';

/**
 * The `product-cards` fragment (contract in shared/src/contracts/widgets.ts): small, self-
 * contained cards with live price and stock, for the blog to put where a post links to market
 * products. `?skus=a,b` or `?slugs=a,b` (in that order) or `?market=<slug>&limit=n`. Links and
 * images are absolute (the cards show on another host). The market drops the cached copies
 * when a product changes (shared/src/services/market/caching.ts).
 */
const productCardsFragment: FastifyPluginAsync = async (app) => {
  const settings = marketSettings(app.config);
  const base = app.config.apps.market.publicUrl;
  const absolute = (src: string) =>
    /^https?:\/\//.test(src) ? src : `${base}${src.startsWith('/') ? '' : '/'}${src}`;

  const list = (csv: string) =>
    csv
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  app.registerFragment('product-cards', async (request, query) => {
    const cards = await app.services.market.getProductCards(
      'skus' in query
        ? { skus: list(query.skus) }
        : 'slugs' in query
          ? { slugs: list(query.slugs) }
          : { marketSlug: query.market, limit: query.limit },
    );
    await rememberProductCardsQuery(
      app.cache,
      request.query as Record<string, string>,
      cards.map((c) => c.sku),
    ).catch((err: unknown) => request.log.warn({ err }, 'product-cards: could not index the copy'));
    return app.templates.render('fragments/product-cards.njk', {
      cards: cards.map((p) => ({
        ...p,
        url: `${base}/p/${p.slug}/`,
        image: p.imageUrl ? absolute(p.imageUrl) : null,
        stock: stockState(p, settings.low_stock_threshold),
      })),
    });
  });
};

export default productCardsFragment;
