import type { FastifyPluginAsync } from 'fastify';

/** The `cart-mini` fragment: the visitor's item count and total, linking to the cart. */
const cartMiniFragment: FastifyPluginAsync = async (app) => {
  app.registerFragment('cart-mini', async (request) => {
    const owner = request.user
      ? { userId: request.user.id }
      : request.cartKey
        ? { cartKey: request.cartKey }
        : null;
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
