import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { requireUser } from '@rose-ash/shared/infrastructure/sessions.ts';
import { member, privatePage, sectionContext } from '../../services/pages.ts';

/** The member's orders with their status, each linking to its page on the cart. */
const orderRoutes: RoutePlugin = async (app) => {
  app.get('/orders', { preHandler: requireUser }, async (request, reply) => {
    const orders = await app.services.account.listOrders(member(request).id);
    return privatePage(reply).view('orders.njk', { ...sectionContext('orders', 'Orders'), orders });
  });
};

export default orderRoutes;
