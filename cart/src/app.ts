import { fileURLToPath } from 'node:url';
import { type AppDeps, createApp } from '@rose-ash/shared/infrastructure/factory.ts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { cartJobs } from './jobs/index.ts';
import addRoutes from './routes/add/index.ts';
import adminRoutes from './routes/admin/index.ts';
import cartRoutes from './routes/cart/index.ts';
import checkoutRoutes from './routes/checkout/index.ts';
import cartMiniFragment from './routes/fragments/cart-mini.ts';
import orderRoutes from './routes/orders/index.ts';
import sumupRoutes from './routes/sumup/index.ts';
import { paymentsPlugin } from './services/payments-plugin.ts';
import { cartSettings } from './services/settings.ts';

const templatesDir = fileURLToPath(new URL('../templates', import.meta.url));

/** Everything the cart app serves, as one named plugin. */
export const cartApp = fp(
  async (app) => {
    await app.register(paymentsPlugin);
    await app.register(cartJobs);
    await app.register(cartRoutes);
    await app.register(addRoutes);
    await app.register(checkoutRoutes);
    await app.register(orderRoutes);
    await app.register(sumupRoutes);
    await app.register(adminRoutes);
    await app.register(cartMiniFragment);
  },
  { name: 'cart-app', fastify: '5.x' },
);

/** Builds the cart app on the shared factory. Does not listen (see main.ts). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // Settings are checked at boot: a bad value under `cart:` stops start-up naming the key.
  cartSettings(deps.config);
  const app = await createApp('cart', deps, { templatesDir });
  await app.register(cartApp);
  return app;
}
