import { PageQuery } from '@rose-ash/shared/contracts/http.ts';
import { PAGE_TAGS } from '@rose-ash/shared/contracts/widgets.ts';
import type { RoutePlugin } from '@rose-ash/shared/infrastructure/contracts.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { blogSettings } from '../../services/settings.ts';

/** The blog home page: the latest published posts, paginated, page-cached for anonymous readers. */
const homeRoutes: RoutePlugin = async (app) => {
  const perPage = blogSettings(app.config).posts_per_page;
  app.get(
    '/',
    { schema: { querystring: PageQuery }, config: { pageCache: { tags: [PAGE_TAGS.blogPosts] } } },
    async (request, reply) => {
      const { page } = request.query;
      const result = await app.services.blog.listPosts({ page, perPage });
      if (page > result.pages) throw new AppError('HTTP_ROUTE_NOT_FOUND');
      return reply.view('home.njk', {
        title: page > 1 ? `Page ${page}` : app.config.apps.blog.title,
        heading: 'Blog',
        intro: app.config.site.tagline,
        canonical_url: `${app.config.apps.blog.publicUrl}/${page > 1 ? `?page=${page}` : ''}`,
        posts: result.items,
        result,
        base_path: '/',
      });
    },
  );
};

export default homeRoutes;
