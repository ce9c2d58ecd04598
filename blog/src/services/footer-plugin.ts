import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * The blog's footer: the secondary menu (Ghost's `secondary_navigation`, or the one edited at
 * /admin/navigation) and, when there are newsletters, a link to subscribe at account. Read per
 * rendered page; anonymous reader pages are page-cached and purged when the menus change.
 */
export const footerPlugin = fp(
  async (app: FastifyInstance) => {
    app.addViewContext(async () => {
      const [footerNav, newsletters] = await Promise.all([
        app.services.blog.getNavigation('secondary'),
        app.services.blog.listNewsletters(),
      ]);
      return {
        footer_nav: footerNav,
        newsletters_url: newsletters.length ? `${app.config.apps.account.publicUrl}/newsletters/` : null,
      };
    });
  },
  { name: 'blog-footer', fastify: '5.x' },
);
