import { PAGE_TAGS } from '@rose-ash/shared/contracts/widgets.ts';
import { AppError } from '@rose-ash/shared/infrastructure/errors.ts';
import { listPublishedPosts } from '@rose-ash/shared/services/blog/reader-queries.ts';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { blogSettings } from '../../settings.ts';

const Query = z.object({ page: z.coerce.number().int().min(1).max(10_000).default(1) });

/** The blog home page: the latest published posts, paginated, page-cached for anonymous readers. */
const homeRoutes: FastifyPluginAsync = async (app) => {
  const perPage = blogSettings(app.config).posts_per_page;
  app.get('/', { config: { pageCache: { tags: [PAGE_TAGS.blogPosts] } } }, async (request, reply) => {
    const query = Query.safeParse(request.query);
    if (!query.success) throw new AppError('HTTP_ROUTE_NOT_FOUND');
    const result = await listPublishedPosts(app.db.db, { page: query.data.page, perPage });
    if (query.data.page > result.pages) throw new AppError('HTTP_ROUTE_NOT_FOUND');
    return reply.view('home.njk', {
      title: query.data.page > 1 ? `Page ${query.data.page}` : app.config.apps.blog.title,
      heading: 'Blog',
      intro: app.config.site.tagline,
      canonical_url: `${app.config.apps.blog.publicUrl}/${query.data.page > 1 ? `?page=${query.data.page}` : ''}`,
      posts: result.items,
      result,
      base_path: '/',
    });
  });
};

export default homeRoutes;
