import type { FastifyPluginAsync } from 'fastify';
import { cartOwner } from '../../services/cart-owner.ts';

/**
 * The `cart-mini` fragment: the visitor's item count and total, linking to the cart. Every
 * page header asks for it with the member and the anonymous cart key, so this is also where a
 * member's anonymous basket is merged first after signing in at any app.
 */
const cartMiniFragment: FastifyPluginAsync = async (app) => {
  app.registerFragment('cart-mini', async (request) => {
    const { owner } = await cartOwner(request);
    const summary = owner ? await app.services.cart.getCartSummary(owner) : null;
    return app.templates.render('fragments/cart-mini.njk', {
      count: summary?.itemCount ?? 0,
      total_pence: summary?.totalPence ?? 0,
      currency: summary?.currency ?? app.config.site.currency,
      cart_url: app.config.apps.cart.publicUrl,
    });
  });
};

export default cartMiniFragment;
