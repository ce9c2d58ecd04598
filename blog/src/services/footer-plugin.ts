import { FOOTER_CACHE_KEY } from '@rose-ash/shared/services/blog/navigation-service.ts';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

type Footer = {
  footer_nav: { label: string; url: string }[];
  newsletters_url: string | null;
};

/** How long a cached footer lives at most; a change drops it at once (`siteChromeChanged`). */
const FOOTER_TTL_SECONDS = 300;

/**
 * The blog's footer: the secondary menu (Ghost's `secondary_navigation`, or the one edited at
 * /admin/navigation) and, when there are newsletters, a link to subscribe at account. On every
 * rendered page, so it is kept in the cache (dropped when the menus or newsletters change) and
 * read from the database only when absent or when the cache is away.
 */
export const footerPlugin = fp(
  async (app: FastifyInstance) => {
    const fromDatabase = async (): Promise<Footer> => {
      const [footerNav, newsletters] = await Promise.all([
        app.services.blog.getNavigation('secondary'),
        app.services.blog.listNewsletters(),
      ]);
      return {
        footer_nav: footerNav.map(({ label, url }) => ({ label, url })),
        newsletters_url: newsletters.length ? `${app.config.apps.account.publicUrl}/newsletters` : null,
      };
    };
    app.addViewContext(async (): Promise<Footer> => {
      const cached = await app.cache.get(FOOTER_CACHE_KEY).catch(() => null);
      if (cached) return JSON.parse(cached) as Footer;
      const footer = await fromDatabase();
      await app.cache
        .set(FOOTER_CACHE_KEY, JSON.stringify(footer), FOOTER_TTL_SECONDS)
        .catch((err: unknown) => app.log.warn({ err }, 'footer cache write failed'));
      return footer;
    });
  },
  { name: 'blog-footer', fastify: '5.x' },
);
