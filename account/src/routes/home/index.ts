import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { loginUrl } from '@rose-ash/shared/infrastructure/sessions.ts';
import { privatePage, sectionContext } from '../../services/pages.ts';

/**
 * The dashboard: who the member is (name, e-mail, fediverse handle) and a little of everything
 * (upcoming bookings and tickets, recent orders, newsletters, unread notifications), each
 * linking to its page. Anonymous visitors get the sign-in link.
 */
const homeRoutes: RoutePlugin = async (app) => {
  app.get('/', async (request, reply) => {
    privatePage(reply);
    const dashboard = request.user ? await app.services.account.getDashboard(request.user.id) : null;
    if (!dashboard) {
      return reply.view('signed-out.njk', {
        title: app.config.apps.account.title,
        sign_in_url: loginUrl('/'),
      });
    }
    return reply.view('home.njk', {
      ...sectionContext('overview', 'Your account'),
      dashboard,
      now: new Date(),
    });
  });
};

export default homeRoutes;
